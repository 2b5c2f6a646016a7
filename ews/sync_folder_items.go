package ews

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
)

// MaxSyncChanges is the most changes one SyncFolderItems call returns.
const MaxSyncChanges = 512

type syncFolderItemsRequest struct {
	XMLName            xml.Name     `xml:"m:SyncFolderItems"`
	ItemShape          xmlItemShape `xml:"m:ItemShape"`
	SyncFolderID       xmlFolderID  `xml:"m:SyncFolderId"`
	SyncState          string       `xml:"m:SyncState,omitempty"`
	MaxChangesReturned int          `xml:"m:MaxChangesReturned"`
}

type syncFolderItemsResponse struct {
	Messages []syncFolderItemsMessage `xml:"ResponseMessages>SyncFolderItemsResponseMessage"`
}

type syncFolderItemsMessage struct {
	ResponseMessage
	SyncState               string         `xml:"SyncState"`
	IncludesLastItemInRange bool           `xml:"IncludesLastItemInRange"`
	Changes                 xmlSyncChanges `xml:"Changes"`
}

// ChangeKind says what happened to an item between two sync states.
type ChangeKind int

// Kinds of t:SyncFolderItemsChangesType.
const (
	ChangeCreate   ChangeKind = iota + 1 // t:Create
	ChangeUpdate                         // t:Update
	ChangeDelete                         // t:Delete: only the ItemID is known
	ChangeReadFlag                       // t:ReadFlagChange: irrelevant to calendars
)

var changeKindNames = map[string]ChangeKind{
	"Create": ChangeCreate, "Update": ChangeUpdate, "Delete": ChangeDelete, "ReadFlagChange": ChangeReadFlag,
}

// String returns the wire name of k.
func (k ChangeKind) String() string {
	for name, v := range changeKindNames {
		if v == k {
			return name
		}
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// ItemChange is one entry of a SyncFolderItems answer.
type ItemChange struct {
	Kind   ChangeKind
	ItemID ItemID
	// Item is the item's new state for creates and updates of calendar
	// items; nil for deletes, read-flag changes and other item types.
	Item *CalendarItem
}

// xmlSyncChanges decodes t:Changes, whose children are a mix of Create,
// Update, Delete and ReadFlagChange whose order matters (an item may be
// created and deleted in one batch).
type xmlSyncChanges struct {
	List []ItemChange
}

// UnmarshalXML implements xml.Unmarshaler.
func (x *xmlSyncChanges) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return eachChild(d, func(t xml.StartElement) error {
		kind, ok := changeKindNames[t.Name.Local]
		if !ok {
			return d.Skip()
		}
		var c struct {
			ItemID       ItemID           `xml:"ItemId"` // Delete and ReadFlagChange
			CalendarItem *xmlCalendarItem `xml:"CalendarItem"`
			Other        []struct {
				ItemID ItemID `xml:"ItemId"`
			} `xml:",any"` // Create/Update of any other item type
		}
		if err := d.DecodeElement(&c, &t); err != nil {
			return err
		}
		ch := ItemChange{Kind: kind, ItemID: c.ItemID}
		switch {
		case c.CalendarItem != nil:
			ci := c.CalendarItem.toCalendarItem()
			ch.Item, ch.ItemID = &ci, ci.ItemID
		case ch.ItemID.ID == "" && len(c.Other) > 0:
			ch.ItemID = c.Other[0].ItemID
		}
		x.List = append(x.List, ch)
		return nil
	})
}

// SyncFolderItemsRequest asks for the changes in a folder since SyncState.
type SyncFolderItemsRequest struct {
	Folder FolderID
	// SyncState is the state returned by the previous call; empty starts
	// over and returns every item as a Create.
	SyncState string
	// MaxChanges is 1 to MaxSyncChanges.
	MaxChanges int
	Shape      Shape
	Fields     []string
}

// SyncFolderItemsResult is one batch of changes.
type SyncFolderItemsResult struct {
	// SyncState is the state after this batch; store it and send it next
	// time, only once the changes are safely applied.
	SyncState string
	// IncludesLastItemInRange is false while more changes are waiting;
	// call again at once with the new SyncState.
	IncludesLastItemInRange bool
	Changes                 []ItemChange
}

func newSyncFolderItemsRequest(r *SyncFolderItemsRequest) (*syncFolderItemsRequest, error) {
	const op = "SyncFolderItems"
	if r == nil {
		return nil, invalid(op, "request", "nil")
	}
	if r.Folder.ID == "" && r.Folder.Distinguished == "" {
		return nil, invalid(op, "Folder", "no folder ID")
	}
	if r.MaxChanges < 1 || r.MaxChanges > MaxSyncChanges {
		return nil, invalid(op, "MaxChanges", "%d not in 1..%d", r.MaxChanges, MaxSyncChanges)
	}
	shape, err := itemShape(r.Shape, r.Fields)
	if err != nil {
		return nil, err
	}
	return &syncFolderItemsRequest{
		ItemShape:          shape,
		SyncFolderID:       r.Folder.xml(),
		SyncState:          strings.TrimSpace(r.SyncState),
		MaxChangesReturned: r.MaxChanges,
	}, nil
}

// SyncFolderItems returns the changes to the items of r.Folder since
// r.SyncState, at most r.MaxChanges per call.
//
// A sync state Exchange no longer accepts (after a mailbox move or
// restore) fails with a [*ResponseError] whose Code is
// ErrorInvalidSyncStateData; the caller then starts over with an empty
// state. Like FindItem, SyncFolderItems does not return attendees or
// recurrence data reliably; fetch changed items with [Client.GetItem].
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
func (c *Client) SyncFolderItems(ctx context.Context, r *SyncFolderItemsRequest) (*SyncFolderItemsResult, error) {
	req, err := newSyncFolderItemsRequest(r)
	if err != nil {
		return nil, err
	}
	var resp syncFolderItemsResponse
	if err := c.call(ctx, "SyncFolderItems", req, &resp); err != nil {
		return nil, err
	}
	return resp.result()
}

func (r *syncFolderItemsResponse) result() (*SyncFolderItemsResult, error) {
	m, err := single("SyncFolderItems", r.Messages)
	if err != nil {
		return nil, err
	}
	if err := m.Err(); err != nil {
		return nil, wrapOp("SyncFolderItems", err)
	}
	return &SyncFolderItemsResult{
		SyncState:               strings.TrimSpace(m.SyncState),
		IncludesLastItemInRange: m.IncludesLastItemInRange,
		Changes:                 m.Changes.List,
	}, nil
}
