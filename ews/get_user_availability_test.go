package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	availStart = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	availEnd   = availStart.Add(24 * time.Hour)
)

func TestGetUserAvailabilityRequest(t *testing.T) {
	req, err := newGetUserAvailabilityRequest(&AvailabilityRequest{
		Mailboxes:      []string{"room.35f-a@contoso.com", "nobody@contoso.com", " room.groessenwahn@contoso.com "},
		Start:          availStart.In(time.FixedZone("CET", 3600)),
		End:            availEnd,
		View:           "DetailedMerged",
		MergedInterval: 15 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "GetUserAvailability", req)
}

func TestGetUserAvailabilityValidation(t *testing.T) {
	many := make([]string, MaxAvailabilityMailboxes+1)
	for i := range many {
		many[i] = fmt.Sprintf("room%03d@contoso.com", i)
	}
	ok := func(f func(r *AvailabilityRequest)) *AvailabilityRequest {
		r := &AvailabilityRequest{Mailboxes: []string{"room.35f-a@contoso.com"}, Start: availStart, End: availEnd, View: "FreeBusy"}
		f(r)
		return r
	}
	for _, tc := range []struct {
		name  string
		req   *AvailabilityRequest
		field string
	}{
		{"nil", nil, "request"},
		{"valid", ok(func(*AvailabilityRequest) {}), ""},
		{"no mailboxes", ok(func(r *AvailabilityRequest) { r.Mailboxes = nil }), "Mailboxes"},
		{"101 mailboxes", ok(func(r *AvailabilityRequest) { r.Mailboxes = many }), "Mailboxes"},
		{"100 mailboxes", ok(func(r *AvailabilityRequest) { r.Mailboxes = many[:100] }), ""},
		{"blank mailbox", ok(func(r *AvailabilityRequest) { r.Mailboxes = []string{"a@contoso.com", " "} }), "Mailboxes"},
		{"zero start", ok(func(r *AvailabilityRequest) { r.Start = time.Time{} }), "TimeWindow"},
		{"end before start", ok(func(r *AvailabilityRequest) { r.Start, r.End = r.End, r.Start }), "TimeWindow"},
		{"42 days", ok(func(r *AvailabilityRequest) { r.End = r.Start.Add(MaxAvailabilityWindow) }), ""},
		{"43 days", ok(func(r *AvailabilityRequest) { r.End = r.Start.Add(43 * 24 * time.Hour) }), "TimeWindow"},
		{"no view", ok(func(r *AvailabilityRequest) { r.View = "" }), "View"},
		{"MergedOnly", ok(func(r *AvailabilityRequest) { r.View = "MergedOnly" }), "View"},
		{"interval too short", ok(func(r *AvailabilityRequest) { r.MergedInterval = 4 * time.Minute }), "MergedInterval"},
		{"interval not minutes", ok(func(r *AvailabilityRequest) { r.MergedInterval = 90 * time.Second }), "MergedInterval"},
		{"interval too long", ok(func(r *AvailabilityRequest) { r.MergedInterval = 25 * time.Hour }), "MergedInterval"},
		{"interval day", ok(func(r *AvailabilityRequest) { r.MergedInterval = 24 * time.Hour }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newGetUserAvailabilityRequest(tc.req)
			checkValidation(t, err, tc.field)
		})
	}
}

var availMailboxes = []string{"room.35f-a@contoso.com", "nobody@contoso.com", "room.groessenwahn@contoso.com"}

func checkAvailability(t *testing.T, got []Availability) {
	t.Helper()
	if len(got) != 3 {
		t.Fatalf("%d answers, want 3", len(got))
	}
	var re *ResponseError
	if !errors.As(got[1].Err, &re) || re.Code != "ErrorMailRecipientNotFound" || got[1].Mailbox != "nobody@contoso.com" {
		t.Errorf("answer 1 = %+v, want ErrorMailRecipientNotFound for nobody@", got[1])
	}
	got[1].Err = nil
	taipeiHours := &WorkingHours{
		StandardOffset: 8 * time.Hour, DaylightOffset: 8 * time.Hour,
		Periods: []WorkingPeriod{{Days: []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}, Start: 9 * time.Hour, End: 18 * time.Hour}},
	}
	want := []Availability{
		{
			Mailbox:        "room.35f-a@contoso.com",
			MergedFreeBusy: "0022000010",
			Events: []BusyEvent{
				{
					Start: availStart.Add(1 * time.Hour), End: availStart.Add(2 * time.Hour), BusyType: "Busy",
					Details: &EventDetails{Subject: "陳美玲", Location: "會議室 35F-A（觀景）", IsMeeting: true},
				},
				{
					Start: availStart.Add(4 * time.Hour), End: availStart.Add(4*time.Hour + 30*time.Minute), BusyType: "Tentative",
					Details: &EventDetails{IsMeeting: true, IsRecurring: true, IsException: true, IsPrivate: true},
				},
			},
			WorkingHours: taipeiHours,
		},
		{Mailbox: "nobody@contoso.com"},
		{
			Mailbox:        "room.groessenwahn@contoso.com",
			MergedFreeBusy: "0000000011",
			// The fixture's +01:00 times are converted to UTC.
			Events: []BusyEvent{{Start: availStart.Add(8 * time.Hour), End: availStart.Add(9 * time.Hour), BusyType: "Tentative"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("availability (-want +got):\n%s", diff)
	}
	for _, a := range got {
		for _, e := range a.Events {
			if e.Start.Location() != time.UTC {
				t.Errorf("%s: event start %v not in UTC", a.Mailbox, e.Start)
			}
		}
	}
}

func TestGetUserAvailabilityResponse(t *testing.T) {
	var r getUserAvailabilityResponse
	if _, err := parseFixture(t, "GetUserAvailability.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result(availMailboxes)
	if err != nil {
		t.Fatal(err)
	}
	checkAvailability(t, got)
	if _, err := r.result(availMailboxes[:2]); !errors.Is(err, ErrMalformed) {
		t.Errorf("count mismatch: err = %v, want ErrMalformed", err)
	}
}

func TestGetUserAvailabilityClient(t *testing.T) {
	c, fs := newFixtureClient(t, "GetUserAvailability.response.xml")
	c.TimeZone = "Taipei Standard Time"
	got, err := c.GetUserAvailability(context.Background(), &AvailabilityRequest{
		Mailboxes: availMailboxes, Start: availStart, End: availEnd, View: "DetailedMerged",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAvailability(t, got)
	body := fs.check(t, c, "GetUserAvailability")
	// The answer's zone-less times are read as UTC, so the request must be
	// in UTC whatever the client's zone.
	if !bytes.Contains(body, []byte(`<t:TimeZoneDefinition Id="UTC">`)) {
		t.Errorf("request does not carry a UTC TimeZoneContext:\n%s", body)
	}
	if c.TimeZone != "Taipei Standard Time" {
		t.Errorf("client zone changed to %q", c.TimeZone)
	}
}
