package bus_test

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/bus"
)

// BenchmarkPublish measures one Publish call fanning out to 1, 10 and 100
// subscribers, both with readers keeping up ("live") and with readers that
// never read ("stalled", every publish overflows and evicts).
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		for _, mode := range []string{"live", "stalled"} {
			b.Run(fmt.Sprintf("subs=%d/readers=%s", n, mode), func(b *testing.B) {
				bb := bus.New()
				var wg sync.WaitGroup
				for range n {
					s := bus.Subscribe[tick](bb)
					if mode == "live" {
						wg.Go(func() {
							for range s.Events() {
							}
						})
					}
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					bus.Publish(bb, tick{i})
					i++
				}
				b.StopTimer()
				bb.Close()
				wg.Wait()
			})
		}
	}
}

// BenchmarkPublishCoalesce measures the slow path: a stalled subscriber of
// keyed events for 100 rooms, so its full buffer is rebuilt on overflow.
func BenchmarkPublishCoalesce(b *testing.B) {
	rooms := make([]string, 100)
	for i := range rooms {
		rooms[i] = "raum-" + strconv.Itoa(i)
	}
	bb := bus.New()
	defer bb.Close()
	bus.Subscribe[roomChanged](bb)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bus.Publish(bb, rc(rooms[i%len(rooms)], i))
		i++
	}
}

type stamped struct{ At time.Time }

// BenchmarkPublishToReceive measures the time from Publish to the value
// coming out of Events, one event at a time so no queueing is included.
// Each iteration sends 1,000 events; p50 and p99 are over all of them.
func BenchmarkPublishToReceive(b *testing.B) {
	const events = 1000
	bb := bus.New()
	defer bb.Close()
	sub := bus.Subscribe[stamped](bb)
	var lat []time.Duration
	for b.Loop() {
		for range events {
			bus.Publish(bb, stamped{time.Now()})
			e := <-sub.Events()
			lat = append(lat, time.Since(e.At))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*50/100]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
}
