package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// BenchmarkEndToEnd measures a change in Exchange until a kiosk client
// shows it: the simulator notifies over streaming, the syncer reads the
// change (SyncFolderItems) into SQLite and publishes it, the hub numbers
// it and pushes the room's new view over a real WebSocket (TLS, pinned),
// and the hub client applies it. 1,000 changes one after another over 50
// rooms: a new meeting, then its cancellation, in free evening slots
// within the kiosks' 7-day horizon. The clock starts just before the
// simulator is asked for the change.
func BenchmarkEndToEnd(b *testing.B) {
	const (
		rooms   = 50
		changes = 1000
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 4000, Rooms: rooms, BusyBackOff: 30 * time.Millisecond})
	defer ts.Close()
	dir := b.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "hub.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	quiet := func(string, ...any) {}
	src := ewssource.New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), ewssource.Options{Impersonation: true, Logf: quiet})
	opts := syncer.Options{Integration: "bench", Logf: quiet, Scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll}}}
	sess, res := startSync(ctx, ctx, src, db, opts, nil)
	if sess == nil || len(res.Failed) > 0 {
		b.Fatalf("first sync: %+v", res)
	}
	defer sess.stop()
	waitUntil(b, "streaming subscriptions", func() bool {
		subs := sim.Subscriptions()
		return len(subs) >= rooms && !slices.ContainsFunc(subs, func(s ewstest.SubscriptionInfo) bool { return !s.Connected })
	})
	h, err := startDemoHub(ctx, sess, dir, "127.0.0.1:0", quiet)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, m := range sim.Rooms() {
		ids = append(ids, m.Address)
	}
	token, _, err := h.pair(ctx, "Bench floor", hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: ids})
	if err != nil {
		b.Fatal(err)
	}
	c, err := hubclient.New(hubclient.Options{HubURL: h.url, Token: token, PinSHA256: h.pin})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	states := make(chan hubclient.State, 4096)
	go c.Run(ctx, func(s hubclient.State) {
		select {
		case states <- s:
		case <-ctx.Done():
		}
	})
	var last hubclient.State
	next := func(what string, ok func(hubclient.State) bool) {
		timeout := time.After(time.Minute)
		for !ok(last) {
			select {
			case last = <-states:
			case <-timeout:
				b.Fatalf("the kiosk never showed %s", what)
			}
		}
	}
	next("an online state", func(s hubclient.State) bool { return s.Online && len(s.Rooms) == rooms })

	// Free half-hour slots at 21:00–23:30 UTC over the next six days:
	// after hours at every generated site, inside the horizon.
	type slot struct {
		room  string
		start time.Time
	}
	var slots []slot
	day0 := sim.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(21 * time.Hour)
	for d := 0; d < 6 && len(slots) < changes/2; d++ {
		for k := range 6 {
			for _, m := range ids {
				s := day0.AddDate(0, 0, d).Add(time.Duration(k) * 30 * time.Minute)
				if len(slots) < changes/2 && len(sim.Truth(m, s, s.Add(30*time.Minute))) == 0 {
					slots = append(slots, slot{m, s})
				}
			}
		}
	}
	if len(slots) < changes/2 {
		b.Fatalf("only %d free slots", len(slots))
	}
	shows := func(s hubclient.State, sl slot) bool {
		rv, ok := s.Room(sl.room)
		return ok && slices.ContainsFunc(rv.Bookings, func(bv hubproto.BookingView) bool { return bv.Start.Equal(sl.start) })
	}
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		lat = lat[:0]
		for i, sl := range slots {
			t0 := time.Now()
			id, err := sim.AddBooking(sl.room, ewstest.Booking{Subject: fmt.Sprintf("Spontan 臨時 %d", i), Start: sl.start, End: sl.start.Add(30 * time.Minute)})
			if err != nil {
				b.Fatal(err)
			}
			next(fmt.Sprintf("booking %d", i), func(s hubclient.State) bool { return shows(s, sl) })
			lat = append(lat, time.Since(t0))
			t0 = time.Now()
			if err := sim.CancelBooking(id); err != nil {
				b.Fatal(err)
			}
			next(fmt.Sprintf("the cancellation of %d", i), func(s hubclient.State) bool { return !shows(s, sl) })
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(lat)), "changes")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

func waitUntil(b *testing.B, what string, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
