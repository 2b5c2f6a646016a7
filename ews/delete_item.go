package ews

import (
	"context"
	"encoding/xml"
	"fmt"
)

// DeleteOptions control [Client.DeleteItem].
type DeleteOptions struct {
	// DeleteType is HardDelete, SoftDelete or MoveToDeletedItems (the
	// default when empty). A delegate deleting from the principal's mailbox
	// cannot use MoveToDeletedItems (ErrorCannotDeleteObject); it must use
	// SoftDelete or HardDelete.
	DeleteType string
	// SendCancellations is SendToNone, SendOnlyToAll or
	// SendToAllAndSaveCopy (the default when empty). It matters only for
	// meetings the caller organises.
	SendCancellations string
}

var disposalTypes = []string{"HardDelete", "SoftDelete", "MoveToDeletedItems"}

type deleteItemRequest struct {
	XMLName                  xml.Name `xml:"m:DeleteItem"`
	DeleteType               string   `xml:"DeleteType,attr"`
	SendMeetingCancellations string   `xml:"SendMeetingCancellations,attr"`
	ItemIDs                  []ItemID `xml:"m:ItemIds>t:ItemId"`
}

func newDeleteItemRequest(ids []ItemID, o DeleteOptions) (*deleteItemRequest, error) {
	const op = "DeleteItem"
	dt, err := enumArg(op, "DeleteType", o.DeleteType, "MoveToDeletedItems", disposalTypes)
	if err != nil {
		return nil, err
	}
	send, err := enumArg(op, "SendCancellations", o.SendCancellations, "SendToAllAndSaveCopy", createOrDeleteSend)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if id.ID == "" {
			return nil, &ValidationError{Op: op, Field: fmt.Sprintf("ids[%d]", i), Reason: "empty item id"}
		}
	}
	return &deleteItemRequest{DeleteType: dt, SendMeetingCancellations: send, ItemIDs: ids}, nil
}

type deleteItemResponse struct {
	Messages []ResponseMessage `xml:"ResponseMessages>DeleteItemResponseMessage"`
}

// DeleteItem deletes items, typically meetings a kiosk booked and then
// released, and sends cancellations as opts say. The result has one entry
// per id, in order: nil on success or the item's error (such as a
// [*ResponseError] with Code ErrorItemNotFound). The second return value is
// an error of the whole request. An empty ids sends nothing.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation
func (c *Client) DeleteItem(ctx context.Context, ids []ItemID, opts DeleteOptions) ([]error, error) {
	req, err := newDeleteItemRequest(ids, opts)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var r deleteItemResponse
	if err := c.call(ctx, "DeleteItem", req, &r); err != nil {
		return nil, err
	}
	return r.result(len(ids))
}

func (r *deleteItemResponse) result(n int) ([]error, error) {
	if len(r.Messages) != n {
		return nil, fmt.Errorf("ews: DeleteItem: %w: %d response messages for %d items", ErrMalformed, len(r.Messages), n)
	}
	errs := make([]error, n)
	for i := range r.Messages {
		if err := r.Messages[i].Err(); err != nil {
			errs[i] = wrapOp("DeleteItem", err)
		}
	}
	return errs, nil
}
