package kiosk

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

// bookMinutes are the "book now" durations offered, as most peers do.
var bookMinutes = []int{15, 30, 45, 60}

// extendMinutes are the extensions offered when the following slot is free.
var extendMinutes = []int{15, 30}

// minBookable is the shortest "until the next meeting" booking offered.
const minBookable = 5 * time.Minute

// agendaRows is how many upcoming meetings the room player lists.
const agendaRows = 4

// roomModel is everything the room player shows at one instant. present
// computes it from data alone, so the rules are tested without a UI.
type roomModel struct {
	Known     bool // the room is in the State
	Name      string
	Status    room.Status
	Tone      tone
	Headline  string
	Detail    string
	Meeting   *meetingModel
	Agenda    []agendaRow
	More      string
	Capacity  string
	Equipment string
	Banner    string
	Clock     string
	Date      string

	Book      []bookOption
	Extend    []extendOption
	End       *hubproto.BookingView // the booking "end now" ends
	CheckIn   *hubproto.BookingView // the booking "check in" checks in
	Timeline  timelineModel
	Loc       *time.Location
	Now       time.Time
	OffHours  bool
	FreeUntil time.Time
}

type meetingModel struct {
	Title, Organizer, Range, Remaining string
}

type agendaRow struct {
	Time, Title, Organizer string
}

// bookOption is one "book now" button: Minutes, or Until the next meeting.
type bookOption struct {
	Minutes int
	Until   time.Time
	End     time.Time
	Label   string
}

// extendOption is one "extend" button.
type extendOption struct {
	Minutes int
	End     time.Time
	Label   string
}

// timelineModel is the day strip: bookings over the office hours.
type timelineModel struct {
	From, To time.Time
	Now      time.Time
	Blocks   []timelineBlock
	Ticks    []timelineTick
}

type timelineBlock struct {
	Start, End time.Time
	Current    bool
	Past       bool
}

type timelineTick struct {
	At    time.Time
	Label string
}

// conn is the connection part of a State.
type conn struct {
	Online    bool
	Since     time.Time
	LastError string
}

func connOf(s State) conn { return conn{Online: s.Online, Since: s.Since, LastError: s.LastError} }

// statusKey is the catalogue key of a status headline.
func statusKey(s room.Status) string {
	switch s {
	case room.Free:
		return "status.free"
	case room.Busy:
		return "status.busy"
	case room.StartingSoon:
		return "status.startingSoon"
	case room.EndingSoon:
		return "status.endingSoon"
	case room.AwaitingCheckIn:
		return "status.checkInDue"
	case room.CheckedIn:
		return "status.checkedIn"
	case room.Released:
		return "status.released"
	}
	return "status.unknown"
}

// bookingTitle is what a booking is called on screen: its subject, or a
// neutral label when the hub masked it or it has none.
func bookingTitle(l i18n.Localizer, b hubproto.BookingView) string {
	switch {
	case b.Private:
		return l.T("meeting.private")
	case strings.TrimSpace(b.Subject) != "":
		return b.Subject
	case b.Masked:
		return l.T("meeting.booked")
	case b.Mine:
		return l.T("meeting.bookedHere")
	}
	return l.T("meeting.untitled")
}

// occupies returns the interval b holds the room, like room's rules:
// released bookings only until ReleasedAt.
func occupies(b hubproto.BookingView) (time.Time, time.Time, bool) {
	end := b.End
	if !b.ReleasedAt.IsZero() && b.ReleasedAt.Before(end) {
		end = b.ReleasedAt
	}
	return b.Start, end, end.After(b.Start)
}

// viewOf finds the BookingView a domain booking came from.
func viewOf(rv hubproto.RoomView, id string) *hubproto.BookingView {
	for i := range rv.Bookings {
		if rv.Bookings[i].ID == id {
			return &rv.Bookings[i]
		}
	}
	return nil
}

// age formats how old data is, for banners.
func age(l i18n.Localizer, d time.Duration) string {
	if d < time.Minute {
		return l.T("banner.justNow")
	}
	return l.Duration(d.Truncate(time.Minute))
}

// present computes the room player's model for room id at now.
func present(l i18n.Localizer, s State, id string, now time.Time, hours OfficeHours) roomModel {
	rv, ok := s.Room(id)
	c := connOf(s)
	m := roomModel{Known: ok, Now: now}
	if !ok {
		m.Loc = time.UTC
		m.Name = id
		m.Status, m.Tone = room.Free, toneUnknown
		m.Headline = l.T("status.unknown")
		m.Banner = l.T("banner.noData")
		if !c.Online && !c.Since.IsZero() {
			m.Banner = l.T("banner.offline", "age", age(l, now.Sub(c.Since)))
		}
		local := now.In(m.Loc)
		m.Clock, m.Date = l.Time(local), l.Date(local)
		return m
	}
	st := rv.State(now)
	loc := st.Location
	local := now.In(loc)
	m.Loc, m.Name, m.Status, m.Tone = loc, rv.Name, st.Status, toneOf(st.Status)
	m.Headline = l.T(statusKey(st.Status))
	m.Clock, m.Date = l.Time(local), l.Date(local)
	m.OffHours = !hours.Contains(local)
	m.FreeUntil = st.FreeUntil
	endOfDay := midnight(local).AddDate(0, 0, 1)

	switch st.Status {
	case room.Free:
		if st.FreeUntil.IsZero() || !st.FreeUntil.Before(endOfDay) {
			m.Detail = l.T("detail.freeRestOfDay")
		} else {
			m.Detail = l.T("detail.freeUntil", "time", l.Time(st.FreeUntil.In(loc)))
		}
	case room.StartingSoon:
		m.Detail = l.T("detail.startsIn", "duration", l.Duration(st.FreeUntil.Sub(now)))
	case room.Released:
		m.Detail = l.T("detail.released", "time", l.Time(st.Released.Start.In(loc)))
	case room.AwaitingCheckIn:
		if at, ok := room.ReleaseAt(*st.Current, rv.Room().Policy); ok {
			m.Detail = l.T("detail.checkInBy", "time", l.Time(at.In(loc)))
		} else {
			m.Detail = l.T("detail.checkInPlease")
		}
	default:
		m.Detail = l.T("detail.busyUntil", "time", l.Time(st.BusyUntil.In(loc)))
	}

	if st.Current != nil {
		if v := viewOf(rv, st.Current.ID); v != nil {
			mm := &meetingModel{Title: bookingTitle(l, *v), Organizer: v.Organizer}
			if v.AllDay {
				mm.Range = l.T("agenda.allDay")
			} else {
				mm.Range = l.Range(st.Current.Start.In(loc), st.Current.End.In(loc))
				mm.Remaining = l.T("detail.remaining", "duration", l.Duration(st.Current.End.Sub(now)))
			}
			m.Meeting = mm
		}
	}

	m.Agenda, m.More = agenda(l, rv, st, now, endOfDay)
	if rv.Capacity > 0 {
		m.Capacity = l.T("facts.capacity", "count", rv.Capacity)
	}
	m.Equipment = strings.Join(rv.Equipment, " · ")
	m.Banner = banner(l, c, rv, now)
	m.Book = bookOptions(l, rv, st, now)
	m.Extend = extendOptions(l, rv, st)
	if st.Current != nil && !st.Current.AllDay {
		m.End = viewOf(rv, st.Current.ID)
	}
	pol := rv.Room().Policy
	for _, b := range []*room.Booking{st.Current, st.Next} {
		if b != nil && m.CheckIn == nil && room.CanCheckIn(*b, pol, now) {
			m.CheckIn = viewOf(rv, b.ID)
		}
	}
	m.Timeline = timeline(l, rv, st, now, hours)
	return m
}

// banner is the line across the top when the data may be old: offline
// with the data's age, a connection error, or an Exchange sync that has
// stopped.
func banner(l i18n.Localizer, c conn, rv hubproto.RoomView, now time.Time) string {
	switch {
	case !c.Online:
		return l.T("banner.offline", "age", age(l, now.Sub(c.Since)))
	case c.LastError != "":
		return l.T("banner.error", "message", c.LastError)
	case rv.Stale && !rv.SyncedAt.IsZero():
		return l.T("banner.stale", "age", age(l, now.Sub(rv.SyncedAt)))
	}
	return ""
}

// agenda lists the meetings that start after now today.
func agenda(l i18n.Localizer, rv hubproto.RoomView, st room.State, now, endOfDay time.Time) ([]agendaRow, string) {
	var next []hubproto.BookingView
	for _, b := range rv.Bookings {
		s, _, ok := occupies(b)
		if !ok || !s.After(now) || !s.Before(endOfDay) {
			continue
		}
		next = append(next, b)
	}
	slices.SortFunc(next, func(a, b hubproto.BookingView) int { return a.Start.Compare(b.Start) })
	var rows []agendaRow
	for i, b := range next {
		if i == agendaRows {
			return rows, l.T("agenda.more", "count", len(next)-agendaRows)
		}
		t := l.Range(b.Start.In(st.Location), b.End.In(st.Location))
		if b.AllDay {
			t = l.T("agenda.allDay")
		}
		rows = append(rows, agendaRow{Time: t, Title: bookingTitle(l, b), Organizer: b.Organizer})
	}
	return rows, ""
}

// bookOptions offers "book now" while the room is free: each duration
// that ends by the next meeting, and "until the next meeting".
func bookOptions(l i18n.Localizer, rv hubproto.RoomView, st room.State, now time.Time) []bookOption {
	if st.Current != nil || rv.Kind == room.KindEquipment.String() {
		return nil
	}
	limit := st.FreeUntil
	if limit.IsZero() {
		limit = rv.To // nothing is known past the data's horizon
	}
	var out []bookOption
	for _, min := range bookMinutes {
		end := now.Add(time.Duration(min) * time.Minute)
		if !limit.IsZero() && end.After(limit) {
			break
		}
		out = append(out, bookOption{Minutes: min, End: end, Label: l.T("action.minutes", "minutes", min)})
	}
	if !st.FreeUntil.IsZero() && st.FreeUntil.Sub(now) >= minBookable &&
		(len(out) == 0 || st.FreeUntil.After(out[len(out)-1].End)) && st.FreeUntil.Sub(now) <= 24*time.Hour {
		out = append(out, bookOption{Until: st.FreeUntil, End: st.FreeUntil,
			Label: l.T("action.until", "time", l.Time(st.FreeUntil.In(st.Location)))})
	}
	return out
}

// extendOptions offers to extend the current meeting by each duration for
// which the room stays free after it ends.
func extendOptions(l i18n.Localizer, rv hubproto.RoomView, st room.State) []extendOption {
	cur := st.Current
	if cur == nil || cur.AllDay {
		return nil
	}
	var others []room.Booking
	for _, b := range rv.DomainBookings() {
		if b.ID != cur.ID {
			others = append(others, b)
		}
	}
	var out []extendOption
	for _, min := range extendMinutes {
		d := time.Duration(min) * time.Minute
		end := cur.End.Add(d)
		if !rv.To.IsZero() && end.After(rv.To) {
			break
		}
		if len(room.FreeSlots(others, cur.End, end, d)) == 0 {
			break
		}
		out = append(out, extendOption{Minutes: min, End: end, Label: l.T("action.extend", "minutes", min)})
	}
	return out
}

// timeline lays today's timed bookings over the office hours, clipped to
// them; all-day bookings would only paint the whole strip.
func timeline(l i18n.Localizer, rv hubproto.RoomView, st room.State, now time.Time, hours OfficeHours) timelineModel {
	local := now.In(st.Location)
	from, to := hours.window(local)
	t := timelineModel{From: from, To: to, Now: now}
	for _, b := range rv.DomainBookings() {
		b = room.InZone(b, st.Location)
		s, e, ok := occupies(hubproto.BookingView{Start: b.Start, End: b.End, ReleasedAt: b.ReleasedAt})
		if !ok || !e.After(from) || !s.Before(to) || b.AllDay {
			continue
		}
		t.Blocks = append(t.Blocks, timelineBlock{Start: maxTime(s, from), End: minTime(e, to),
			Current: st.Current != nil && st.Current.ID == b.ID, Past: !e.After(now)})
	}
	slices.SortFunc(t.Blocks, func(a, b timelineBlock) int { return a.Start.Compare(b.Start) })
	step := 2 * time.Hour
	if to.Sub(from) <= 8*time.Hour {
		step = time.Hour
	}
	for at := from.Truncate(time.Hour); !at.After(to); at = at.Add(step) {
		if at.Before(from) {
			continue
		}
		t.Ticks = append(t.Ticks, timelineTick{At: at, Label: hourLabel(l, at)})
	}
	return t
}

// hourLabel is a short hour mark: "9 AM" in English, "09" elsewhere.
func hourLabel(l i18n.Localizer, t time.Time) string {
	if l.Lang() == "en" {
		return t.Format("3 PM")
	}
	return strconv.Itoa(t.Hour()) + ":00"
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
