package kiosk

import (
	"cmp"
	"math"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
)

// Suggestion is a free room to send people to.
type Suggestion struct {
	Room hubproto.RoomView
	// FreeUntil is when it becomes busy; zero when nothing is booked in
	// the data the kiosk has.
	FreeUntil time.Time
}

// NearestFree returns the free room nearest to building and floor: a room
// on the same floor first, then in the same building, then anywhere; among
// equals the one free for longest, then by name. Rooms whose next meeting
// starts within room.SoonWindow do not count as free, nor does equipment,
// nor the room with ID exclude (the one people are standing at).
func NearestFree(rooms []hubproto.RoomView, building, floor, exclude string, now time.Time) (Suggestion, bool) {
	type cand struct {
		s    Suggestion
		tier int
		free time.Duration
	}
	var best *cand
	for _, rv := range rooms {
		if rv.ID == exclude || rv.Kind == room.KindEquipment.String() {
			continue
		}
		st := rv.State(now)
		if st.Status != room.Free && st.Status != room.Released {
			continue
		}
		free := time.Duration(math.MaxInt64)
		if !st.FreeUntil.IsZero() {
			free = st.FreeUntil.Sub(now)
		}
		tier := 2
		if building != "" && rv.Building == building {
			tier = 1
			if rv.Floor == floor {
				tier = 0
			}
		}
		c := cand{s: Suggestion{Room: rv, FreeUntil: st.FreeUntil}, tier: tier, free: free}
		if best == nil || better(c.tier, c.free, c.s.Room, best.tier, best.free, best.s.Room) {
			best = &c
		}
	}
	if best == nil {
		return Suggestion{}, false
	}
	return best.s, true
}

// better orders candidates: lower tier, longer free time, then name and ID
// so the answer does not flicker between equal rooms.
func better(ta int, fa time.Duration, ra hubproto.RoomView, tb int, fb time.Duration, rb hubproto.RoomView) bool {
	if ta != tb {
		return ta < tb
	}
	if fa != fb {
		return fa > fb
	}
	if c := cmp.Compare(ra.Name, rb.Name); c != 0 {
		return c < 0
	}
	return ra.ID < rb.ID
}
