package ews

import (
	"context"
	"encoding/xml"
	"strings"
)

type getRoomsRequest struct {
	XMLName  xml.Name   `xml:"m:GetRooms"`
	RoomList xmlMailbox `xml:"m:RoomList"`
}

type getRoomsResponse struct {
	ResponseMessage
	Rooms []Mailbox `xml:"Rooms>Room>Id"`
}

func newGetRoomsRequest(roomList string) (*getRoomsRequest, error) {
	roomList = strings.TrimSpace(roomList)
	if roomList == "" {
		return nil, invalid("GetRooms", "roomList", "empty address")
	}
	return &getRoomsRequest{RoomList: xmlMailbox{EmailAddress: roomList}}, nil
}

// GetRooms returns the rooms in the room list with SMTP address roomList
// (one of the addresses [Client.GetRoomLists] returns). Rooms hidden from
// the address book are not listed. An address that is not a room list
// yields a [*ResponseError] with code ErrorNameResolutionNoResults; an empty
// room list yields no rooms and no error.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getrooms-operation
func (c *Client) GetRooms(ctx context.Context, roomList string) ([]Mailbox, error) {
	req, err := newGetRoomsRequest(roomList)
	if err != nil {
		return nil, err
	}
	var r getRoomsResponse
	if err := c.call(ctx, "GetRooms", req, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *getRoomsResponse) result() ([]Mailbox, error) {
	if err := r.Err(); err != nil {
		return nil, wrapOp("GetRooms", err)
	}
	return r.Rooms, nil
}
