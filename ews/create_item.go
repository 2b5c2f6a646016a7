package ews

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"time"
)

// CreateMeetingRequest describes a meeting to create with [Client.CreateItem].
//
// A kiosk books a room by creating a real meeting in the calendar of the
// booking delegate (or service identity) with the room as a Resource
// attendee; the room mailbox then accepts or declines it like any other
// invitation. The room is never the organiser.
type CreateMeetingRequest struct {
	// Folder is the calendar to save the meeting in (SavedItemFolderId),
	// e.g. CalendarOf(delegate) for a delegate's calendar. The zero value
	// omits it, which saves into the caller's own calendar.
	Folder FolderID
	// Subject and Body (plain text) of the meeting.
	Subject, Body string
	// Start and End are sent in UTC. For IsAllDay meetings they must be
	// midnights in the Client's TimeZone, which Exchange uses to place the
	// day.
	Start, End time.Time
	// Location is the free-text location shown to attendees.
	Location string
	// Required, Optional and Resources are SMTP addresses. Rooms and
	// equipment belong in Resources.
	Required, Optional, Resources []string
	// Sensitivity is Normal, Personal, Private or Confidential ("" leaves the
	// server default, Normal).
	Sensitivity string
	// IsAllDay marks an all-day event.
	IsAllDay bool
	// LegacyFreeBusyStatus is Free, Tentative, Busy, OOF, WorkingElsewhere or
	// NoData ("" leaves the server default, Busy).
	LegacyFreeBusyStatus string
	// SendInvitations is SendToNone, SendOnlyToAll or SendToAllAndSaveCopy
	// (the default when empty).
	SendInvitations string
}

var (
	meetingSensitivities    = []string{"Normal", "Personal", "Private", "Confidential"}
	meetingFreeBusyStatuses = []string{"Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"}
	createOrDeleteSend      = []string{"SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy"}
)

type createItemRequest struct {
	XMLName                xml.Name      `xml:"m:CreateItem"`
	SendMeetingInvitations string        `xml:"SendMeetingInvitations,attr"`
	SavedItemFolderID      *xmlFolderID  `xml:"m:SavedItemFolderId,omitempty"`
	CalendarItem           xmlNewMeeting `xml:"m:Items>t:CalendarItem"`
}

// xmlNewMeeting is the part of t:CalendarItemType a new meeting sets. The
// field order is the schema's: ItemType's elements first, then
// CalendarItemType's.
type xmlNewMeeting struct {
	Subject              string           `xml:"t:Subject"`
	Sensitivity          string           `xml:"t:Sensitivity,omitempty"`
	Body                 *xmlBody         `xml:"t:Body,omitempty"`
	Start                string           `xml:"t:Start"`
	End                  string           `xml:"t:End"`
	IsAllDayEvent        bool             `xml:"t:IsAllDayEvent"`
	LegacyFreeBusyStatus string           `xml:"t:LegacyFreeBusyStatus,omitempty"`
	Location             string           `xml:"t:Location,omitempty"`
	RequiredAttendees    *xmlAttendeeList `xml:"t:RequiredAttendees,omitempty"`
	OptionalAttendees    *xmlAttendeeList `xml:"t:OptionalAttendees,omitempty"`
	Resources            *xmlAttendeeList `xml:"t:Resources,omitempty"`
}

// xmlBody is t:Body (t:BodyType) in a request.
type xmlBody struct {
	BodyType string `xml:"BodyType,attr"`
	Text     string `xml:",chardata"`
}

// xmlAttendeeList is a request list of t:Attendee.
type xmlAttendeeList struct {
	Attendee []xmlAttendee `xml:"t:Attendee"`
}

type xmlAttendee struct {
	Mailbox xmlMailbox `xml:"t:Mailbox"`
}

func attendeeList(op, field string, smtps []string) (*xmlAttendeeList, error) {
	if len(smtps) == 0 {
		return nil, nil
	}
	l := &xmlAttendeeList{}
	for _, s := range smtps {
		if s == "" {
			return nil, &ValidationError{Op: op, Field: field, Reason: "empty address"}
		}
		l.Attendee = append(l.Attendee, xmlAttendee{Mailbox: xmlMailbox{EmailAddress: s}})
	}
	return l, nil
}

// enumArg returns v, or def when v is empty, and an *ValidationError when v is
// not one of allowed.
func enumArg(op, field, v, def string, allowed []string) (string, error) {
	if v == "" {
		return def, nil
	}
	if !slices.Contains(allowed, v) {
		return "", &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf("%q is not one of %v", v, allowed)}
	}
	return v, nil
}

func newCreateItemRequest(m *CreateMeetingRequest) (*createItemRequest, error) {
	const op = "CreateItem"
	if m == nil {
		return nil, &ValidationError{Op: op, Field: "request", Reason: "nil"}
	}
	if m.Start.IsZero() || m.End.IsZero() {
		return nil, &ValidationError{Op: op, Field: "Start/End", Reason: "both must be set"}
	}
	if !m.End.After(m.Start) {
		return nil, &ValidationError{Op: op, Field: "End", Reason: "must be after Start"}
	}
	send, err := enumArg(op, "SendInvitations", m.SendInvitations, "SendToAllAndSaveCopy", createOrDeleteSend)
	if err != nil {
		return nil, err
	}
	sens, err := enumArg(op, "Sensitivity", m.Sensitivity, "", meetingSensitivities)
	if err != nil {
		return nil, err
	}
	fb, err := enumArg(op, "LegacyFreeBusyStatus", m.LegacyFreeBusyStatus, "", meetingFreeBusyStatuses)
	if err != nil {
		return nil, err
	}
	it := xmlNewMeeting{
		Subject:              m.Subject,
		Sensitivity:          sens,
		Start:                formatTime(m.Start),
		End:                  formatTime(m.End),
		IsAllDayEvent:        m.IsAllDay,
		LegacyFreeBusyStatus: fb,
		Location:             m.Location,
	}
	if m.Body != "" {
		it.Body = &xmlBody{BodyType: "Text", Text: m.Body}
	}
	if it.RequiredAttendees, err = attendeeList(op, "Required", m.Required); err != nil {
		return nil, err
	}
	if it.OptionalAttendees, err = attendeeList(op, "Optional", m.Optional); err != nil {
		return nil, err
	}
	if it.Resources, err = attendeeList(op, "Resources", m.Resources); err != nil {
		return nil, err
	}
	req := &createItemRequest{SendMeetingInvitations: send, CalendarItem: it}
	if m.Folder != (FolderID{}) {
		if m.Folder.ID == "" && m.Folder.Distinguished == "" {
			return nil, &ValidationError{Op: op, Field: "Folder", Reason: "neither ID nor Distinguished set"}
		}
		f := m.Folder.xml()
		req.SavedItemFolderID = &f
	}
	return req, nil
}

// xmlItemIDs decodes m:Items of an item response: whatever the item type
// (CalendarItem, Message, ...), only its ItemId is read.
type xmlItemIDs struct {
	Items []struct {
		ItemID ItemID `xml:"ItemId"`
	} `xml:",any"`
}

type itemInfoMessage struct {
	ResponseMessage
	Items xmlItemIDs `xml:"Items"`
}

type createItemResponse struct {
	Messages []itemInfoMessage `xml:"ResponseMessages>CreateItemResponseMessage"`
}

// CreateItem creates a meeting and, unless SendInvitations says otherwise,
// sends the invitations. It returns the new item's ID and change key.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-calendar-item
func (c *Client) CreateItem(ctx context.Context, m *CreateMeetingRequest) (ItemID, error) {
	req, err := newCreateItemRequest(m)
	if err != nil {
		return ItemID{}, err
	}
	var r createItemResponse
	if err := c.call(ctx, "CreateItem", req, &r); err != nil {
		return ItemID{}, err
	}
	return r.result()
}

func (r *createItemResponse) result() (ItemID, error) {
	return singleItemID("CreateItem", r.Messages)
}

// singleItemID returns the one item ID of a one-item response.
func singleItemID(op string, msgs []itemInfoMessage) (ItemID, error) {
	if len(msgs) != 1 {
		return ItemID{}, fmt.Errorf("ews: %s: %w: %d response messages, want 1", op, ErrMalformed, len(msgs))
	}
	m := &msgs[0]
	if err := m.Err(); err != nil {
		return ItemID{}, wrapOp(op, err)
	}
	if len(m.Items.Items) != 1 || m.Items.Items[0].ItemID.ID == "" {
		return ItemID{}, fmt.Errorf("ews: %s: %w: no item id in response", op, ErrMalformed)
	}
	return m.Items.Items[0].ItemID, nil
}
