package ews

import (
	"context"
	"encoding/xml"
	"fmt"
)

// ResponseKind names the answer an attendee gives to a meeting: the
// response object sent with CreateItem.
type ResponseKind string

// The response objects [Client.RespondToMeeting] sends.
const (
	Accept            ResponseKind = "AcceptItem"
	TentativelyAccept ResponseKind = "TentativelyAcceptItem"
	Decline           ResponseKind = "DeclineItem"
)

// MeetingResponse is an attendee's answer to a meeting, sent with
// [Client.RespondToMeeting].
//
// Roomboard sends these as a room mailbox (by impersonation or with the
// service account's delegate access to the room): declining the room's copy
// frees the room and tells the organizer through Exchange, without touching
// the organizer's mailbox.
type MeetingResponse struct {
	// Kind is Accept, TentativelyAccept or Decline.
	Kind ResponseKind
	// ReferenceItemID is the attendee's calendar item, one occurrence of it
	// (the ItemId a CalendarView returns), or the meeting request message.
	ReferenceItemID ItemID
	// Body is an optional plain-text note to the organizer.
	Body string
	// MessageDisposition is SendAndSaveCopy (the default when empty),
	// SendOnly or SaveOnly. SaveOnly leaves the response as a draft and does
	// not answer the meeting yet.
	MessageDisposition string
}

var (
	responseKinds       = []string{string(Accept), string(TentativelyAccept), string(Decline)}
	messageDispositions = []string{"SaveOnly", "SendOnly", "SendAndSaveCopy"}
)

type createResponseRequest struct {
	XMLName            xml.Name `xml:"m:CreateItem"`
	MessageDisposition string   `xml:"MessageDisposition,attr"`
	Items              struct {
		Object xmlResponseObject
	} `xml:"m:Items"`
}

// xmlResponseObject is t:AcceptItem, t:TentativelyAcceptItem or
// t:DeclineItem (t:WellKnownResponseObjectType): XMLName carries which.
// The field order is the schema's: Body (from ItemType) comes before
// ReferenceItemId (from ResponseObjectCoreType).
type xmlResponseObject struct {
	XMLName         xml.Name
	Body            *xmlBody `xml:"t:Body,omitempty"`
	ReferenceItemID ItemID   `xml:"t:ReferenceItemId"`
}

func newCreateResponseRequest(r *MeetingResponse) (*createResponseRequest, error) {
	const op = "CreateItem"
	if r == nil {
		return nil, &ValidationError{Op: op, Field: "request", Reason: "nil"}
	}
	kind, err := enumArg(op, "Kind", string(r.Kind), "", responseKinds)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		return nil, &ValidationError{Op: op, Field: "Kind", Reason: fmt.Sprintf("empty; want one of %v", responseKinds)}
	}
	if r.ReferenceItemID.ID == "" {
		return nil, &ValidationError{Op: op, Field: "ReferenceItemID", Reason: "empty item id"}
	}
	disp, err := enumArg(op, "MessageDisposition", r.MessageDisposition, "SendAndSaveCopy", messageDispositions)
	if err != nil {
		return nil, err
	}
	req := &createResponseRequest{MessageDisposition: disp}
	req.Items.Object = xmlResponseObject{XMLName: xml.Name{Local: "t:" + kind}, ReferenceItemID: r.ReferenceItemID}
	if r.Body != "" {
		req.Items.Object.Body = &xmlBody{BodyType: "Text", Text: r.Body}
	}
	return req, nil
}

// RespondToMeeting accepts, tentatively accepts or declines a meeting as
// the mailbox that holds r.ReferenceItemID (use [Client.Impersonating] to
// act as a room). A Decline removes the item (or only the occurrence) from
// that calendar and, unless MessageDisposition is SaveOnly, sends the
// response to the organizer, whose tracking then shows it.
//
// It returns the ids of the items Exchange reports creating, which may be
// none: Microsoft's documented response carries an empty Items element.
// An organizer cannot answer their own meeting
// (ErrorCalendarIsOrganizerForDecline and its siblings).
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-meeting-request
func (c *Client) RespondToMeeting(ctx context.Context, r *MeetingResponse) ([]ItemID, error) {
	req, err := newCreateResponseRequest(r)
	if err != nil {
		return nil, err
	}
	var resp createItemResponse
	if err := c.call(ctx, "CreateItem", req, &resp); err != nil {
		return nil, err
	}
	return resp.responseResult()
}

// responseResult reads the answer to a response object: one message, whose
// Items may be empty.
func (r *createItemResponse) responseResult() ([]ItemID, error) {
	const op = "CreateItem"
	if len(r.Messages) != 1 {
		return nil, fmt.Errorf("ews: %s: %w: %d response messages, want 1", op, ErrMalformed, len(r.Messages))
	}
	m := &r.Messages[0]
	if err := m.Err(); err != nil {
		return nil, wrapOp(op, err)
	}
	var ids []ItemID
	for _, it := range m.Items.Items {
		if it.ItemID.ID != "" {
			ids = append(ids, it.ItemID)
		}
	}
	return ids, nil
}
