package ewssource_test

// Benchmarks of the sync engine (core/syncer over this package) against the
// Exchange simulator in the same process. Figures go to BENCHMARKS.md.
//
// The simulator, the HTTP stack, the EWS client, the syncer and SQLite share
// the process and its cores, so wall times and memory describe the whole
// rig, not the hub alone.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// benchRooms is the size of the initial-sync benchmark: 1,000 rooms as the
// issue asks, or ROOMBOARD_BENCH_ROOMS to try another size.
func benchRooms(b *testing.B, def int) int {
	v := os.Getenv("ROOMBOARD_BENCH_ROOMS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("ROOMBOARD_BENCH_ROOMS=%q: want a positive number", v)
	}
	return n
}

// countingSource wraps the EWS source: it counts the completed reads, so a
// benchmark knows when the syncer has done what a timer asked for, and it
// can switch notifications off (Watch then blocks without reporting
// anything, which leaves the syncer polling).
type countingSource struct {
	syncer.Source
	noWatch bool
	calls   atomic.Int64 // completed Directory, FullSync and Changes calls
}

func (s *countingSource) Directory(ctx context.Context, scope config.Scope) (syncer.Directory, error) {
	defer s.calls.Add(1)
	return s.Source.Directory(ctx, scope)
}

func (s *countingSource) FullSync(ctx context.Context, m string, w store.Window) (syncer.Snapshot, error) {
	defer s.calls.Add(1)
	return s.Source.FullSync(ctx, m, w)
}

func (s *countingSource) Changes(ctx context.Context, m, token string, w store.Window) (syncer.Delta, error) {
	defer s.calls.Add(1)
	return s.Source.Changes(ctx, m, token, w)
}

func (s *countingSource) Watch(ctx context.Context, mailboxes []string, changed chan<- string) error {
	if s.noWatch {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.Source.Watch(ctx, mailboxes, changed)
}

// benchRig is a store, a bus and a syncer reading from a simulator.
type benchRig struct {
	src    *countingSource
	db     *store.DB
	bus    *bus.Bus
	syncer *syncer.Syncer
	cancel context.CancelFunc
	done   chan error
}

// newBenchRig connects a syncer to the simulator at ts through a fresh
// store in dir.
func newBenchRig(b *testing.B, ts *httptest.Server, dir string, noWatch bool, opts syncer.Options) *benchRig {
	b.Helper()
	c := ews.New(ts.URL+"/EWS/Exchange.asmx", nil)
	src := &countingSource{Source: ewssource.New(c, ewssource.Options{Impersonation: true, Logf: func(string, ...any) {}}), noWatch: noWatch}
	db, err := store.Open(context.Background(), filepath.Join(dir, "cache.db"))
	if err != nil {
		b.Fatal(err)
	}
	bb := bus.New()
	opts.Scope.Rooms.Mode = config.SelectAll
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &benchRig{src: src, db: db, bus: bb, syncer: syncer.New(src, db, bb, opts)}
}

func (r *benchRig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.syncer.Run(ctx) }()
}

func (r *benchRig) close() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
		r.cancel = nil
	}
	r.bus.Close()
	r.db.Close()
}

// waitHealthy waits until every one of n mailboxes has reported a
// successful sync on hs.
func waitHealthy(b *testing.B, hs *bus.Subscription[syncer.MailboxHealth], n int, limit time.Duration) {
	b.Helper()
	ok := map[string]bool{}
	timeout := time.After(limit)
	for len(ok) < n {
		select {
		case h := <-hs.Events():
			if !h.BackingOff && !h.LastSuccess.IsZero() {
				ok[h.Mailbox] = true
			}
		case <-timeout:
			b.Fatalf("only %d of %d mailboxes synced within %v", len(ok), n, limit)
		}
	}
}

// waitFor polls cond every millisecond; it fails the benchmark after limit.
// It only waits for the engine to settle; nothing is asserted about speed.
func waitFor(b *testing.B, limit time.Duration, cond func() bool, what func() string) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("gave up waiting: %s", what())
		}
		time.Sleep(time.Millisecond)
	}
}

// memWatch records the peak resident set (VmHWM, reset through
// /proc/self/clear_refs) and the peak live Go heap (sampled every 5 ms
// through runtime/metrics) while it runs.
type memWatch struct {
	hwmReset  bool
	stop      chan struct{}
	done      chan struct{}
	startHeap uint64
	peakHeap  uint64
}

func startMemWatch() *memWatch {
	w := &memWatch{stop: make(chan struct{}), done: make(chan struct{})}
	// Writing 5 resets the peak RSS to the current RSS (Linux ≥ 4.0).
	w.hwmReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	w.startHeap = sample[0].Value.Uint64()
	go func() {
		defer close(w.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			w.peakHeap = max(w.peakHeap, sample[0].Value.Uint64())
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// end returns the peak RSS (0 if /proc is unavailable) and the peak heap,
// both in bytes.
func (w *memWatch) end() (rss, heap uint64) {
	close(w.stop)
	<-w.done
	return procStatus("VmHWM"), w.peakHeap
}

// procStatus reads one "kB" field of /proc/self/status, in bytes.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}

func countStored(b *testing.B, r *benchRig, now time.Time) int {
	b.Helper()
	start, end := config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}.Range(now)
	rooms, err := r.db.Rooms(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, rm := range rooms {
		bs, err := r.db.BookingsBetween(context.Background(), rm.ID, start, end)
		if err != nil {
			b.Fatal(err)
		}
		n += len(bs)
	}
	return n
}

const mib = 1 << 20

// topUp books single meetings into every room until it holds perRoom
// bookings over [start, end): the generated calendars hold about 46 per
// room over the default window and the issue asks for about 50. The extra
// meetings sit at 10:00 local time on weekdays from the 30th day on, past
// the generated single meetings and clear of the generated series.
func topUp(b *testing.B, sim *ewstest.Server, perRoom int, start, end time.Time) {
	b.Helper()
	for _, m := range sim.Rooms() {
		have := len(sim.Truth(m.Address, start, end))
		day := start.In(m.TimeZone).AddDate(0, 0, 30)
		for ; have < perRoom && day.Before(end); day = day.AddDate(0, 0, 1) {
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, m.TimeZone)
			_, err := sim.AddBooking(m.Address, ewstest.Booking{Subject: "Projektbesprechung Größenordnung 規劃", Start: at, End: at.Add(time.Hour)})
			switch {
			case err == nil:
				have++
			case !errors.Is(err, ewstest.ErrDeclined):
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkInitialSync1000Rooms measures a hub's first start against an
// organisation of 1,000 rooms (ROOMBOARD_BENCH_ROOMS overrides): from
// Run to every mailbox synced over the default window (yesterday … +60
// days) into an empty store, at the default concurrency of 16. Streaming
// is switched off so the figures count the sync alone; subscribing costs
// one Subscribe per room plus one GetStreamingEvents per 200 rooms and is
// in BenchmarkIdleRequestsPerRoomHour.
func BenchmarkInitialSync1000Rooms(b *testing.B) {
	n := benchRooms(b, 1000)
	genStart := time.Now()
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 1000, Rooms: n, BusyBackOff: 30 * time.Millisecond})
	defer ts.Close()
	start, end := config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}.Range(sim.Now())
	topUp(b, sim, 50, start, end)
	b.Logf("simulator with %d rooms generated in %v", n, time.Since(genStart).Round(time.Millisecond))
	truth := 0
	for _, m := range sim.Rooms() {
		truth += len(sim.Truth(m.Address, start, end))
	}

	var requests, stored int64
	var rss, heap, baseRSS, baseHeap uint64
	hwmReset := true
	for range b.N {
		b.StopTimer()
		r := newBenchRig(b, ts, b.TempDir(), true, syncer.Options{})
		hs := bus.Subscribe[syncer.MailboxHealth](r.bus, bus.WithBuffer(n+16))
		before := sim.Stats().Requests
		baseRSS = procStatus("VmRSS")
		mw := startMemWatch()
		b.StartTimer()

		r.start()
		waitHealthy(b, hs, n, 10*time.Minute)

		b.StopTimer()
		rss, heap = mw.end()
		baseHeap, hwmReset = mw.startHeap, mw.hwmReset
		requests = sim.Stats().Requests - before
		stored = int64(countStored(b, r, sim.Now()))
		r.close()
		if stored != int64(truth) {
			b.Errorf("stored %d bookings, the simulator holds %d", stored, truth)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "rooms")
	b.ReportMetric(float64(stored), "bookings")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(rss)/mib, "peak-RSS-MB")
	b.ReportMetric(float64(heap)/mib, "peak-heap-MB")
	b.ReportMetric(float64(baseRSS)/mib, "RSS-before-MB")
	b.Logf("%d rooms: %d bookings stored, %d requests; peak RSS %.0f MB (%.0f MB before the sync), peak live heap %.0f MB (%.0f MB before); the simulator's memory is included",
		n, stored, requests, float64(rss)/mib, float64(baseRSS)/mib, float64(heap)/mib, float64(baseHeap)/mib)
	if !hwmReset {
		b.Logf("/proc/self/clear_refs not writable: peak RSS is the whole process's, simulator generation included")
	}
}

// fakeClock is a syncer.Clock that moves only when Advance says so; the
// simulator reads it too (ewstest.Options.Now), so both agree on the time.
// A timer that fires is handed over by a goroutine of its own. The clock
// counts what happens to its timers, so a benchmark can tell when every
// loop has finished what a step of the clock gave it.
type fakeClock struct {
	pollLengths []time.Duration // timers of these lengths are the syncer's polls

	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]bool // pending

	fired     atomic.Int64 // fired and not stopped before being taken
	delivered atomic.Int64 // taken from C
	polls     atomic.Int64 // poll timers taken
	created   atomic.Int64 // NewTimer calls
	stopped   atomic.Int64 // Stop calls that cancelled a pending timer
}

type fakeTimer struct {
	c    *fakeClock
	d    time.Duration
	when time.Time
	ch   chan time.Time
	stop chan struct{}
	once sync.Once
}

func newFakeClock(t time.Time, polls ...time.Duration) *fakeClock {
	return &fakeClock{pollLengths: polls, now: t, timers: map[*fakeTimer]bool{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) syncer.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.created.Add(1)
	t := &fakeTimer{c: c, d: d, when: c.now.Add(d), ch: make(chan time.Time), stop: make(chan struct{})}
	if d <= 0 {
		c.fireLocked(t)
	} else {
		c.timers[t] = true
	}
	return t
}

func (c *fakeClock) fireLocked(t *fakeTimer) {
	c.fired.Add(1)
	go func() {
		select {
		case t.ch <- t.when:
			if slices.Contains(c.pollLengths, t.d) {
				c.polls.Add(1)
			}
			c.delivered.Add(1)
		case <-t.stop:
			c.fired.Add(-1) // stopped before anyone took it: as if never fired
		}
	}()
}

// Advance moves the clock by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.when.After(c.now) {
			delete(c.timers, t)
			c.fireLocked(t)
		}
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	pending := t.c.timers[t]
	delete(t.c.timers, t)
	if pending {
		t.c.stopped.Add(1)
	}
	t.c.mu.Unlock()
	t.once.Do(func() { close(t.stop) })
	return pending
}

// clockMark is a snapshot of a fakeClock's and a source's counters.
type clockMark struct{ fired, delivered, polls, created, stopped, calls int64 }

func mark(c *fakeClock, src *countingSource) clockMark {
	return clockMark{c.fired.Load(), c.delivered.Load(), c.polls.Load(), c.created.Load(), c.stopped.Load(), src.calls.Load()}
}

// settledSince says whether everything that fired after m has been
// handled completely. A mailbox loop that takes a poll timer arms a new
// one, syncs (one source call), stops that timer and arms another: two
// timers, one stop, one call. The directory loop that takes its timer
// lists the rooms (one call) and arms one timer.
func settledSince(c *fakeClock, src *countingSource, m clockMark) bool {
	now := mark(c, src)
	d, p := now.delivered-m.delivered, now.polls-m.polls
	return now.fired == now.delivered && now.calls-m.calls == d && now.stopped-m.stopped == p && now.created-m.created == d+p
}

// idleHour is one simulated hour of an organisation with nothing changing.
type idleHour struct {
	requests int64            // Exchange requests during the hour
	byOp     map[string]int64 // the same per operation
	overruns int              // simulated minutes that took longer than their real-time budget
	real     time.Duration    // how long the simulated hour took
}

// simMinute is how long one simulated minute of the simulator's streaming
// timers lasts in real time.
const simMinute = 150 * time.Millisecond

// runIdleHour syncs n rooms, lets the engine settle (first sync, and with
// streaming the subscriptions and their connections), then moves the
// syncer's and the simulator's clock through one hour in one-minute steps
// and counts the requests the simulator answers.
//
// Time: the syncer's timers (polls, directory refresh, back-off) and the
// simulator's clock run on the fake clock. The simulator's streaming
// timers (connection lifetime, keep-alives) run on real time scaled by
// NotificationMinute, so with streaming each simulated minute is also
// paced to last that long in real time; a minute whose syncs take longer
// is counted in overruns (its streams then live a little less than their
// simulated 25 minutes).
func runIdleHour(b *testing.B, n int, streaming bool, poll time.Duration) idleHour {
	b.Helper()
	// While streaming works the syncer polls at the slower safety
	// interval (never below poll).
	fc := newFakeClock(time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC), poll, max(poll, syncer.DefaultSafetyPollInterval))
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 2000, Rooms: n, Now: fc.Now, NotificationMinute: simMinute, BusyBackOff: 30 * time.Millisecond})
	defer ts.Close()
	var logs atomic.Int64
	logf := func(f string, a ...any) {
		if logs.Add(1) <= 5 {
			b.Logf("syncer: "+f, a...)
		}
	}
	// The directory is listed once an hour as by default, one second
	// early so its timer never has a poll's length (fakeClock tells them
	// apart by length); it still fires in the hour's last step.
	opts := syncer.Options{Clock: fc, PollInterval: poll, DirectoryInterval: time.Hour - time.Second, Logf: logf}
	if !streaming {
		// The naive baseline polls at poll whatever happens; the source's
		// Watch then only waits, so the syncer must not slow down for it.
		opts.SafetyPollInterval = poll
	}
	r := newBenchRig(b, ts, b.TempDir(), !streaming, opts)
	defer r.close()
	hs := bus.Subscribe[syncer.MailboxHealth](r.bus, bus.WithBuffer(4*n+16))
	r.start()
	waitHealthy(b, hs, n, 5*time.Minute)
	hs.Close()
	// Each room's first sync, one directory listing and, with streaming,
	// one more sync per room for its new subscription.
	settled := int64(1 + n)
	if streaming {
		settled += int64(n)
		waitFor(b, time.Minute, func() bool {
			subs := sim.Subscriptions()
			return len(subs) == n && !slices.ContainsFunc(subs, func(s ewstest.SubscriptionInfo) bool { return !s.Connected })
		}, func() string { return fmt.Sprintf("subscriptions: %+v", sim.Subscriptions()) })
	}
	waitFor(b, time.Minute, func() bool { return r.src.calls.Load() >= settled }, func() string {
		return fmt.Sprintf("%d source calls, want %d", r.src.calls.Load(), settled)
	})
	// The first syncs ran on a clock that stood still, so their timers
	// are all due at the first minute; wait until the loops have armed
	// them (nothing moves for a while).
	last := mark(fc, r.src)
	stableSince := time.Now()
	waitFor(b, time.Minute, func() bool {
		if m := mark(fc, r.src); m != last || m.fired != m.delivered {
			last, stableSince = m, time.Now()
			return false
		}
		return time.Since(stableSince) > 100*time.Millisecond
	}, func() string { return "engine never settled" })
	m0 := mark(fc, r.src)

	before := sim.Stats()
	var out idleHour
	hourStart := time.Now()
	for range 60 {
		t0 := time.Now()
		fc.Advance(time.Minute)
		sim.Advance(0) // the simulator reads fc; nothing else to move
		waitFor(b, time.Minute, func() bool { return settledSince(fc, r.src, m0) }, func() string {
			return fmt.Sprintf("after %+v: %+v", m0, mark(fc, r.src))
		})
		if streaming {
			if left := simMinute - time.Since(t0); left > 0 {
				time.Sleep(left)
			} else {
				out.overruns++
			}
		}
	}
	out.real = time.Since(hourStart)
	after := sim.Stats()
	out.requests = after.Requests - before.Requests
	out.byOp = map[string]int64{}
	for op, v := range after.ByOperation {
		if d := v - before.ByOperation[op]; d > 0 {
			out.byOp[op] = d
		}
	}
	return out
}

// BenchmarkIdleRequestsPerRoomHour counts the Exchange requests of one
// simulated idle hour (nothing changes) per room, with streaming
// notifications and the default options, beside the naive baseline in the
// same run: the syncer with notifications switched off, polling every
// 60 s. With streaming, the default options poll each room every 30
// minutes as a safety net (syncer.DefaultSafetyPollInterval). A third
// figure runs streaming with a 1-hour poll interval, closer to the cost of
// streaming itself.
func BenchmarkIdleRequestsPerRoomHour(b *testing.B) {
	const n = 200 // one full streaming group
	var stream, poll60, stream1h idleHour
	for range b.N {
		stream = runIdleHour(b, n, true, config.DefaultPollInterval)
		poll60 = runIdleHour(b, n, false, time.Minute)
		stream1h = runIdleHour(b, n, true, time.Hour)
	}
	per := func(h idleHour) float64 { return float64(h.requests) / n }
	b.ReportMetric(n, "rooms")
	b.ReportMetric(per(stream), "stream-req/room/h")
	b.ReportMetric(per(poll60), "poll60s-req/room/h")
	b.ReportMetric(per(poll60)/per(stream), "poll/stream")
	b.ReportMetric(per(stream1h), "stream-poll1h-req/room/h")
	b.ReportMetric(per(poll60)/per(stream1h), "poll/stream-poll1h")
	for _, h := range []struct {
		name string
		h    idleHour
	}{{"streaming, default options (safety poll every 30 min)", stream}, {"polling only, every 60 s", poll60}, {"streaming, poll interval 1 h", stream1h}} {
		b.Logf("%s: %d requests for %d rooms %v (hour simulated in %v, %d minutes over their %v)", h.name, h.h.requests, n, h.h.byOp,
			h.h.real.Round(time.Millisecond), h.h.overruns, simMinute)
	}
}

// BenchmarkChangeToBus measures how long a change in Exchange takes to
// reach the bus as RoomChanged: the syncer runs against the simulator
// over streaming with the default options (real time), and 1,000 changes
// are made one after another, alternately a new meeting (AddBooking) and
// a new subject for it (UpdateBooking), spread over 50 rooms. The clock
// starts just before the simulator is asked for the change, so the figure
// includes the notification, the incremental sync (SyncFolderItems) and
// the store write.
func BenchmarkChangeToBus(b *testing.B) {
	const (
		rooms   = 50
		changes = 1000
	)
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 3000, Rooms: rooms, BusyBackOff: 30 * time.Millisecond})
	defer ts.Close()
	r := newBenchRig(b, ts, b.TempDir(), false, syncer.Options{})
	defer r.close()
	hs := bus.Subscribe[syncer.MailboxHealth](r.bus, bus.WithBuffer(4*rooms))
	sub := bus.Subscribe[syncer.RoomChanged](r.bus, bus.WithBuffer(4*rooms))
	r.start()
	waitHealthy(b, hs, rooms, 5*time.Minute)
	hs.Close()
	waitFor(b, time.Minute, func() bool {
		subs := sim.Subscriptions()
		return len(subs) == rooms && !slices.ContainsFunc(subs, func(s ewstest.SubscriptionInfo) bool { return !s.Connected })
	}, func() string { return fmt.Sprintf("subscriptions: %+v", sim.Subscriptions()) })

	// Free evening slots (21:00 UTC, after hours at every generated site)
	// from the 30th day on, one per room and day, beyond the generated
	// single meetings.
	mbs := sim.Rooms()
	type slot struct {
		room  string
		start time.Time
	}
	var slots []slot
	base := sim.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 30).Add(21 * time.Hour)
	for day := 0; len(slots) < changes/2 && day < 30; day++ {
		for _, m := range mbs {
			s := base.AddDate(0, 0, day)
			if len(sim.Truth(m.Address, s, s.Add(time.Hour))) == 0 && len(slots) < changes/2 {
				slots = append(slots, slot{m.Address, s})
			}
		}
	}
	if len(slots) < changes/2 {
		b.Fatalf("only %d free slots", len(slots))
	}

	wait := func(roomID string) {
		timeout := time.After(time.Minute)
		for {
			select {
			case e := <-sub.Events():
				if e.RoomID == roomID {
					return
				}
			case <-timeout:
				b.Fatalf("no RoomChanged for %s", roomID)
			}
		}
	}
	drain := func() {
		for {
			select {
			case <-sub.Events():
			default:
				return
			}
		}
	}
	var lat []time.Duration
	round := 0
	for range b.N {
		// Every round books its meetings half an hour later, so rounds
		// never meet; six rounds fill the evening.
		if round == 6 {
			b.Fatalf("more than %d rounds: run with -benchtime 1x", round)
		}
		shift := time.Duration(round) * 30 * time.Minute
		round++
		for i, s := range slots {
			start := s.start.Add(shift)
			drain()
			t0 := time.Now()
			id, err := sim.AddBooking(s.room, ewstest.Booking{Subject: fmt.Sprintf("Kurzfristig 臨時會議 %d", i), Start: start, End: start.Add(30 * time.Minute)})
			if err != nil {
				b.Fatal(err)
			}
			wait(s.room)
			lat = append(lat, time.Since(t0))

			drain()
			t0 = time.Now()
			if err := sim.UpdateBooking(id, ewstest.Booking{Subject: fmt.Sprintf("Geändert – Müller 改期 %d", i), Start: start, End: start.Add(30 * time.Minute)}); err != nil {
				b.Fatal(err)
			}
			wait(s.room)
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(lat))/float64(b.N), "changes/op")
	b.ReportMetric(ms(lat[len(lat)*50/100]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}
