// Package ics exports room calendars as iCalendar (RFC 5545) and as CSV for
// spreadsheets, for `roomboard export` and the hub's per-room feed.
//
// Every booking passes through room.Mask with its room's policy before a
// single field is written, so private meetings and hidden subjects,
// organizers and attendees never leave the hub through an export.
//
// Times: a timed booking in a room with a time zone is written as local time
// with TZID=<IANA name>, and the calendar carries a VTIMEZONE for each such
// zone, generated from Go's zone data for exactly the span the events need.
// Calendar clients then show the room's wall-clock times and parsers that
// ignore VTIMEZONE and look the IANA name up themselves (python-icalendar)
// still agree on the instant. Two cases are written in UTC instead: rooms
// without a zone, and wall-clock times that occur twice at a DST fall-back
// (02:30 in Zurich on the last Sunday of October), which a TZID cannot tell
// apart. All-day bookings are VALUE=DATE dates of the room's local day.
//
// The package deliberately does not read the store, the clock or any
// configuration: callers pass rooms, bookings, the range and DTSTAMP, so the
// same input always gives byte-identical output. It does not write
// recurrence rules: each occurrence is its own VEVENT with RECURRENCE-ID.
package ics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/roomboard/roomboard/core/room"
)

// ProductID is the PRODID of every calendar Roomboard writes.
const ProductID = "-//Roomboard//Roomboard//EN"

// Labels stand in for a summary that masking removed, so a calendar shows
// "Private" rather than an untitled event.
const (
	LabelPrivate = "Private"
	LabelBooked  = "Booked"
)

// ErrNoStamp is returned by Write when Calendar.Stamp is zero: DTSTAMP is
// required and is passed in so that output is reproducible.
var ErrNoStamp = errors.New("ics: calendar has no DTSTAMP (Calendar.Stamp is zero)")

// ErrRange is returned when Calendar.To is not after Calendar.From.
var ErrRange = errors.New("ics: export range ends before it starts")

// UnknownRoomError reports a booking whose RoomID is not among the rooms
// given, which means the caller selected bookings and rooms inconsistently.
type UnknownRoomError struct {
	BookingID string
	RoomID    string
}

// Error names the booking and the room it refers to.
func (e *UnknownRoomError) Error() string {
	return fmt.Sprintf("ics: booking %s is in room %q, which is not in the export", e.BookingID, e.RoomID)
}

// Calendar is one export: rooms, their bookings, a range and DTSTAMP.
type Calendar struct {
	// Name is X-WR-CALNAME, the title calendar clients show; empty means
	// the room names joined with ", ".
	Name  string
	Rooms []room.Room
	// Bookings may belong to any of Rooms and are written in this order.
	Bookings []room.Booking
	// From and To select bookings that overlap [From, To); a zero bound
	// is open.
	From, To time.Time
	// Stamp is every event's DTSTAMP, the instant the export was made.
	Stamp time.Time
}

// roomInfo is a room with its resolved zone.
type roomInfo struct {
	room room.Room
	loc  *time.Location
}

// resolveRooms indexes rooms by ID and loads their zones once.
func resolveRooms(rooms []room.Room) (map[string]*roomInfo, error) {
	m := make(map[string]*roomInfo, len(rooms))
	for _, r := range rooms {
		loc, err := r.Location()
		if err != nil {
			return nil, fmt.Errorf("ics: %w", err)
		}
		m[r.ID] = &roomInfo{room: r, loc: loc}
	}
	return m, nil
}

// inRange reports whether b (already in its room's zone) overlaps
// [from, to).
func inRange(b room.Booking, from, to time.Time) bool {
	return (to.IsZero() || b.Start.Before(to)) && (from.IsZero() || b.End.After(from))
}

// uidKey identifies an event: UID plus RECURRENCE-ID for occurrences.
type uidKey struct {
	uid string
	rid int64
	occ bool
}

// span is the time a zone's VTIMEZONE has to cover.
type span struct{ lo, hi time.Time }

// Write writes cal as a VCALENDAR to w: one VEVENT per booking in range,
// masked with its room's policy. Events are streamed, so memory does not
// grow with the number of bookings beyond a map for UID uniqueness.
//
// UID is the booking's iCalUID, which Exchange shares between the rooms of
// one meeting and the occurrences of a series. Occurrences (Recurring) carry
// RECURRENCE-ID, their start, which makes UID+RECURRENCE-ID unique. When
// the same UID (and RECURRENCE-ID) would still appear twice, typically one
// meeting booked in two exported rooms, each such event gets UID
// "<iCalUID>/<booking ID>", so clients do not merge them. A booking without
// an iCalUID gets "<booking ID>@roomboard".
func Write(w io.Writer, cal Calendar) error {
	if cal.Stamp.IsZero() {
		return ErrNoStamp
	}
	if !cal.From.IsZero() && !cal.To.IsZero() && !cal.To.After(cal.From) {
		return ErrRange
	}
	rooms, err := resolveRooms(cal.Rooms)
	if err != nil {
		return err
	}

	// First pass: which bookings are written, how often each UID occurs,
	// and which span each zone's VTIMEZONE must cover.
	seen := make(map[uidKey]int, len(cal.Bookings))
	spans := map[*time.Location]*span{}
	for _, b := range cal.Bookings {
		ri, ok := rooms[b.RoomID]
		if !ok {
			return &UnknownRoomError{BookingID: b.ID, RoomID: b.RoomID}
		}
		b = room.InZone(b, ri.loc)
		if !inRange(b, cal.From, cal.To) {
			continue
		}
		seen[keyOf(b)]++
		if b.AllDay || ri.loc == time.UTC {
			continue
		}
		s := spans[ri.loc]
		if s == nil {
			spans[ri.loc] = &span{b.Start, b.End}
			continue
		}
		if b.Start.Before(s.lo) {
			s.lo = b.Start
		}
		if b.End.After(s.hi) {
			s.hi = b.End
		}
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	fw := &folder{w: bw}
	enc := ical.NewEncoder(fw)

	// The VCALENDAR envelope is written by hand so that events can be
	// streamed; go-ical encodes (and checks) every component inside it.
	name := cal.Name
	if name == "" {
		names := make([]string, len(cal.Rooms))
		for i, r := range cal.Rooms {
			names[i] = r.Name
		}
		name = strings.Join(names, ", ")
	}
	calName := ical.NewProp("X-WR-CALNAME")
	calName.SetText(cleanText(name))
	fmt.Fprintf(fw, "BEGIN:VCALENDAR\r\nPRODID:%s\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:%s\r\n", ProductID, calName.Value)

	zones := make([]*time.Location, 0, len(spans))
	for loc := range spans {
		zones = append(zones, loc)
	}
	slices.SortFunc(zones, func(a, b *time.Location) int { return strings.Compare(a.String(), b.String()) })
	for _, loc := range zones {
		s := spans[loc]
		if err := enc.Encode(&ical.Calendar{Component: vtimezone(loc, s.lo, s.hi)}); err != nil {
			return fmt.Errorf("ics: time zone %s: %w", loc, err)
		}
	}

	stamp := cal.Stamp.UTC().Truncate(time.Second)
	for _, b := range cal.Bookings {
		ri := rooms[b.RoomID]
		b = room.InZone(room.Mask(b, ri.room.Policy), ri.loc)
		if !inRange(b, cal.From, cal.To) {
			continue
		}
		ev := event(b, ri, stamp, seen[keyOf(b)] > 1)
		if err := enc.Encode(&ical.Calendar{Component: ev}); err != nil {
			return fmt.Errorf("ics: booking %s: %w", b.ID, err)
		}
	}
	io.WriteString(fw, "END:VCALENDAR\r\n")
	if fw.err != nil {
		return fmt.Errorf("ics: %w", fw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ics: %w", err)
	}
	return nil
}

// baseUID is the UID a booking gets before collisions are resolved.
func baseUID(b room.Booking) string {
	if b.ICalUID != "" {
		return b.ICalUID
	}
	return b.ID + "@roomboard"
}

func keyOf(b room.Booking) uidKey {
	k := uidKey{uid: baseUID(b)}
	if b.Recurring {
		k.occ, k.rid = true, b.Start.Unix()
	}
	return k
}

// event builds the VEVENT of a masked booking that InZone put in its room's
// zone.
func event(b room.Booking, ri *roomInfo, stamp time.Time, clash bool) *ical.Component {
	ev := ical.NewComponent(ical.CompEvent)
	uid := baseUID(b)
	if clash {
		uid += "/" + b.ID
	}
	ev.Props.SetText(ical.PropUID, cleanText(uid))
	ev.Props.SetDateTime(ical.PropDateTimeStamp, stamp)
	setWhen(ev.Props, ical.PropDateTimeStart, b.Start, b.AllDay)
	setWhen(ev.Props, ical.PropDateTimeEnd, b.End, b.AllDay)
	if b.Recurring {
		setWhen(ev.Props, ical.PropRecurrenceID, b.Start, b.AllDay)
	}
	if s := Summary(b); s != "" {
		ev.Props.SetText(ical.PropSummary, cleanText(s))
	}
	loc := ri.room.Name
	if loc == "" {
		loc = ri.room.Email
	}
	if loc != "" {
		ev.Props.SetText(ical.PropLocation, cleanText(loc))
	}
	if b.Organizer.Email != "" {
		ev.Props.Set(address(ical.PropOrganizer, b.Organizer.Name, b.Organizer.Email))
	}
	for _, a := range b.Attendees {
		if a.Email == "" {
			continue
		}
		p := address(ical.PropAttendee, a.Name, a.Email)
		if ps := partStat(a.Response); ps != "" {
			p.Params.Set(ical.ParamParticipationStatus, ps)
		}
		ev.Props.Add(p)
	}
	if b.Private {
		ev.Props.SetText(ical.PropClass, "PRIVATE")
	}
	if b.Cancelled {
		ev.Props.SetText(ical.PropStatus, string(ical.EventCancelled))
	} else {
		ev.Props.SetText(ical.PropStatus, string(ical.EventConfirmed))
	}
	if !b.Updated.IsZero() {
		ev.Props.SetDateTime(ical.PropLastModified, b.Updated.UTC().Truncate(time.Second))
	}
	return ev
}

// Summary is the title an export shows for a masked booking: its subject,
// or a neutral label when masking removed it.
func Summary(b room.Booking) string {
	switch {
	case b.Subject != "":
		return b.Subject
	case b.Private:
		return LabelPrivate
	case b.Masked:
		return LabelBooked
	}
	return ""
}

// setWhen sets a DATE for all-day bookings and otherwise a DATE-TIME with
// the TZID of t's location, or in UTC where a TZID cannot name the instant.
func setWhen(props ical.Props, name string, t time.Time, allDay bool) {
	p := ical.NewProp(name)
	switch {
	case allDay:
		p.SetDate(t)
	case t.Location() == time.UTC || !wallClockUnique(t):
		p.SetDateTime(t.UTC().Truncate(time.Second))
	default:
		p.SetDateTime(t.Truncate(time.Second))
	}
	props.Set(p)
}

// wallClockUnique reports whether t's wall-clock time in its location
// names only t. At a fall-back transition the hour before it repeats; a
// DATE-TIME with TZID would mean the first of the two (RFC 5545 3.3.5), and
// parsers differ in practice, so such times are written in UTC.
func wallClockUnique(t time.Time) bool {
	_, off := t.Zone()
	// Transitions in the tz database shift by at most a few hours, and two
	// never come closer than that.
	for _, d := range []time.Duration{-6 * time.Hour, 6 * time.Hour} {
		_, o := t.Add(d).Zone()
		if o == off {
			continue
		}
		other := t.Add(time.Duration(off-o) * time.Second)
		if _, oo := other.Zone(); oo == o {
			return false
		}
	}
	return true
}

// address builds an ORGANIZER or ATTENDEE property.
func address(name, cn, email string) *ical.Prop {
	p := ical.NewProp(name)
	p.Value = "mailto:" + cleanParam(email)
	if cn = cleanParam(cn); cn != "" {
		p.Params.Set(ical.ParamCommonName, cn)
	}
	return p
}

func partStat(r room.Response) string {
	switch r {
	case room.ResponseNone:
		return "NEEDS-ACTION"
	case room.ResponseAccepted, room.ResponseOrganizer:
		return "ACCEPTED"
	case room.ResponseTentative:
		return "TENTATIVE"
	case room.ResponseDeclined:
		return "DECLINED"
	}
	return ""
}

// plain reports whether s is valid UTF-8 without control characters, the
// common case that needs no copy.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cleanText makes s fit a TEXT value: valid UTF-8, line breaks as "\n"
// (which go-ical escapes), no other control characters but tab. go-ical
// refuses a CR, and ical.js rejects other control characters.
func cleanText(s string) string {
	if plain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// cleanParam makes s fit a parameter value or an address on one line:
// parameter values cannot escape anything and go-ical refuses a double
// quote, so quotes become apostrophes and line breaks spaces.
func cleanParam(s string) string {
	if plain(s) && !strings.Contains(s, `"`) {
		return s
	}
	s = cleanText(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\t':
			return ' '
		case '"':
			return '\''
		}
		return r
	}, s)
}
