package ewstest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testNow is a Monday morning in March, two weeks before Europe's switch
// to summer time.
var testNow = time.Date(2026, 3, 16, 8, 0, 0, 0, time.UTC)

// fixedClock returns a clock frozen at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newTestServer(t testing.TB, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock(testNow)
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	s, hs := NewServer(opts)
	t.Cleanup(hs.Close)
	return s, hs
}

const (
	nsDecl = `xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"`
)

// soapEnv wraps an EWS body element in a SOAP request. Extra header
// elements may be given.
func soapEnv(body string, headers ...string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<soap:Envelope ` + nsDecl + `><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/>` +
		strings.Join(headers, "") + `</soap:Header><soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func impersonateHdr(addr string) string {
	return `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>` + addr + `</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
}

// soapPost sends one SOAP request and returns the status and body.
func soapPost(t testing.TB, hs *httptest.Server, env string) (int, string) {
	t.Helper()
	resp, err := http.Post(hs.URL+"/EWS/Exchange.asmx", "text/xml; charset=utf-8", strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// findRE returns the first submatch of re in s, or fails.
func findRE(t testing.TB, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in %s", re, s)
	}
	return m[1]
}

func TestDirectoryDeterministic(t *testing.T) {
	names := func(seed int64, now time.Time) []string {
		s := New(Options{Seed: seed, Now: fixedClock(now)})
		var out []string
		for _, m := range s.Mailboxes(0) {
			out = append(out, fmt.Sprintf("%s %s %s %d %v", m.Kind, m.Address, m.Name, m.Capacity, m.Members))
		}
		for _, r := range s.Rooms() {
			for _, o := range s.Truth(r.Address, now.AddDate(0, 0, -7), now.AddDate(0, 0, 28)) {
				out = append(out, fmt.Sprintf("%s %s %s %s", r.Address, o.Subject, o.Start, o.Type))
			}
		}
		return out
	}
	a, b := names(7, testNow), names(7, testNow)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different organisation (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, names(8, testNow)) {
		t.Error("seeds 7 and 8 generated the same organisation")
	}
}

func TestDirectoryContent(t *testing.T) {
	s := New(Options{Seed: 3, Rooms: 30, Users: 20, Equipment: 5, Groups: 4, Now: fixedClock(testNow)})
	rooms := s.Rooms()
	if len(rooms) != 30 {
		t.Fatalf("got %d rooms, want 30", len(rooms))
	}
	seen := map[string]bool{}
	var unlisted, chinese, german int
	zones := map[string]bool{}
	for _, r := range rooms {
		if seen[r.Address] {
			t.Errorf("duplicate address %s", r.Address)
		}
		seen[r.Address] = true
		if len(r.RoomLists) == 0 {
			unlisted++
		}
		if strings.Contains(r.Name, "會議室") || strings.Contains(r.Name, "会议室") {
			chinese++
		}
		if strings.Contains(r.Name, "Besprechungsraum") {
			german++
		}
		if r.Capacity <= 0 {
			t.Errorf("room %s has capacity %d", r.Address, r.Capacity)
		}
		zones[r.TimeZone.String()] = true
		if r.Address != strings.ToLower(r.Address) || strings.ContainsAny(r.Address, "äöüß ") {
			t.Errorf("address %q is not a plain lower-case SMTP address", r.Address)
		}
	}
	if unlisted == 0 || chinese == 0 || german == 0 {
		t.Errorf("unlisted=%d chinese=%d german=%d, want all > 0", unlisted, chinese, german)
	}
	for _, z := range []string{"Asia/Taipei", "Asia/Shanghai", "Europe/Zurich"} {
		if !zones[z] {
			t.Errorf("no room in %s", z)
		}
	}
	if got := len(s.Mailboxes(KindEquipment)); got != 5 {
		t.Errorf("equipment = %d, want 5", got)
	}
	if got := len(s.Mailboxes(KindGroup)); got != 4 {
		t.Errorf("groups = %d, want 4", got)
	}
	for _, l := range s.RoomLists() {
		if len(l.Members) == 0 {
			t.Errorf("room list %s is empty", l.Address)
		}
	}
}

func TestGeneratedCalendars(t *testing.T) {
	s := New(Options{Seed: 5, Rooms: 10, Now: fixedClock(testNow)})
	from, to := testNow.AddDate(0, 0, -7), testNow.AddDate(0, 0, 28)
	var occurrences, exceptions, allDay, private, online int
	for _, r := range s.Rooms() {
		var prevEnd time.Time
		for _, o := range s.Truth(r.Address, from, to) {
			switch o.Type {
			case "Occurrence":
				occurrences++
			case "Exception":
				exceptions++
			}
			if o.AllDay {
				allDay++
			}
			if o.Sensitivity == "Private" {
				private++
			}
			if o.OnlineURL != "" {
				online++
			}
			if o.Start.Before(prevEnd) {
				t.Errorf("room %s double-booked at %s", r.Address, o.Start)
			}
			prevEnd = o.End
		}
	}
	if occurrences == 0 || exceptions == 0 || allDay == 0 || private == 0 || online == 0 {
		t.Errorf("occurrences=%d exceptions=%d allDay=%d private=%d online=%d, want all > 0", occurrences, exceptions, allDay, private, online)
	}
}

func TestBookingLifecycle(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	room := s.Rooms()[0]
	start := time.Date(2026, 3, 21, 0, 0, 0, 0, room.TimeZone).Add(19 * time.Hour) // Saturday evening: free
	b := Booking{Subject: "Vertraulich: Gehalt", Start: start, End: start.Add(time.Hour), Private: true, Attendees: []string{"admin@contoso.com"}}
	id, err := s.AddBooking(room.Address, b)
	if err != nil {
		t.Fatalf("AddBooking: %v", err)
	}
	got := s.Truth(room.Address, start, start.Add(time.Hour))
	if len(got) != 1 {
		t.Fatalf("room has %d items at %s, want 1", len(got), start)
	}
	// Exchange's default processing: organizer's name as subject, private
	// flag removed.
	if diff := cmp.Diff([]string{"Roomboard Service", "Normal", "Accept"}, []string{got[0].Subject, got[0].Sensitivity, got[0].MyResponse}); diff != "" {
		t.Errorf("room copy (-want +got):\n%s", diff)
	}
	// A second booking at the same time is declined by the room.
	id2, err := s.AddBooking(room.Address, Booking{Subject: "Doppelt", Start: start.Add(30 * time.Minute), End: start.Add(90 * time.Minute)})
	if !errors.Is(err, ErrDeclined) || id2 == "" {
		t.Fatalf("conflicting AddBooking = %q, %v; want id and ErrDeclined", id2, err)
	}
	org := s.Truth(defaultAccount, start.Add(30*time.Minute), start.Add(90*time.Minute))
	var resp string
	for _, o := range org {
		if o.Subject == "Doppelt" {
			for _, a := range o.Attendees {
				if a.Kind == "Resource" {
					resp = a.Response
				}
			}
		}
	}
	if resp != "Decline" {
		t.Errorf("organizer's copy shows room response %q, want Decline", resp)
	}
	// Move the first booking later: the room follows.
	b.Start, b.End = start.Add(2*time.Hour), start.Add(3*time.Hour)
	if err := s.UpdateBooking(id, b); err != nil {
		t.Fatalf("UpdateBooking: %v", err)
	}
	if got := s.Truth(room.Address, start, start.Add(time.Hour)); len(got) != 0 {
		t.Errorf("room still busy at the old time: %+v", got)
	}
	if got := s.Truth(room.Address, b.Start, b.End); len(got) != 1 {
		t.Errorf("room has %d items at the new time, want 1", len(got))
	}
	other := s.Rooms()[1]
	if err := s.MoveBooking(id, other.Address); err != nil {
		t.Fatalf("MoveBooking: %v", err)
	}
	if got := s.Truth(room.Address, b.Start, b.End); len(got) != 0 {
		t.Errorf("old room still has the moved booking")
	}
	if got := s.Truth(other.Address, b.Start, b.End); len(got) != 1 {
		t.Errorf("new room has %d items, want 1", len(got))
	}
	if err := s.CancelBooking(id); err != nil {
		t.Fatalf("CancelBooking: %v", err)
	}
	if got := s.Truth(other.Address, b.Start, b.End); len(got) != 0 {
		t.Errorf("cancelled booking still in the room")
	}
	admin := s.Truth("admin@contoso.com", b.Start, b.End)
	if len(admin) != 1 || !admin[0].IsCancelled {
		t.Errorf("attendee copy after cancellation = %+v, want one cancelled item", admin)
	}
	if err := s.CancelBooking(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second CancelBooking = %v, want ErrNotFound", err)
	}
}

func TestCalendarProcessing(t *testing.T) {
	start := time.Date(2026, 3, 21, 19, 0, 0, 0, time.UTC) // Saturday evening: free everywhere
	tests := []struct {
		name string
		p    CalendarProcessing
		want []string // subject, body, sensitivity
	}{
		{"defaults", DefaultCalendarProcessing(), []string{"Roomboard Service", "", "Normal"}},
		{"keep everything", CalendarProcessing{}, []string{"Gehaltsgespräch", "Agenda", "Private"}},
		{"organizer prefix", CalendarProcessing{AddOrganizerToSubject: true}, []string{"Roomboard Service Gehaltsgespräch", "Agenda", "Private"}},
		{"delete subject only", CalendarProcessing{DeleteSubject: true, DeleteComments: true}, []string{"", "", "Private"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, Options{})
			room := s.Rooms()[2].Address
			if err := s.SetCalendarProcessing(room, tc.p); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddBooking(room, Booking{Subject: "Gehaltsgespräch", Body: "Agenda", Private: true, Start: start, End: start.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			got := s.Truth(room, start, start.Add(time.Hour))
			if len(got) != 1 {
				t.Fatalf("got %d items", len(got))
			}
			if diff := cmp.Diff(tc.want, []string{got[0].Subject, got[0].Body, got[0].Sensitivity}); diff != "" {
				t.Errorf("room copy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoomAdministration(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	list := s.RoomLists()[0]
	err := s.AddRoom(Mailbox{Address: "room-zrh-neu@contoso.com", Name: "Besprechungsraum Zürich Neubau", Capacity: 6, RoomLists: []string{list.Address}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddRoom(Mailbox{Address: "room-zrh-neu@contoso.com"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate AddRoom = %v, want ErrInvalid", err)
	}
	if err := s.RenameRoom("room-zrh-neu@contoso.com", "Besprechungsraum Zürich Weiß"); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range s.RoomLists() {
		if l.Address == list.Address {
			for _, m := range l.Members {
				found = found || m == "room-zrh-neu@contoso.com"
			}
		}
	}
	if !found {
		t.Error("added room is not in its room list")
	}
	start := testNow.Add(48 * time.Hour)
	if _, err := s.AddBooking("room-zrh-neu@contoso.com", Booking{Subject: "Einweihung", Start: start, End: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRoom("room-zrh-neu@contoso.com"); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rooms() {
		if r.Address == "room-zrh-neu@contoso.com" {
			t.Error("removed room still listed")
		}
	}
	if got := s.Truth("room-zrh-neu@contoso.com", start, start.Add(time.Hour)); got != nil {
		t.Errorf("removed room still has a calendar: %+v", got)
	}
}

func TestClock(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	s.SetNow(testNow.Add(24 * time.Hour))
	s.Advance(time.Hour)
	if got, want := s.Now(), testNow.Add(25*time.Hour); !got.Equal(want) {
		t.Errorf("Now = %s, want %s", got, want)
	}
}
