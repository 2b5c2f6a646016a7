package ews_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// BenchmarkGetUserAvailability100Rooms14Days asks the simulator for the
// free/busy of 100 rooms over 14 days, the largest batch Roomboard sends
// (Exchange allows 100 mailboxes and 42 days per request).
func BenchmarkGetUserAvailability100Rooms14Days(b *testing.B) {
	sim, ts := ewstest.NewServer(ewstest.Options{Rooms: 120, Seed: 3, MaxConcurrency: -1})
	defer ts.Close()
	rooms := sim.Rooms()
	if len(rooms) < 100 {
		b.Fatalf("only %d rooms", len(rooms))
	}
	var smtp []string
	for _, r := range rooms[:100] {
		smtp = append(smtp, r.Address)
	}
	c := ews.New(endpoint(ts), nil)
	start := time.Now().Truncate(24 * time.Hour)
	req := &ews.AvailabilityRequest{Mailboxes: smtp, Start: start, End: start.AddDate(0, 0, 14), View: "DetailedMerged", MergedInterval: 30 * time.Minute}
	ctx := context.Background()
	events := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.GetUserAvailability(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		events = 0
		for _, a := range res {
			if a.Err != nil {
				b.Fatal(a.Err)
			}
			events += len(a.Events)
		}
	}
	b.ReportMetric(float64(events), "events/op")
}

// BenchmarkSimulatorThroughput16 measures simulator requests per second on
// loopback with 16 concurrent clients (the concurrency Roomboard plans per
// service account), each reading one room's calendar for a day.
func BenchmarkSimulatorThroughput16(b *testing.B) {
	sim, ts := ewstest.NewServer(ewstest.Options{Rooms: 50, Seed: 5, MaxConcurrency: -1})
	defer ts.Close()
	rooms := sim.Rooms()
	c := ews.New(endpoint(ts), nil)
	day := time.Now().Truncate(24 * time.Hour)
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 goroutines on the CI machines
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			r := rooms[int(n.Add(1))%len(rooms)]
			_, err := c.FindItem(ctx, &ews.FindItemRequest{
				Folder:       ews.CalendarOf(r.Address),
				CalendarView: &ews.CalendarView{Start: day, End: day.Add(24 * time.Hour), MaxEntries: 200},
				Shape:        ews.AllProperties,
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "req/s")
}
