package kiosk

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

// TestLongRun feeds 10,000 State updates in simulated time (eleven hours of updates every 4 seconds, with the 5-second tick in between) and checks
// that goroutines and heap stay flat: kiosks of other products die of slow
// leaks.
func TestLongRun(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	now := at(zurich, 7, 0)
	h := newRoomHarness(t, zurichID, Settings{Language: "de"}, roomStates()["free"], now)
	base := zurichRoom(zurichDay()...)
	update := func(i int) {
		rv := base
		rv.Bookings = append([]hubproto.BookingView(nil), base.Bookings...)
		// A meeting that moves, so the screen really changes.
		s := h.clock.Now().Add(time.Duration(i%90) * time.Minute)
		rv.Bookings = append(rv.Bookings, hubproto.BookingView{ID: fmt.Sprint("m", i%7), Subject: fmt.Sprint("Besprechung ", i),
			Organizer: "Jürgen Weiß", Start: s, End: s.Add(45 * time.Minute)})
		st := online(h.clock.Now(), rv)
		st.Online = i%500 < 450 // go offline now and then
		h.p.Update(st)
		h.clock.Advance(4 * time.Second)
	}
	measure := func() (int, uint64) {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapAlloc
	}
	for i := range 1000 { // warm caches (fonts, layouts)
		update(i)
	}
	g0, h0 := measure()
	timers0 := h.clock.pending()
	for i := 1000; i < 10000; i++ {
		update(i)
	}
	g1, h1 := measure()
	t.Logf("goroutines %d → %d, heap %d KiB → %d KiB, timers %d → %d", g0, g1, h0>>10, h1>>10, timers0, h.clock.pending())
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > h0+8<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", h0>>10, h1>>10)
	}
	if p := h.clock.pending(); p > timers0 {
		t.Errorf("timers grew from %d to %d", timers0, p)
	}
}
