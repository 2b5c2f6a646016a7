package ews

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
)

// ErrNotCalendarItem is the Err of a [GetItemResult] whose ID names an
// item that is not a calendar item (a message, a meeting request, ...).
var ErrNotCalendarItem = errors.New("ews: not a calendar item")

type getItemRequest struct {
	XMLName   xml.Name     `xml:"m:GetItem"`
	ItemShape xmlItemShape `xml:"m:ItemShape"`
	ItemIDs   []ItemID     `xml:"m:ItemIds>t:ItemId"`
}

type getItemResponse struct {
	Messages []getItemMessage `xml:"ResponseMessages>GetItemResponseMessage"`
}

type getItemMessage struct {
	ResponseMessage
	CalendarItems []xmlCalendarItem `xml:"Items>CalendarItem"`
}

// GetItemResult is the answer for one of the IDs given to GetItem: the
// item, or why it could not be read (Err; ErrorItemNotFound for an item
// deleted since it was listed).
type GetItemResult struct {
	Item CalendarItem
	Err  error
}

func newGetItemRequest(ids []ItemID, shape Shape, fields []string) (*getItemRequest, error) {
	if len(ids) == 0 {
		return nil, invalid("GetItem", "ids", "no item IDs")
	}
	for i, id := range ids {
		if id.ID == "" {
			return nil, invalid("GetItem", "ids", "item %d has an empty ID", i)
		}
	}
	s, err := itemShape(shape, fields)
	if err != nil {
		return nil, err
	}
	return &getItemRequest{ItemShape: s, ItemIDs: ids}, nil
}

// GetItem reads the calendar items ids in one batch. The results are in
// the order of ids; each carries its own error, so one deleted item does
// not fail the others. The returned error covers the request as a whole.
//
// With [IdOnly] and [CalendarFields] it returns what FindItem cannot:
// attendees, recurrence, modified and deleted occurrences, the organizer's
// address and online-meeting data. Exchange runs a batch under one
// throttling budget and stops a batch that takes longer than a minute
// (the remaining items answer ErrorBatchProcessingStopped), so batches of
// about 100 IDs are a good size.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
func (c *Client) GetItem(ctx context.Context, ids []ItemID, shape Shape, fields []string) ([]GetItemResult, error) {
	req, err := newGetItemRequest(ids, shape, fields)
	if err != nil {
		return nil, err
	}
	var r getItemResponse
	if err := c.call(ctx, "GetItem", req, &r); err != nil {
		return nil, err
	}
	return r.result(len(ids))
}

func (r *getItemResponse) result(want int) ([]GetItemResult, error) {
	if len(r.Messages) != want {
		return nil, fmt.Errorf("ews: GetItem: %w: %d response messages for %d items", ErrMalformed, len(r.Messages), want)
	}
	out := make([]GetItemResult, len(r.Messages))
	for i := range r.Messages {
		m := &r.Messages[i]
		switch {
		case errEvenIfWarning(m.ResponseMessage) != nil:
			out[i].Err = wrapOp("GetItem", errEvenIfWarning(m.ResponseMessage))
		case len(m.CalendarItems) == 0:
			out[i].Err = ErrNotCalendarItem
		default:
			out[i].Item = m.CalendarItems[0].toCalendarItem()
		}
	}
	return out, nil
}
