package ews

import (
	"context"
	"encoding/xml"
	"time"
)

// UpdateMeetingRequest changes a meeting with [Client.UpdateItem]: extend,
// end early, move or rename a booking. Nil fields stay unchanged.
type UpdateMeetingRequest struct {
	// ID is the meeting with the change key last seen. Exchange refuses a
	// write without a change key (ErrorChangeKeyRequiredForWriteOperations)
	// and, with AutoResolve, a stale one (ErrorIrresolvableConflict).
	ID         ItemID
	Start, End *time.Time
	Subject    *string
	Location   *string
	// ConflictResolution is NeverOverwrite, AutoResolve (the default when
	// empty) or AlwaysOverwrite.
	ConflictResolution string
	// SendUpdates is SendToNone, SendOnlyToAll, SendOnlyToChanged,
	// SendToAllAndSaveCopy (the default when empty) or
	// SendToChangedAndSaveCopy.
	SendUpdates string
}

var (
	conflictResolutions = []string{"NeverOverwrite", "AutoResolve", "AlwaysOverwrite"}
	updateSend          = []string{"SendToNone", "SendOnlyToAll", "SendOnlyToChanged", "SendToAllAndSaveCopy", "SendToChangedAndSaveCopy"}
)

type updateItemRequest struct {
	XMLName                               xml.Name        `xml:"m:UpdateItem"`
	ConflictResolution                    string          `xml:"ConflictResolution,attr"`
	SendMeetingInvitationsOrCancellations string          `xml:"SendMeetingInvitationsOrCancellations,attr"`
	ItemChanges                           []xmlItemChange `xml:"m:ItemChanges>t:ItemChange"`
}

type xmlItemChange struct {
	ItemID  ItemID            `xml:"t:ItemId"`
	Updates []xmlSetItemField `xml:"t:Updates>t:SetItemField"`
}

// xmlSetItemField sets one property: the FieldURI names it and the
// CalendarItem carries only that property.
type xmlSetItemField struct {
	FieldURI     xmlFieldURI        `xml:"t:FieldURI"`
	CalendarItem xmlCalendarItemSet `xml:"t:CalendarItem"`
}

// xmlCalendarItemSet holds the single property of a SetItemField. Pointers
// let an empty Subject or Location be set rather than omitted.
type xmlCalendarItemSet struct {
	Subject  *string `xml:"t:Subject,omitempty"`
	Start    string  `xml:"t:Start,omitempty"`
	End      string  `xml:"t:End,omitempty"`
	Location *string `xml:"t:Location,omitempty"`
}

func newUpdateItemRequest(u *UpdateMeetingRequest) (*updateItemRequest, error) {
	const op = "UpdateItem"
	if u == nil {
		return nil, &ValidationError{Op: op, Field: "request", Reason: "nil"}
	}
	if u.ID.ID == "" {
		return nil, &ValidationError{Op: op, Field: "ID", Reason: "empty item id"}
	}
	cr, err := enumArg(op, "ConflictResolution", u.ConflictResolution, "AutoResolve", conflictResolutions)
	if err != nil {
		return nil, err
	}
	send, err := enumArg(op, "SendUpdates", u.SendUpdates, "SendToAllAndSaveCopy", updateSend)
	if err != nil {
		return nil, err
	}
	if u.Start != nil && u.End != nil && !u.End.After(*u.Start) {
		return nil, &ValidationError{Op: op, Field: "End", Reason: "must be after Start"}
	}
	ch := xmlItemChange{ItemID: u.ID}
	set := func(uri string, v xmlCalendarItemSet) {
		ch.Updates = append(ch.Updates, xmlSetItemField{FieldURI: xmlFieldURI{FieldURI: uri}, CalendarItem: v})
	}
	if u.Subject != nil {
		set("item:Subject", xmlCalendarItemSet{Subject: u.Subject})
	}
	// Exchange applies the changes in order and checks Start < End only
	// when it saves, so the order of Start and End does not matter.
	if u.Start != nil {
		if u.Start.IsZero() {
			return nil, &ValidationError{Op: op, Field: "Start", Reason: "zero time"}
		}
		set("calendar:Start", xmlCalendarItemSet{Start: formatTime(*u.Start)})
	}
	if u.End != nil {
		if u.End.IsZero() {
			return nil, &ValidationError{Op: op, Field: "End", Reason: "zero time"}
		}
		set("calendar:End", xmlCalendarItemSet{End: formatTime(*u.End)})
	}
	if u.Location != nil {
		set("calendar:Location", xmlCalendarItemSet{Location: u.Location})
	}
	if len(ch.Updates) == 0 {
		return nil, &ValidationError{Op: op, Field: "request", Reason: "nothing to change"}
	}
	return &updateItemRequest{
		ConflictResolution:                    cr,
		SendMeetingInvitationsOrCancellations: send,
		ItemChanges:                           []xmlItemChange{ch},
	}, nil
}

type updateItemResponse struct {
	Messages []itemInfoMessage `xml:"ResponseMessages>UpdateItemResponseMessage"`
}

// UpdateItem changes a meeting's time, subject or location and, unless
// SendUpdates says otherwise, sends updates to the attendees. It returns the
// item's ID with its new change key. A stale change key fails with a
// [*ResponseError] whose Code is ErrorIrresolvableConflict; the caller
// should re-read the item and decide again.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation
func (c *Client) UpdateItem(ctx context.Context, u *UpdateMeetingRequest) (ItemID, error) {
	req, err := newUpdateItemRequest(u)
	if err != nil {
		return ItemID{}, err
	}
	var r updateItemResponse
	if err := c.call(ctx, "UpdateItem", req, &r); err != nil {
		return ItemID{}, err
	}
	return r.result()
}

func (r *updateItemResponse) result() (ItemID, error) {
	return singleItemID("UpdateItem", r.Messages)
}
