package ews

import (
	"fmt"
	"slices"
)

// Shape is the BaseShape of an item or folder response: how many properties
// Exchange returns before AdditionalProperties are added. The zero value is
// [IdOnly], which together with an explicit field list is what Roomboard
// sends: Default and AllProperties differ between Exchange versions and
// AllProperties returns the body, which is large and may be sensitive.
type Shape int

// Base shapes of t:DefaultShapeNamesType.
const (
	IdOnly Shape = iota
	Default
	AllProperties
)

// String returns the wire name of s, as sent in t:BaseShape.
func (s Shape) String() string {
	switch s {
	case IdOnly:
		return "IdOnly"
	case Default:
		return "Default"
	case AllProperties:
		return "AllProperties"
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

func (s Shape) valid() bool { return s >= IdOnly && s <= AllProperties }

// CalendarFields are the FieldURIs Roomboard reads from calendar items,
// each a value of t:UnindexedFieldURIType. Pass them as the fields of
// [Client.GetItem] or [Client.SyncFolderItems] with [IdOnly].
//
// FindItem refuses some of them (attendee lists, recurrence, modified and
// deleted occurrences) with ErrorInvalidPropertyRequest; use
// [CalendarViewFields] there.
var CalendarFields = []string{
	"item:Subject",
	"item:Sensitivity",
	"item:LastModifiedTime",
	"calendar:Start",
	"calendar:End",
	"calendar:IsAllDayEvent",
	"calendar:LegacyFreeBusyStatus",
	"calendar:Location",
	"calendar:IsCancelled",
	"calendar:CalendarItemType",
	"calendar:Organizer",
	"calendar:RequiredAttendees",
	"calendar:OptionalAttendees",
	"calendar:Resources",
	"calendar:AppointmentSequenceNumber",
	"calendar:Recurrence",
	"calendar:ModifiedOccurrences",
	"calendar:DeletedOccurrences",
	"calendar:IsOnlineMeeting",
	"calendar:UID",
	"calendar:RecurrenceId",
	"calendar:JoinOnlineMeetingUrl",
}

// CalendarViewFields is the subset of [CalendarFields] that FindItem
// returns; the rest must be fetched with GetItem.
var CalendarViewFields = []string{
	"item:Subject",
	"item:Sensitivity",
	"item:LastModifiedTime",
	"calendar:Start",
	"calendar:End",
	"calendar:IsAllDayEvent",
	"calendar:LegacyFreeBusyStatus",
	"calendar:Location",
	"calendar:IsCancelled",
	"calendar:CalendarItemType",
	"calendar:Organizer",
	"calendar:AppointmentSequenceNumber",
	"calendar:IsOnlineMeeting",
	"calendar:UID",
	"calendar:RecurrenceId",
	"calendar:JoinOnlineMeetingUrl",
}

// xmlFieldURI is t:FieldURI, a reference to one unindexed property.
type xmlFieldURI struct {
	FieldURI string `xml:"FieldURI,attr"`
}

// xmlItemShape is t:ItemResponseShapeType (ItemShape in FindItem, GetItem
// and SyncFolderItems). Only the two elements Roomboard uses are present;
// the optional body settings sit between them in the schema sequence.
type xmlItemShape struct {
	BaseShape            string        `xml:"t:BaseShape"`
	AdditionalProperties []xmlFieldURI `xml:"t:AdditionalProperties>t:FieldURI,omitempty"`
}

// itemShape builds the request shape, dropping duplicate and empty field
// names (Exchange rejects a request that names a property twice).
func itemShape(s Shape, fields []string) (xmlItemShape, error) {
	if !s.valid() {
		return xmlItemShape{}, fmt.Errorf("ews: invalid shape %v", s)
	}
	x := xmlItemShape{BaseShape: s.String()}
	seen := make([]string, 0, len(fields))
	for _, f := range fields {
		if f == "" || slices.Contains(seen, f) {
			continue
		}
		seen = append(seen, f)
		x.AdditionalProperties = append(x.AdditionalProperties, xmlFieldURI{FieldURI: f})
	}
	return x, nil
}
