package ews

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var getItemIDs = []ItemID{
	{ID: "AAMkMaster", ChangeKey: "DwAAABYC"},
	{ID: "AAMkGone"},
	{ID: "AAMkMsg1"},
	{ID: "AAMkLater"},
}

func TestGetItemRequest(t *testing.T) {
	req, err := newGetItemRequest(getItemIDs, IdOnly, CalendarFields)
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "GetItem", req)
}

func TestGetItemValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ids   []ItemID
		shape Shape
		field string
	}{
		{"no ids", nil, IdOnly, "ids"},
		{"empty id", []ItemID{{ID: "a"}, {ChangeKey: "b"}}, IdOnly, "ids"},
		{"bad shape", []ItemID{{ID: "a"}}, Shape(3), "shape"},
		{"ok", []ItemID{{ID: "a"}}, AllProperties, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newGetItemRequest(tc.ids, tc.shape, nil)
			if tc.field == "shape" {
				if !errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("err = %v, want ErrInvalidRequest", err)
				}
				return
			}
			checkValidation(t, err, tc.field)
		})
	}
}

var wantMaster = CalendarItem{
	ItemID:               ItemID{ID: "AAMkMaster", ChangeKey: "DwAAABYC"},
	Subject:              "Wöchentliche Abstimmung",
	Sensitivity:          "Normal",
	LastModifiedTime:     time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC),
	UID:                  "040000008200E00074C5B7101A82E00800000000E1B5",
	Start:                time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
	End:                  time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC),
	LegacyFreeBusyStatus: "Busy",
	Location:             "Besprechungsraum Größenwahn",
	CalendarItemType:     "RecurringMaster",
	Organizer:            Mailbox{Name: "Jürgen Müller", EmailAddress: "juergen.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
	RequiredAttendees: []Attendee{{
		Mailbox:      Mailbox{Name: "王小明", EmailAddress: "xiaoming.wang@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
		ResponseType: "Accept",
	}},
	OptionalAttendees: []Attendee{{
		Mailbox:      Mailbox{Name: "Müller-Lüdenscheidt, Käthe", EmailAddress: "kaethe.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
		ResponseType: "NoResponseReceived",
	}},
	Resources: []Attendee{{
		Mailbox:      Mailbox{Name: "Besprechungsraum Größenwahn", EmailAddress: "room.groessenwahn@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
		ResponseType: "Accept",
	}},
	AppointmentSequence: 3,
	Recurrence: &Recurrence{
		Pattern: "Weekly", Interval: 1, DaysOfWeek: []string{"Monday", "Thursday"}, FirstDayOfWeek: "Monday",
		StartDate: "2026-01-05Z", EndDate: "2026-12-31Z",
	},
	ModifiedOccurrences: []Occurrence{{
		ItemID:        ItemID{ID: "AAMkOcc1", ChangeKey: "DwAAABYD"},
		Start:         time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
		End:           time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC),
		OriginalStart: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
	}},
	DeletedOccurrences:   []time.Time{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
	IsOnlineMeeting:      true,
	JoinOnlineMeetingURL: "https://meet.contoso.com/juergen.mueller/QX7K2P",
}

// checkGetItemResults compares results with the GetItem fixture: a full
// item, ErrorItemNotFound, a message, and a batch stopped by throttling
// (a Warning, which must surface as an error).
func checkGetItemResults(t *testing.T, got []GetItemResult) {
	t.Helper()
	if len(got) != 4 {
		t.Fatalf("%d results, want 4", len(got))
	}
	if got[0].Err != nil {
		t.Fatalf("item 0: %v", got[0].Err)
	}
	if diff := cmp.Diff(wantMaster, got[0].Item); diff != "" {
		t.Errorf("item 0 (-want +got):\n%s", diff)
	}
	var re *ResponseError
	if !errors.As(got[1].Err, &re) || re.Code != "ErrorItemNotFound" {
		t.Errorf("item 1: err = %v, want ErrorItemNotFound", got[1].Err)
	}
	if !errors.Is(got[2].Err, ErrNotCalendarItem) {
		t.Errorf("item 2: err = %v, want ErrNotCalendarItem", got[2].Err)
	}
	if Code(got[3].Err) != "ErrorBatchProcessingStopped" || !IsTransient(got[3].Err) {
		t.Errorf("item 3: err = %v, want transient ErrorBatchProcessingStopped", got[3].Err)
	}
	for i := 1; i < 4; i++ {
		if diff := cmp.Diff(CalendarItem{}, got[i].Item); diff != "" {
			t.Errorf("item %d carries data despite its error:\n%s", i, diff)
		}
	}
}

func TestGetItemResponse(t *testing.T) {
	var r getItemResponse
	if _, err := parseFixture(t, "GetItem.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result(4)
	if err != nil {
		t.Fatal(err)
	}
	checkGetItemResults(t, got)
	if _, err := r.result(3); !errors.Is(err, ErrMalformed) {
		t.Errorf("count mismatch: err = %v, want ErrMalformed", err)
	}
}

func TestGetItemClient(t *testing.T) {
	c, fs := newFixtureClient(t, "GetItem.response.xml")
	got, err := c.GetItem(context.Background(), getItemIDs, IdOnly, CalendarFields)
	if err != nil {
		t.Fatal(err)
	}
	checkGetItemResults(t, got)
	fs.check(t, c, "GetItem")
}
