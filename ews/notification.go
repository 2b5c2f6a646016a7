package ews

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Notification is a batch of events of one subscription, as delivered by
// GetEvents (pull), GetStreamingEvents (streaming) and SendNotification
// (push).
type Notification struct {
	SubscriptionID string
	// PreviousWatermark is the watermark the batch continues from; pull and
	// push notifications carry it, streaming ones usually do not.
	PreviousWatermark string
	// MoreEvents reports that the server holds further events (pull: call
	// GetEvents again at once).
	MoreEvents bool
	// Events in the order the server reported them.
	Events []Event
}

// Event is one mailbox event. Kind is the element name: CopiedEvent,
// CreatedEvent, DeletedEvent, ModifiedEvent, MovedEvent, NewMailEvent,
// FreeBusyChangedEvent or StatusEvent (a heartbeat that carries only a
// Watermark).
//
// An event names either an item (ItemID) or a folder (FolderID), always with
// its ParentFolderID; moved and copied events also name the old item or
// folder and the old parent. Roomboard treats any event on a calendar as a
// reason to run an incremental sync, not as data.
type Event struct {
	Kind              string
	Watermark         string
	TimeStamp         time.Time
	ItemID            *ItemID
	FolderID          string
	ParentFolderID    string
	OldItemID         *ItemID
	OldFolderID       string
	OldParentFolderID string
	UnreadCount       int // ModifiedEvent of a folder
}

// eventKinds are the element names of t:NotificationType's event choice.
var eventKinds = map[string]bool{
	"CopiedEvent": true, "CreatedEvent": true, "DeletedEvent": true, "ModifiedEvent": true,
	"MovedEvent": true, "NewMailEvent": true, "FreeBusyChangedEvent": true, "StatusEvent": true,
}

// xmlNotification decodes t:NotificationType. Its events are a choice of
// differently named elements whose order matters (watermarks advance with
// it), so it is decoded with a token loop rather than struct tags, which
// would group events by name.
type xmlNotification Notification

type xmlFolderRef struct {
	ID string `xml:"Id,attr"`
}

type xmlEvent struct {
	Watermark         string        `xml:"Watermark"`
	TimeStamp         Time          `xml:"TimeStamp"`
	FolderID          *xmlFolderRef `xml:"FolderId"`
	ItemID            *ItemID       `xml:"ItemId"`
	ParentFolderID    *xmlFolderRef `xml:"ParentFolderId"`
	OldFolderID       *xmlFolderRef `xml:"OldFolderId"`
	OldItemID         *ItemID       `xml:"OldItemId"`
	OldParentFolderID *xmlFolderRef `xml:"OldParentFolderId"`
	UnreadCount       int           `xml:"UnreadCount"`
}

func (f *xmlFolderRef) id() string {
	if f == nil {
		return ""
	}
	return f.ID
}

// UnmarshalXML implements xml.Unmarshaler.
func (n *xmlNotification) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*n = xmlNotification{}
	return eachChild(d, func(t xml.StartElement) error {
		var err error
		switch name := t.Name.Local; {
		case name == "SubscriptionId":
			err = d.DecodeElement(&n.SubscriptionID, &t)
			n.SubscriptionID = strings.TrimSpace(n.SubscriptionID)
		case name == "PreviousWatermark":
			err = d.DecodeElement(&n.PreviousWatermark, &t)
			n.PreviousWatermark = strings.TrimSpace(n.PreviousWatermark)
		case name == "MoreEvents":
			err = d.DecodeElement(&n.MoreEvents, &t)
		case eventKinds[name]:
			var x xmlEvent
			if err = d.DecodeElement(&x, &t); err == nil {
				n.Events = append(n.Events, x.event(name))
			}
		default:
			err = d.Skip()
		}
		if err != nil {
			return fmt.Errorf("notification %s: %w", t.Name.Local, err)
		}
		return nil
	})
}

// eachChild calls fn for every child element of the element whose start
// tag d has just read, in document order, and returns after its end tag.
// fn must consume the child (decode or skip it). It serves the elements
// whose children are a choice whose order matters, which struct tags
// would group by name.
func eachChild(d *xml.Decoder, fn func(xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			// The decoder checks nesting, so this is the parent's end.
			return nil
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		}
	}
}

func (x *xmlEvent) event(kind string) Event {
	return Event{
		Kind:              kind,
		Watermark:         strings.TrimSpace(x.Watermark),
		TimeStamp:         x.TimeStamp.Time,
		ItemID:            x.ItemID,
		FolderID:          x.FolderID.id(),
		ParentFolderID:    x.ParentFolderID.id(),
		OldItemID:         x.OldItemID,
		OldFolderID:       x.OldFolderID.id(),
		OldParentFolderID: x.OldParentFolderID.id(),
		UnreadCount:       x.UnreadCount,
	}
}

// notifications converts decoded notifications.
func notifications(xs []xmlNotification) []Notification {
	if len(xs) == 0 {
		return nil
	}
	out := make([]Notification, len(xs))
	for i, x := range xs {
		out[i] = Notification(x)
	}
	return out
}
