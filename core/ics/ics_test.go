package ics

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/room"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// parsed is what every parser (go-ical, ical.js, python-icalendar) reports
// about a calendar; the JSON tags match the checker scripts in testdata.
type parsed struct {
	Name      string        `json:"name"`
	Timezones []string      `json:"timezones"`
	Events    []parsedEvent `json:"events"`
}

type parsedEvent struct {
	UID          string      `json:"uid"`
	RecurrenceID *parsedWhen `json:"recurrenceId"`
	Start        *parsedWhen `json:"start"`
	End          *parsedWhen `json:"end"`
	Summary      string      `json:"summary"`
	Location     string      `json:"location"`
	Class        string      `json:"class"`
	Status       string      `json:"status"`
	Organizer    string      `json:"organizer"`
	Attendees    []string    `json:"attendees"`
}

// parsedWhen is an instant (UTC milliseconds) or, for all-day events, a
// date, with the TZID it was written with.
type parsedWhen struct {
	TZID string `json:"tzid"`
	MS   int64  `json:"ms,omitempty"`
	Date string `json:"date,omitempty"`
}

// ambiguous lists the sample's instants whose Zurich wall-clock time
// repeats at the fall-back transition; they are written in UTC.
var ambiguous = map[time.Time]bool{
	time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC): true,
	time.Date(2026, 10, 25, 0, 45, 0, 0, time.UTC): true,
	time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC): true,
}

// wantUID overrides the UID for bookings whose iCalUID another exported
// booking shares.
var wantUID = map[string]string{
	"b14": "uid-video@example.ch/b14",
	"b15": "uid-video@example.ch/b15",
	"b17": "b17@roomboard",
}

// expected derives, independently of Write, what a parser must find in the
// sample calendar.
func expected(t *testing.T, cal Calendar) parsed {
	t.Helper()
	rooms := map[string]room.Room{}
	for _, r := range cal.Rooms {
		rooms[r.ID] = r
	}
	when := func(r room.Room, b room.Booking, v time.Time) *parsedWhen {
		loc, err := r.Location()
		if err != nil {
			t.Fatal(err)
		}
		if b.AllDay {
			return &parsedWhen{Date: v.In(loc).Format(time.DateOnly)}
		}
		w := &parsedWhen{TZID: r.TimeZone, MS: v.UnixMilli()}
		if ambiguous[v.UTC()] {
			w.TZID = ""
		}
		return w
	}
	p := parsed{Name: cal.Name, Timezones: []string{"Asia/Shanghai", "Asia/Taipei", "Europe/Zurich"}}
	for _, b := range cal.Bookings {
		if !b.End.After(cal.From) || !b.Start.Before(cal.To) {
			continue
		}
		r := rooms[b.RoomID]
		loc, _ := r.Location()
		m := room.InZone(room.Mask(b, r.Policy), loc)
		e := parsedEvent{UID: b.ICalUID, Summary: m.Subject, Location: r.Name, Status: "CONFIRMED",
			Start: when(r, m, m.Start), End: when(r, m, m.End), Attendees: []string{}}
		if u, ok := wantUID[b.ID]; ok {
			e.UID = u
		}
		if b.Recurring {
			e.RecurrenceID = when(r, m, m.Start)
		}
		switch {
		case b.Private:
			e.Summary, e.Class = "Private", "PRIVATE"
		case m.Subject == "" && m.Masked:
			e.Summary = "Booked"
		}
		// TEXT cannot hold a CR: the writer turns CRLF into a line break.
		e.Summary = strings.ReplaceAll(e.Summary, "\r\n", "\n")
		if b.Cancelled {
			e.Status = "CANCELLED"
		}
		if m.Organizer.Email != "" {
			e.Organizer = "mailto:" + m.Organizer.Email
		}
		for _, a := range m.Attendees {
			e.Attendees = append(e.Attendees, "mailto:"+a.Email)
		}
		p.Events = append(p.Events, e)
	}
	return p
}

// decodeGoICal reads output back with go-ical into the common shape.
func decodeGoICal(t *testing.T, data []byte) parsed {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot decode the output: %v", err)
	}
	text := func(props ical.Props, name string) string {
		s, err := props.Text(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	when := func(p *ical.Prop) *parsedWhen {
		if p == nil {
			return nil
		}
		w := &parsedWhen{TZID: p.Params.Get(ical.PropTimezoneID)}
		v, err := p.DateTime(time.UTC)
		if err != nil {
			t.Fatalf("%s %q: %v", p.Name, p.Value, err)
		}
		if p.ValueType() == ical.ValueDate {
			w.Date = v.Format(time.DateOnly)
		} else {
			w.MS = v.UnixMilli()
		}
		return w
	}
	out := parsed{Name: text(cal.Props, "X-WR-CALNAME")}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			out.Timezones = append(out.Timezones, text(c.Props, ical.PropTimezoneID))
		}
	}
	for _, ev := range cal.Events() {
		e := parsedEvent{
			UID: text(ev.Props, ical.PropUID), Summary: text(ev.Props, ical.PropSummary),
			Location: text(ev.Props, ical.PropLocation), Class: text(ev.Props, ical.PropClass),
			Status:       text(ev.Props, ical.PropStatus),
			RecurrenceID: when(ev.Props.Get(ical.PropRecurrenceID)),
			Start:        when(ev.Props.Get(ical.PropDateTimeStart)), End: when(ev.Props.Get(ical.PropDateTimeEnd)),
			Attendees: []string{},
		}
		if o := ev.Props.Get(ical.PropOrganizer); o != nil {
			e.Organizer = o.Value
		}
		for _, a := range ev.Props.Values(ical.PropAttendee) {
			e.Attendees = append(e.Attendees, a.Value)
		}
		out.Events = append(out.Events, e)
	}
	return out
}

func writeSample(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, sampleCalendar()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./core/ics -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got), rerun with -update if intended:\n%s", name, diff)
	}
}

func TestWriteGolden(t *testing.T) {
	out := writeSample(t)
	checkGolden(t, "sample.ics", out)
	if again := writeSample(t); !bytes.Equal(out, again) {
		t.Error("two writes of the same calendar differ")
	}
}

func TestWriteParsesBackWithGoICal(t *testing.T) {
	cal := sampleCalendar()
	var buf bytes.Buffer
	if err := Write(&buf, cal); err != nil {
		t.Fatal(err)
	}
	want := expected(t, cal)
	if len(want.Events) != 17 {
		t.Fatalf("sample has %d events in range, want 17", len(want.Events))
	}
	if diff := cmp.Diff(want, decodeGoICal(t, buf.Bytes())); diff != "" {
		t.Errorf("go-ical reads back (-want +got):\n%s", diff)
	}
}

func TestWriteMasksPrivateBookings(t *testing.T) {
	out := unfold(string(writeSample(t)))
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("iCalendar output contains %q", s)
		}
	}
	var buf bytes.Buffer
	cal := sampleCalendar()
	if err := WriteCSV(&buf, cal.Rooms, cal.Bookings, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(buf.String(), s) {
			t.Errorf("CSV output contains %q", s)
		}
	}
}

func TestWriteFoldsLines(t *testing.T) {
	out := writeSample(t)
	if !bytes.HasSuffix(out, []byte("END:VCALENDAR\r\n")) {
		t.Fatal("output does not end with END:VCALENDAR CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	folded := 0
	for i, l := range lines {
		if len(l) > maxLine {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 3 {
		t.Errorf("only %d continuation lines; the sample should need folding", folded)
	}
}

func TestFolder(t *testing.T) {
	tests := []struct {
		name, line string
	}{
		{"ascii exactly 75", strings.Repeat("a", 75)},
		{"ascii 76", strings.Repeat("a", 76)},
		{"ascii long", strings.Repeat("0123456789", 30)},
		{"umlauts", "SUMMARY:" + strings.Repeat("Grüße aus Zürich – Äpfel, Öl und Übermaß; ", 5)},
		{"cjk", "SUMMARY:" + strings.Repeat("農曆新年團拜暨年終檢討會议", 8)},
		{"cjk offset by one", "SUMMARY:x" + strings.Repeat("會", 60)},
		{"four-byte", "SUMMARY:" + strings.Repeat("𠀋😀", 30)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := &folder{w: &buf}
			// Feed byte by byte too: folding must not depend on how the
			// encoder chunks its writes.
			for _, chunked := range []bool{false, true} {
				buf.Reset()
				in := tc.line + "\r\nEND:X\r\n"
				if chunked {
					for i := range len(in) {
						f.Write([]byte{in[i]})
					}
				} else {
					f.Write([]byte(in))
				}
				for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
					if len(l) > maxLine || !utf8.ValidString(l) {
						t.Errorf("chunked=%v: bad physical line (%d octets) %q", chunked, len(l), l)
					}
				}
				if got := strings.ReplaceAll(buf.String(), "\r\n ", ""); got != in {
					t.Errorf("chunked=%v: unfolding gives %q, want %q", chunked, got, in)
				}
			}
		})
	}
}

func TestWriteZones(t *testing.T) {
	out := unfold(string(writeSample(t)))
	for _, want := range []string{
		// The spring-forward booking: CET start, CEST end, and the
		// VTIMEZONE has both observances with the right onsets.
		"DTSTART;TZID=Europe/Zurich:20260328T220000",
		"DTEND;TZID=Europe/Zurich:20260329T100000",
		"BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZNAME:CET\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD",
		// The repeated 02:30s, in UTC.
		"DTSTART:20261025T003000Z",
		"DTSTART:20261025T013000Z",
		// Taipei all-day bookings are dates of the Taipei day.
		"DTSTART;VALUE=DATE:20260216\r\n",
		"DTEND;VALUE=DATE:20260220\r\n",
		"TZOFFSETTO:+0800",
		"DTSTART;TZID=Asia/Taipei:20260302T093000\r\n",
		"RECURRENCE-ID;TZID=Asia/Taipei:20260309T093000\r\n",
		// The room without a zone writes UTC.
		"DTSTART:20260305T100000Z",
		"CLASS:PRIVATE",
		"STATUS:CANCELLED",
		`ATTENDEE;CN=Max 'Mäxchen' Öztürk;PARTSTAT=NEEDS-ACTION:mailto:max.oeztuerk@example.ch`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	base := sampleCalendar()
	tests := []struct {
		name  string
		edit  func(*Calendar)
		check func(error) bool
	}{
		{"no stamp", func(c *Calendar) { c.Stamp = time.Time{} }, func(err error) bool { return errors.Is(err, ErrNoStamp) }},
		{"range reversed", func(c *Calendar) { c.From, c.To = c.To, c.From }, func(err error) bool { return errors.Is(err, ErrRange) }},
		{"unknown room", func(c *Calendar) { c.Rooms = c.Rooms[:1] }, func(err error) bool {
			var e *UnknownRoomError
			return errors.As(err, &e) && e.RoomID == taipei.ID && e.BookingID == "b08"
		}},
		{"bad zone", func(c *Calendar) { c.Rooms = slices.Clone(c.Rooms); c.Rooms[0].TimeZone = "Europe/Zürich" }, func(err error) bool {
			var e *room.ZoneError
			return errors.As(err, &e) && e.RoomID == zurich.ID
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal := base
			tc.edit(&cal)
			var buf bytes.Buffer
			err := Write(&buf, cal)
			if !tc.check(err) {
				t.Errorf("Write error = %v", err)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestWriteEmptyAndHostileText(t *testing.T) {
	cal := Calendar{Rooms: []room.Room{london}, Stamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Bookings: []room.Booking{{ID: "x", RoomID: london.ID, ICalUID: "u,1;x",
			Subject:   "bell\a and\x00 nul, bad \xff byte\rCR",
			Organizer: room.Mailbox{Name: "A \"B\"\nC", Email: "a@example.com"},
			Start:     time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), End: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)}}}
	var buf bytes.Buffer
	if err := Write(&buf, cal); err != nil {
		t.Fatal(err)
	}
	got := decodeGoICal(t, buf.Bytes())
	want := parsedEvent{UID: "u,1;x", Summary: "bell and nul, bad \uFFFD byte\nCR", Location: "Thames", Status: "CONFIRMED",
		Organizer: "mailto:a@example.com", Attendees: []string{},
		Start: &parsedWhen{MS: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()},
		End:   &parsedWhen{MS: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC).UnixMilli()}}
	if diff := cmp.Diff([]parsedEvent{want}, got.Events); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(buf.String(), `ORGANIZER;CN=A 'B' C:mailto:a@example.com`) {
		t.Errorf("CN not made safe:\n%s", buf.String())
	}

	cal.Bookings = nil
	buf.Reset()
	if err := Write(&buf, cal); err != nil {
		t.Fatal(err)
	}
	if got := decodeGoICal(t, buf.Bytes()); len(got.Events) != 0 || got.Name != "Thames" {
		t.Errorf("empty export = %+v", got)
	}
}
