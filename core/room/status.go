package room

import (
	"cmp"
	"slices"
	"time"
)

// State is what a room panel shows at one instant.
//
// The invariants, which the property tests check: Current is non-nil
// exactly when Status is Busy, EndingSoon, AwaitingCheckIn or CheckedIn,
// and then BusyUntil is after now and FreeUntil is zero. Otherwise BusyUntil
// is zero and FreeUntil is Next.Start, or zero when no later booking is
// known (free "for the rest of the data").
type State struct {
	Status Status
	// Current is the booking occupying the room now. With overlapping
	// bookings it is the timed one that started last: a meeting inside an
	// all-day block says more than the block.
	Current *Booking
	// Next is the first booking that starts after now (it may start inside
	// the current busy block).
	Next *Booking
	// Released is the booking that was scheduled now but was released, when
	// the room is free because of that.
	Released *Booking
	// FreeUntil is when a free room becomes busy; zero if busy now or
	// nothing is booked later.
	FreeUntil time.Time
	// BusyUntil is when the room is next free, following back-to-back and
	// overlapping bookings; zero if free now.
	BusyUntil time.Time
	// Location is the zone the times in State are expressed in: the room's,
	// or UTC when its TimeZone is unknown (see Room.Location).
	Location *time.Location
}

// occupied returns the interval during which b holds the room: nothing if
// it is cancelled, empty or inverted, and only until ReleasedAt if it was
// released.
func occupied(b Booking) (start, end time.Time, ok bool) {
	if b.Cancelled {
		return time.Time{}, time.Time{}, false
	}
	end = b.End
	if !b.ReleasedAt.IsZero() && b.ReleasedAt.Before(end) {
		end = b.ReleasedAt
	}
	if !end.After(b.Start) {
		return time.Time{}, time.Time{}, false
	}
	return b.Start, end, true
}

// StatusAt computes the room's state at now from its bookings (the room's
// own; StatusAt does not filter by RoomID). It is correct at any instant
// for any zone: bookings are instants, and all-day bookings cover the
// room's local day (see InZone), so DST changes need no special cases. An
// unknown room TimeZone falls back to UTC.
//
// The "soon" statuses use SoonWindow (10 minutes), inclusive: StartingSoon
// when the next booking starts within it, EndingSoon when the busy block
// (not just the current booking) ends within it, because "ending soon"
// before a back-to-back meeting would send people to a room that is not
// going to be free. Precedence when several apply: AwaitingCheckIn, then
// EndingSoon, then CheckedIn, then Busy; for a free room StartingSoon, then
// Released, then Free. Bookings that start before now but have not been
// checked in show AwaitingCheckIn until their release time (or, with
// auto-release off, until the check-in window closes); an early check-in
// before the start does not make the room busy.
func StatusAt(r Room, bookings []Booking, now time.Time) State {
	loc := r.location()
	now = now.In(loc)
	st := State{Location: loc}

	var occ []Booking // occupying bookings, in loc
	for _, b := range bookings {
		b = InZone(b, loc)
		if _, _, ok := occupied(b); ok {
			occ = append(occ, b)
		}
		// A released booking whose original slot covers now explains why
		// the room is free although it was booked.
		if !b.Cancelled && !b.ReleasedAt.IsZero() && !now.Before(b.ReleasedAt) &&
			!now.Before(b.Start) && now.Before(b.End) {
			if st.Released == nil || b.Start.After(st.Released.Start) {
				st.Released = &b
			}
		}
	}
	slices.SortFunc(occ, func(a, b Booking) int {
		sa, _, _ := occupied(a)
		sb, _, _ := occupied(b)
		return sa.Compare(sb)
	})

	busyUntil := time.Time{}
	for i := range occ {
		b := &occ[i]
		s, e, _ := occupied(*b)
		switch {
		case !s.After(now) && now.Before(e):
			if st.Current == nil || preferCurrent(*b, *st.Current) {
				st.Current = b
			}
			if e.After(busyUntil) {
				busyUntil = e
			}
		case s.After(now):
			if st.Next == nil || preferNext(*b, *st.Next) {
				st.Next = b
			}
		}
	}

	if st.Current == nil {
		if st.Next != nil {
			st.FreeUntil = st.Next.Start
		}
		switch {
		case st.Next != nil && st.Next.Start.Sub(now) <= SoonWindow:
			st.Status = StartingSoon
		case st.Released != nil:
			st.Status = Released
		default:
			st.Status = Free
		}
		return st
	}
	st.Released = nil

	// Extend the busy block over back-to-back and overlapping bookings;
	// occ is sorted by start, so one pass suffices.
	for _, b := range occ {
		s, e, _ := occupied(b)
		if s.After(busyUntil) {
			break
		}
		if e.After(busyUntil) {
			busyUntil = e
		}
	}
	st.BusyUntil = busyUntil

	cur := *st.Current
	switch {
	case awaitingCheckIn(cur, r.Policy, now):
		st.Status = AwaitingCheckIn
	case busyUntil.Sub(now) <= SoonWindow:
		st.Status = EndingSoon
	case !cur.CheckedInAt.IsZero():
		st.Status = CheckedIn
	default:
		st.Status = Busy
	}
	return st
}

// awaitingCheckIn reports whether the started booking b still waits for
// someone to check in at now.
func awaitingCheckIn(b Booking, p Policy, now time.Time) bool {
	if !b.CheckedInAt.IsZero() {
		return false
	}
	_, deadline, ok := CheckInWindow(b, p)
	if !ok {
		return false
	}
	if at, ok := ReleaseAt(b, p); ok {
		deadline = at
	}
	return now.Before(deadline)
}

// preferCurrent orders candidates for State.Current: timed before all-day,
// then the latest start, then the earliest end, then ID for determinism.
func preferCurrent(a, b Booking) bool {
	if a.AllDay != b.AllDay {
		return !a.AllDay
	}
	if c := b.Start.Compare(a.Start); c != 0 {
		return c < 0
	}
	return tieBreak(a, b) < 0
}

// preferNext orders candidates for State.Next: the earliest start, then
// timed before all-day, then the earliest end, then ID.
func preferNext(a, b Booking) bool {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c < 0
	}
	if a.AllDay != b.AllDay {
		return !a.AllDay
	}
	return tieBreak(a, b) < 0
}

func tieBreak(a, b Booking) int {
	if c := a.End.Compare(b.End); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
