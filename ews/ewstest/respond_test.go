package ewstest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

const organizerJuergen = "juergen.mueller@contoso.com"

func responseBody(kind, disposition, id, body string) string {
	attr := ""
	if disposition != "" {
		attr = ` MessageDisposition="` + disposition + `"`
	}
	b := ""
	if body != "" {
		b = `<t:Body BodyType="Text">` + body + `</t:Body>`
	}
	return `<m:CreateItem` + attr + `><m:Items><t:` + kind + `>` + b + `<t:ReferenceItemId Id="` + id + `"/></t:` + kind + `></m:Items></m:CreateItem>`
}

// respond posts a response object (impersonating as when not empty) and
// returns the response code; every response must validate.
func respond(t *testing.T, url, as, kind, disposition, id, body string) string {
	t.Helper()
	b := post(t, url, envelope(as, responseBody(kind, disposition, id, body)))
	validate(t, "CreateItemResponse to "+kind, b)
	return message(t, b).ResponseCode
}

func resourceResponse(occs []Occurrence, subject, room string) string {
	for _, o := range occs {
		if o.Subject != subject {
			continue
		}
		for _, a := range o.Attendees {
			if a.Address == room {
				return a.Response
			}
		}
	}
	return "(not found)"
}

func TestDeclineAsRoom(t *testing.T) {
	xsdcheck.Require(t)
	s, hs := newTestServer(t, Options{Validate: xsdcheck.Envelope})
	url := hs.URL + "/EWS/Exchange.asmx"
	room := s.Rooms()[0]
	start := time.Date(2026, 3, 21, 19, 0, 0, 0, room.TimeZone) // Saturday evening: free
	const subject = "季度規劃 / Quartalsplanung"
	orgID, err := s.AddBooking(room.Address, Booking{Organizer: organizerJuergen, Subject: subject, Start: start, End: start.Add(time.Hour),
		Attendees: []string{"admin@contoso.com"}})
	if err != nil {
		t.Fatal(err)
	}
	copies := s.Truth(room.Address, start, start.Add(time.Hour))
	if len(copies) != 1 {
		t.Fatalf("room copy: %+v", copies)
	}
	copyID := copies[0].ItemID

	sub := subscribe(t, url, room.Address, subscribeBody("PullSubscriptionRequest", "", []string{"ModifiedEvent", "DeletedEvent", "MovedEvent"}, `<t:Timeout>10</t:Timeout>`))
	if sub.ResponseCode != "NoError" {
		t.Fatalf("Subscribe: %+v", sub)
	}

	// Refusals first: nothing may change.
	for _, tc := range []struct {
		name, as, kind, disposition, id, want string
	}{
		{"organizer declines own meeting", organizerJuergen, "DeclineItem", "SendAndSaveCopy", orgID, "ErrorCalendarIsOrganizerForDecline"},
		{"no disposition", room.Address, "DeclineItem", "", copyID, "ErrorMessageDispositionRequired"},
		{"draft", room.Address, "DeclineItem", "SaveOnly", copyID, "ErrorInvalidRequest"},
		{"malformed id", room.Address, "DeclineItem", "SendAndSaveCopy", "bm9uc2Vuc2U=", "ErrorInvalidIdMalformed"},
	} {
		if got := respond(t, url, tc.as, tc.kind, tc.disposition, tc.id, ""); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := s.Truth(room.Address, start, start.Add(time.Hour)); len(got) != 1 {
		t.Fatalf("a refused response changed the room: %+v", got)
	}

	const note = "Freigegeben: niemand hat eingecheckt / 無人報到"
	if got := respond(t, url, room.Address, "DeclineItem", "SendAndSaveCopy", copyID, note); got != "NoError" {
		t.Fatalf("decline as the room: %s", got)
	}
	if got := s.Truth(room.Address, start, start.Add(time.Hour)); len(got) != 0 {
		t.Errorf("room calendar after decline: %+v", got)
	}
	org := s.Truth(organizerJuergen, start, start.Add(time.Hour))
	if got := resourceResponse(org, subject, room.Address); got != "Decline" || len(org) != 1 || org[0].IsCancelled {
		t.Errorf("organizer's item: room response %q, items %+v; want one live item showing Decline", got, org)
	}
	if got := s.Truth("admin@contoso.com", start, start.Add(time.Hour)); len(got) != 1 || got[0].IsCancelled {
		t.Errorf("the other attendee's copy must stay: %+v", got)
	}
	want := []Response{{From: room.Address, Kind: "Decline", Subject: "Declined: " + subject, Body: note, ItemID: orgID, Sent: testNow}}
	if diff := cmp.Diff(want, s.Responses("Juergen.Mueller@contoso.com")); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	ev := getEvents(t, url, room.Address, sub.SubscriptionID, sub.Watermark)
	if ev.Notification == nil || !strings.Contains(strings.Join(ev.Notification.summary(), "\n"), "DeletedEvent "+copyID) {
		t.Errorf("room subscription did not see the copy deleted: %+v", ev.Notification)
	}
	if got := respond(t, url, room.Address, "DeclineItem", "SendAndSaveCopy", copyID, ""); got != "ErrorItemNotFound" {
		t.Errorf("second decline: %s, want ErrorItemNotFound", got)
	}
}

func TestDeclineOneOccurrenceAsRoom(t *testing.T) {
	xsdcheck.Require(t)
	s, hs := newTestServer(t, Options{Validate: xsdcheck.Envelope})
	url := hs.URL + "/EWS/Exchange.asmx"
	room := s.Rooms()[3]
	zurich := s.Rooms()[2].TimeZone
	first := time.Date(2026, 4, 6, 20, 0, 0, 0, zurich) // Monday evenings, after all generated meetings
	const organizer = "wang.xiaoming@contoso.com"
	orgID, err := s.AddBooking(room.Address, Booking{Organizer: organizer, Subject: "晚間課程", Start: first, End: first.Add(time.Hour),
		TimeZone: zurich, Recurrence: &Recurrence{Pattern: Weekly, Interval: 1, DaysOfWeek: []time.Weekday{time.Monday}, Count: 4}})
	if err != nil {
		t.Fatal(err)
	}
	month := first.AddDate(0, 1, 0)
	series := func(mailbox string) []Occurrence {
		var out []Occurrence
		for _, o := range s.Truth(mailbox, first, month) {
			if o.Organizer == organizer {
				out = append(out, o)
			}
		}
		return out
	}
	occs := series(room.Address)
	if len(occs) != 4 || occs[1].Type != "Occurrence" {
		t.Fatalf("room series: %+v", occs)
	}
	// A delegate (no impersonation) answers on the room's behalf.
	if got := respond(t, url, "", "DeclineItem", "SendOnly", occs[1].ItemID, ""); got != "NoError" {
		t.Fatalf("decline occurrence: %s", got)
	}
	starts := func(mailbox string) []time.Time {
		var out []time.Time
		for _, o := range series(mailbox) {
			out = append(out, o.Start)
		}
		return out
	}
	if diff := cmp.Diff([]time.Time{occs[0].Start, occs[2].Start, occs[3].Start}, starts(room.Address)); diff != "" {
		t.Errorf("room keeps the other occurrences (-want +got):\n%s", diff)
	}
	if got := starts(organizer); len(got) != 4 {
		t.Errorf("organizer's series changed: %v", got)
	}
	rs := s.Responses(organizer)
	if len(rs) != 1 || rs[0].Kind != "Decline" || !rs[0].OccurrenceStart.Equal(occs[1].Start) || rs[0].ItemID != orgID {
		t.Errorf("responses: %+v", rs)
	}
}

func TestAcceptAndTentative(t *testing.T) {
	xsdcheck.Require(t)
	s, hs := newTestServer(t, Options{Validate: xsdcheck.Envelope})
	url := hs.URL + "/EWS/Exchange.asmx"
	room := s.Rooms()[1]
	start := time.Date(2026, 3, 21, 19, 0, 0, 0, room.TimeZone)
	if _, err := s.AddBooking(room.Address, Booking{Organizer: organizerJuergen, Subject: "Grillabend", Start: start, End: start.Add(time.Hour),
		Attendees: []string{"admin@contoso.com"}}); err != nil {
		t.Fatal(err)
	}
	mine := s.Truth("admin@contoso.com", start, start.Add(time.Hour))
	if len(mine) != 1 || mine[0].FreeBusy != "Tentative" {
		t.Fatalf("invitee copy: %+v", mine)
	}
	for _, tc := range []struct{ kind, response, freeBusy string }{
		{"AcceptItem", "Accept", "Busy"},
		{"TentativelyAcceptItem", "Tentative", "Tentative"},
	} {
		if got := respond(t, url, "admin@contoso.com", tc.kind, "SendAndSaveCopy", mine[0].ItemID, ""); got != "NoError" {
			t.Fatalf("%s: %s", tc.kind, got)
		}
		got := s.Truth("admin@contoso.com", start, start.Add(time.Hour))
		org := s.Truth(organizerJuergen, start, start.Add(time.Hour))
		if diff := cmp.Diff([]string{tc.response, tc.freeBusy, tc.response}, []string{got[0].MyResponse, got[0].FreeBusy, resourceResponse(org, "Grillabend", "admin@contoso.com")}); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.kind, diff)
		}
	}
	if rs := s.Responses(organizerJuergen); len(rs) != 2 || rs[0].Subject != "Accepted: Grillabend" || rs[1].Subject != "Tentative: Grillabend" {
		t.Errorf("responses: %+v", rs)
	}
}
