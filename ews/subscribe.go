package ews

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// SubscriptionKind says how Exchange delivers a subscription's events.
type SubscriptionKind int

// Subscription kinds. The zero value is Streaming, which Roomboard prefers:
// it needs no public callback URL and delivers events within seconds.
const (
	// Streaming subscriptions are read with [Client.GetStreamingEvents]
	// (Exchange 2010 SP1 and later).
	Streaming SubscriptionKind = iota
	// Pull subscriptions are polled with [Client.GetEvents].
	Pull
	// Push subscriptions make Exchange POST SendNotification requests to a
	// URL; parse them with [ParsePushNotification].
	Push
)

// String returns the kind's name.
func (k SubscriptionKind) String() string {
	switch k {
	case Streaming:
		return "Streaming"
	case Pull:
		return "Pull"
	case Push:
		return "Push"
	}
	return fmt.Sprintf("SubscriptionKind(%d)", int(k))
}

// SubscribeRequest describes a subscription for [Client.Subscribe].
type SubscribeRequest struct {
	Kind SubscriptionKind
	// Folders to watch, e.g. CalendarOf(room). None subscribes to all
	// folders of the mailbox.
	Folders []FolderID
	// EventTypes to report: CopiedEvent, CreatedEvent, DeletedEvent,
	// ModifiedEvent, MovedEvent, NewMailEvent, FreeBusyChangedEvent. Empty
	// means Created, Modified, Deleted, Moved and Copied.
	EventTypes []string
	// Watermark resumes a pull or push subscription where an earlier one
	// stopped. Streaming subscriptions cannot resume.
	Watermark string
	// Timeout (pull only) ends the subscription after this long without a
	// GetEvents call: whole minutes, 1 to 1440.
	Timeout time.Duration
	// URL (push only) is where Exchange POSTs notifications.
	URL string
	// StatusFrequency (push only) is how often Exchange sends a StatusEvent
	// while nothing happens: whole minutes, 1 to 1440.
	StatusFrequency time.Duration
}

// Subscription is what Exchange returns for a new subscription.
type Subscription struct {
	ID string
	// Watermark is the starting point for GetEvents (pull) and for resuming
	// (pull, push); streaming subscriptions have none.
	Watermark string
}

var (
	subscribeEventTypes = []string{"CopiedEvent", "CreatedEvent", "DeletedEvent", "ModifiedEvent", "MovedEvent", "NewMailEvent", "FreeBusyChangedEvent"}
	defaultEventTypes   = []string{"CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent"}
)

type subscribeRequest struct {
	XMLName   xml.Name                  `xml:"m:Subscribe"`
	Pull      *xmlPullSubscription      `xml:"m:PullSubscriptionRequest,omitempty"`
	Push      *xmlPushSubscription      `xml:"m:PushSubscriptionRequest,omitempty"`
	Streaming *xmlStreamingSubscription `xml:"m:StreamingSubscriptionRequest,omitempty"`
}

// The three request types share their first elements (FolderIds,
// EventTypes, then Watermark except for streaming) and add their own after.
type xmlStreamingSubscription struct {
	SubscribeToAllFolders bool                  `xml:"SubscribeToAllFolders,attr,omitempty"`
	FolderIDs             subscriptionFolderIDs `xml:"t:FolderIds,omitempty"`
	EventTypes            []string              `xml:"t:EventTypes>t:EventType"`
}

type xmlPullSubscription struct {
	SubscribeToAllFolders bool                  `xml:"SubscribeToAllFolders,attr,omitempty"`
	FolderIDs             subscriptionFolderIDs `xml:"t:FolderIds,omitempty"`
	EventTypes            []string              `xml:"t:EventTypes>t:EventType"`
	Watermark             string                `xml:"t:Watermark,omitempty"`
	Timeout               int                   `xml:"t:Timeout"`
}

type xmlPushSubscription struct {
	SubscribeToAllFolders bool                  `xml:"SubscribeToAllFolders,attr,omitempty"`
	FolderIDs             subscriptionFolderIDs `xml:"t:FolderIds,omitempty"`
	EventTypes            []string              `xml:"t:EventTypes>t:EventType"`
	Watermark             string                `xml:"t:Watermark,omitempty"`
	StatusFrequency       int                   `xml:"t:StatusFrequency"`
	URL                   string                `xml:"t:URL"`
}

// subscriptionFolderIDs marshals t:NonEmptyArrayOfBaseFolderIdsType: a
// mixed list of t:FolderId and t:DistinguishedFolderId in one parent.
type subscriptionFolderIDs []FolderID

// MarshalXML implements xml.Marshaler.
func (l subscriptionFolderIDs) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if len(l) == 0 {
		return nil
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, f := range l {
		x := f.xml()
		var err error
		if x.Distinguished != nil {
			err = e.EncodeElement(x.Distinguished, xml.StartElement{Name: xml.Name{Local: "t:DistinguishedFolderId"}})
		} else {
			err = e.EncodeElement(x.Folder, xml.StartElement{Name: xml.Name{Local: "t:FolderId"}})
		}
		if err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// minutesArg converts d to whole minutes within [1, max].
func minutesArg(op, field string, d time.Duration, max int) (int, error) {
	m := int(d / time.Minute)
	if d%time.Minute != 0 || m < 1 || m > max {
		return 0, &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf("must be whole minutes from 1 to %d, got %v", max, d)}
	}
	return m, nil
}

func newSubscribeRequest(s *SubscribeRequest) (*subscribeRequest, error) {
	const op = "Subscribe"
	if s == nil {
		return nil, &ValidationError{Op: op, Field: "request", Reason: "nil"}
	}
	events := s.EventTypes
	if len(events) == 0 {
		events = defaultEventTypes
	}
	for _, ev := range events {
		if !slices.Contains(subscribeEventTypes, ev) {
			return nil, &ValidationError{Op: op, Field: "EventTypes", Reason: fmt.Sprintf("%q is not one of %v", ev, subscribeEventTypes)}
		}
	}
	for i, f := range s.Folders {
		if f.ID == "" && f.Distinguished == "" {
			return nil, &ValidationError{Op: op, Field: fmt.Sprintf("Folders[%d]", i), Reason: "neither ID nor Distinguished set"}
		}
	}
	all := len(s.Folders) == 0
	folders := subscriptionFolderIDs(s.Folders)
	req := &subscribeRequest{}
	switch s.Kind {
	case Streaming:
		if s.Watermark != "" {
			return nil, &ValidationError{Op: op, Field: "Watermark", Reason: "streaming subscriptions cannot resume from a watermark"}
		}
		req.Streaming = &xmlStreamingSubscription{SubscribeToAllFolders: all, FolderIDs: folders, EventTypes: events}
	case Pull:
		t, err := minutesArg(op, "Timeout", s.Timeout, 1440)
		if err != nil {
			return nil, err
		}
		req.Pull = &xmlPullSubscription{SubscribeToAllFolders: all, FolderIDs: folders, EventTypes: events, Watermark: s.Watermark, Timeout: t}
	case Push:
		f, err := minutesArg(op, "StatusFrequency", s.StatusFrequency, 1440)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &ValidationError{Op: op, Field: "URL", Reason: fmt.Sprintf("%q is not an absolute http(s) URL", s.URL)}
		}
		req.Push = &xmlPushSubscription{SubscribeToAllFolders: all, FolderIDs: folders, EventTypes: events, Watermark: s.Watermark, StatusFrequency: f, URL: s.URL}
	default:
		return nil, &ValidationError{Op: op, Field: "Kind", Reason: s.Kind.String()}
	}
	return req, nil
}

type subscribeMessage struct {
	ResponseMessage
	SubscriptionID string `xml:"SubscriptionId"`
	Watermark      string `xml:"Watermark"`
}

type subscribeResponse struct {
	Messages []subscribeMessage `xml:"ResponseMessages>SubscribeResponseMessage"`
}

// Subscribe creates a pull, push or streaming subscription to events in a
// mailbox's folders. Exchange refuses subscriptions through delegate access
// (ErrorSubscriptionDelegateAccessNotSupported): subscribe as the mailbox
// or impersonate it.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/subscribe-operation
func (c *Client) Subscribe(ctx context.Context, s *SubscribeRequest) (*Subscription, error) {
	req, err := newSubscribeRequest(s)
	if err != nil {
		return nil, err
	}
	var r subscribeResponse
	if err := c.call(ctx, "Subscribe", req, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *subscribeResponse) result() (*Subscription, error) {
	if len(r.Messages) != 1 {
		return nil, fmt.Errorf("ews: Subscribe: %w: %d response messages, want 1", ErrMalformed, len(r.Messages))
	}
	m := &r.Messages[0]
	if err := m.Err(); err != nil {
		return nil, wrapOp("Subscribe", err)
	}
	if m.SubscriptionID == "" {
		return nil, fmt.Errorf("ews: Subscribe: %w: no subscription id", ErrMalformed)
	}
	return &Subscription{ID: m.SubscriptionID, Watermark: m.Watermark}, nil
}
