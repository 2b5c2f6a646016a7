package ics

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// heapProbe is an io.Writer that discards its input and samples the live
// heap every few writes, to find the peak during a Write.
type heapProbe struct {
	writes int
	peak   uint64
	ms     runtime.MemStats
}

func (h *heapProbe) Write(p []byte) (int, error) {
	h.writes++
	// Write hands over 64 KiB chunks; sampling every 8th keeps the
	// stop-the-world cost of ReadMemStats out of ns/op.
	if h.writes%8 == 1 {
		runtime.ReadMemStats(&h.ms)
		h.peak = max(h.peak, h.ms.HeapAlloc)
	}
	return len(p), nil
}

func benchCalendar(n int) Calendar {
	rooms := []room.Room{zurich, taipei, shanghai, london}
	base := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	bs := make([]room.Booking, n)
	for i := range bs {
		start := base.Add(time.Duration(i) * 17 * time.Minute)
		bs[i] = room.Booking{
			ID: fmt.Sprintf("b%06d", i), RoomID: rooms[i%len(rooms)].ID,
			ICalUID:   fmt.Sprintf("040000008200E00074C5B7101A82E0080000000%06d", i),
			Subject:   "Quartalsplanung – Überblick / 季度規劃會議 " + fmt.Sprint(i),
			Organizer: room.Mailbox{Name: "Jürg Müller", Email: "juerg.mueller@example.ch"},
			Attendees: []room.Attendee{
				{Name: "王小明", Email: "wang.xiaoming@example.cn", Response: room.ResponseAccepted},
				{Name: "Zoë Bäcker", Email: "zoe.baecker@example.ch", Response: room.ResponseTentative},
			},
			Start: start, End: start.Add(45 * time.Minute),
			AllDay: i%50 == 0, Private: i%10 == 0, Recurring: i%7 == 0,
		}
	}
	return Calendar{Rooms: rooms, Bookings: bs, Stamp: base}
}

// BenchmarkWrite100k writes 100,000 bookings in four rooms and zones to a
// discarding writer; peak-heap-B is the highest live heap seen during a
// write above the heap holding the input.
func BenchmarkWrite100k(b *testing.B) {
	cal := benchCalendar(100_000)
	probe := &heapProbe{}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapAlloc
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(probe, cal); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(probe.peak-min(probe.peak, baseline)), "peak-heap-B")
}
