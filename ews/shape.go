package ews

import (
	"encoding/xml"
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
// [CalendarViewFields] there and fetch the rest with GetItem.
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
// returns. FindItem answers calendar:Organizer with the display name only
// (no address) and truncates long text properties to 512 bytes, so the
// authoritative values come from GetItem.
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
}

// xmlFieldURI is t:FieldURI, a reference to one unindexed property.
type xmlFieldURI struct {
	FieldURI string `xml:"FieldURI,attr"`
}

// xmlItemShape is t:ItemResponseShapeType (ItemShape in FindItem, GetItem
// and SyncFolderItems) and t:PersonaResponseShapeType. Only the two
// elements Roomboard uses are present; the optional body settings sit
// between them in the schema sequence.
type xmlItemShape struct {
	BaseShape            string
	AdditionalProperties []xmlFieldURI
}

// MarshalXML implements xml.Marshaler. It exists because encoding/xml
// writes the parent of an "a>b" path even for an empty slice, and an empty
// t:AdditionalProperties is a schema violation.
func (s xmlItemShape) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	var wire struct {
		BaseShape            string `xml:"t:BaseShape"`
		AdditionalProperties *struct {
			FieldURI []xmlFieldURI `xml:"t:FieldURI"`
		} `xml:"t:AdditionalProperties"`
	}
	wire.BaseShape = s.BaseShape
	if len(s.AdditionalProperties) > 0 {
		wire.AdditionalProperties = &struct {
			FieldURI []xmlFieldURI `xml:"t:FieldURI"`
		}{s.AdditionalProperties}
	}
	return e.EncodeElement(wire, start)
}

// itemShape builds the request shape, dropping duplicate and empty field
// names (Exchange rejects a request that names a property twice).
func itemShape(s Shape, fields []string) (xmlItemShape, error) {
	if !s.valid() {
		return xmlItemShape{}, invalid("request", "Shape", "%v is not IdOnly, Default or AllProperties", s)
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

// xmlIndexedPage is t:IndexedPageViewType (IndexedPageItemView in FindItem
// and FindPeople). MaxEntriesReturned zero leaves the page size to the
// server, which caps it at its EWSFindCountLimit (1,000 by default).
type xmlIndexedPage struct {
	MaxEntriesReturned int    `xml:"MaxEntriesReturned,attr,omitempty"`
	Offset             int    `xml:"Offset,attr"`
	BasePoint          string `xml:"BasePoint,attr"`
}

// MaxPageSize is the largest page Exchange returns with its default
// throttling policy (EWSFindCountLimit); asking for more has no effect.
const MaxPageSize = 1000

// single returns the only response message of a one-request operation.
// Exchange sends one message per requested folder, item or name; any
// other count means the answer does not belong to the request.
func single[T any](op string, msgs []T) (*T, error) {
	if len(msgs) != 1 {
		return nil, fmt.Errorf("ews: %s: %w: %d response messages, want 1", op, ErrMalformed, len(msgs))
	}
	return &msgs[0], nil
}

// errEvenIfWarning is ResponseMessage.Err that also reports a Warning with
// a response code. In batch answers Exchange marks the items it skipped
// after throttling with ResponseClass="Warning" and
// ErrorBatchProcessingStopped; they carry no data and must not pass as
// successes.
func errEvenIfWarning(m ResponseMessage) error {
	if m.ResponseClass == "Warning" && m.ResponseCode != "" && m.ResponseCode != "NoError" {
		m.ResponseClass = "Error"
	}
	return m.Err()
}
