package ewstest

import (
	"strings"
	"testing"
	"time"
)

func TestAvailabilityLimits(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[0].Address
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = room
		}
		return out
	}
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       string
	}{
		{"100 mailboxes", availabilityBody("FreeBusy", "2026-03-16T00:00:00", "2026-03-17T00:00:00", many(100)...), 200, `ResponseClass="Success"`},
		{"101 mailboxes", availabilityBody("FreeBusy", "2026-03-16T00:00:00", "2026-03-17T00:00:00", many(101)...), 500, "The allowed size = 100; the actual size = 101."},
		{"42 days", availabilityBody("FreeBusy", "2026-03-01T00:00:00", "2026-04-12T00:00:00", room), 200, `ResponseClass="Success"`},
		{"43 days", availabilityBody("FreeBusy", "2026-03-01T00:00:00", "2026-04-13T00:00:00", room), 500, "a:ErrorTimeIntervalTooBig"},
		{"empty window", availabilityBody("FreeBusy", "2026-03-16T00:00:00", "2026-03-16T00:00:00", room), 500, "a:ErrorInvalidTimeInterval"},
		{"interval too small", strings.Replace(availabilityBody("FreeBusy", "2026-03-16T00:00:00", "2026-03-17T00:00:00", room), ">30<", ">4<", 1), 500, "a:ErrorInvalidMergedFreeBusyInterval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, b := soapPost(t, hs, soapEnv(tc.body))
			if status != tc.wantStatus || !strings.Contains(b, tc.want) {
				t.Errorf("got %d, want %d with %q:\n%.600s", status, tc.wantStatus, tc.want, b)
			}
		})
	}
	if _, b := soapPost(t, hs, soapEnv(availabilityBody("FreeBusy", "2026-03-16T00:00:00", "2026-03-17T00:00:00", many(101)...))); !strings.Contains(b, "a:ErrorMailboxDataArrayTooBig") {
		t.Errorf("101 mailboxes: no ErrorMailboxDataArrayTooBig fault:\n%s", b)
	}
}

// TestAvailabilityComputed books known meetings and reads them back in a
// Zürich requester's wall time, on both sides of the switch to summer time.
func TestAvailabilityComputed(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[2] // Zürich
	if err := s.SetCalendarProcessing(room.Address, CalendarProcessing{}); err != nil {
		t.Fatal(err)
	}
	// Sunday 29 March: 10:00–11:00 summer time is 08:00Z.
	sunday := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)
	saturday := time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC) // 10:00 CET
	if _, err := s.AddBooking(room.Address, Booking{Subject: "Inventur", Start: saturday, End: saturday.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddBooking(room.Address, Booking{Subject: "Gehaltsgespräch", Private: true, Start: sunday, End: sunday.Add(90 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_, b := soapPost(t, hs, soapEnv(availabilityBody("DetailedMerged", "2026-03-28T00:00:00", "2026-03-30T00:00:00", room.Address, "nobody@contoso.com", "allstaff@contoso.com")))
	for _, want := range []string{
		"<t:StartTime>2026-03-28T10:00:00</t:StartTime><t:EndTime>2026-03-28T11:00:00</t:EndTime><t:BusyType>Busy</t:BusyType>",
		"<t:StartTime>2026-03-29T10:00:00</t:StartTime><t:EndTime>2026-03-29T11:30:00</t:EndTime><t:BusyType>Busy</t:BusyType>",
		"<t:Subject>Inventur</t:Subject>",
		"<t:IsPrivate>true</t:IsPrivate>",
		"ErrorMailRecipientNotFound",
		"<t:FreeBusyViewType>MergedOnly</t:FreeBusyViewType>",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("response lacks %s", want)
		}
	}
	if strings.Contains(b, "Gehaltsgespräch") {
		t.Error("private subject disclosed")
	}
	// The window is wall time: 47 hours, as an hour is skipped. Saturday
	// 10:00 is slot 20; Sunday 10:00 summer time is 33 hours in, slot 66.
	merged := findRE(t, b, `<t:MergedFreeBusy>([0-5]+)</t:MergedFreeBusy>`)
	if len(merged) != 94 {
		t.Fatalf("merged has %d slots, want 94 (47 h):\n%s", len(merged), merged)
	}
	if got := merged[20:22] + "/" + merged[65:70]; got != "22/02220" {
		t.Errorf("merged slots = %s, want 22/02220 (full %s)", got, merged)
	}
	// People's calendars show free/busy only to others.
	user := s.Mailboxes(KindUser)[3].Address
	_, b = soapPost(t, hs, soapEnv(availabilityBody("Detailed", "2026-03-16T00:00:00", "2026-03-20T00:00:00", user)))
	if !strings.Contains(b, "<t:FreeBusyViewType>FreeBusy</t:FreeBusyViewType>") || strings.Contains(b, "CalendarEventDetails") {
		t.Errorf("user view not reduced to FreeBusy:\n%.800s", b)
	}
}
