package ews

import (
	"context"
	"encoding/xml"
)

type getRoomListsRequest struct {
	XMLName xml.Name `xml:"m:GetRoomLists"`
}

type getRoomListsResponse struct {
	ResponseMessage
	RoomLists []Mailbox `xml:"RoomLists>Address"`
}

// GetRoomLists returns the room lists (distribution groups marked as room
// lists, usually one per building or floor) of the organization.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getroomlists-operation
func (c *Client) GetRoomLists(ctx context.Context) ([]Mailbox, error) {
	var r getRoomListsResponse
	if err := c.call(ctx, "GetRoomLists", &getRoomListsRequest{}, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *getRoomListsResponse) result() ([]Mailbox, error) {
	if err := r.Err(); err != nil {
		return nil, wrapOp("GetRoomLists", err)
	}
	return r.RoomLists, nil
}
