package room

import (
	"slices"
	"time"
)

// Slot is a free interval [Start, End).
type Slot struct {
	Start, End time.Time
}

// Duration returns the slot's length.
func (s Slot) Duration() time.Duration { return s.End.Sub(s.Start) }

// FreeSlots returns the free intervals within [from, to) that last at least
// minLength, in order: what "book now" offers and what the floor player's
// "free until" reads. Cancelled bookings and released ones (from
// ReleasedAt on) leave the room free; empty or inverted bookings are
// ignored. A minLength of zero or less returns every gap.
//
// All-day bookings are taken as stored: pass them through InZone first.
// The slots are expressed in from's Location.
func FreeSlots(bookings []Booking, from, to time.Time, minLength time.Duration) []Slot {
	if !to.After(from) {
		return nil
	}
	loc := from.Location()
	type span struct{ s, e time.Time }
	var busy []span
	for _, b := range bookings {
		s, e, ok := occupied(b)
		if !ok || !e.After(from) || !s.Before(to) {
			continue
		}
		busy = append(busy, span{s, e})
	}
	slices.SortFunc(busy, func(a, b span) int { return a.s.Compare(b.s) })

	var out []Slot
	add := func(s, e time.Time) {
		if e.After(s) && e.Sub(s) >= minLength {
			out = append(out, Slot{Start: s.In(loc), End: e.In(loc)})
		}
	}
	cursor := from
	for _, b := range busy {
		if b.s.After(cursor) {
			add(cursor, b.s)
		}
		if b.e.After(cursor) {
			cursor = b.e
		}
		if !cursor.Before(to) {
			return out
		}
	}
	add(cursor, to)
	return out
}
