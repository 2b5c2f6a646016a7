package syncer

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/store"
)

// recordingClock records every timer the syncer arms; apart from the
// immediate first directory refresh its timers never fire, so only
// triggers drive syncs.
type recordingClock struct {
	mu     sync.Mutex
	timers []time.Duration
}

func (c *recordingClock) Now() time.Time { return time.Now() }
func (c *recordingClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	c.timers = append(c.timers, d)
	c.mu.Unlock()
	if d == 0 {
		return realClock{}.NewTimer(0) // the first directory refresh
	}
	return realClock{}.NewTimer(24 * time.Hour)
}

// lastPoll returns the last poll timer armed (either interval), or 0.
func (c *recordingClock) lastPoll() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.timers) - 1; i >= 0; i-- {
		if d := c.timers[i]; d == testPoll || d == testSafety {
			return d
		}
	}
	return 0
}

// watchSource is a fakeSource whose Watch either blocks (notifications
// work) or fails at once, safe for the syncer's goroutines.
type watchSource struct {
	fakeSource
	watchErr error
	mu       sync.Mutex
	syncs    int
	watches  int
}

func (w *watchSource) FullSync(ctx context.Context, m string, win store.Window) (Snapshot, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs++
	return w.fakeSource.FullSync(ctx, m, win)
}

func (w *watchSource) Changes(ctx context.Context, m, token string, win store.Window) (Delta, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs++
	return w.fakeSource.Changes(ctx, m, token, win)
}

func (w *watchSource) Watch(ctx context.Context, ms []string, ch chan<- string) error {
	w.mu.Lock()
	w.watches++
	w.mu.Unlock()
	if w.watchErr != nil {
		return w.watchErr
	}
	// As a real source does for fresh subscriptions: each mailbox once,
	// so a sync runs (and re-arms its poll) while the watch is up.
	for _, m := range ms {
		select {
		case ch <- m:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func (w *watchSource) count() (syncs, watches int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncs, w.watches
}

const (
	testPoll   = 3 * time.Minute
	testSafety = 47 * time.Minute
)

func runPollRig(t *testing.T, src *watchSource) *recordingClock {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := bus.New()
	t.Cleanup(b.Close)
	clk := &recordingClock{}
	s := New(src, db, b, Options{Clock: clk, PollInterval: testPoll, SafetyPollInterval: testSafety, Logf: t.Logf})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return clk
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// While notifications work, a mailbox is polled only at the slow safety
// interval: the idle cost per room is what the benchmark
// BenchmarkIdleRequestsPerRoomHour measures.
func TestPollSlowsWhileWatching(t *testing.T) {
	src := &watchSource{}
	clk := runPollRig(t, src)
	waitFor(t, "a first sync", func() bool { n, _ := src.count(); return n >= 1 })
	waitFor(t, "the poll re-armed at the safety interval", func() bool { return clk.lastPoll() == testSafety })
}

// When no notification channel works, the syncer syncs every watched
// mailbox at once (events may have been lost) and polls at PollInterval.
func TestPollFallsBackWhenWatchFails(t *testing.T) {
	src := &watchSource{watchErr: errors.New("streaming and pull refused")}
	clk := runPollRig(t, src)
	waitFor(t, "the watch attempt", func() bool { _, w := src.count(); return w >= 1 })
	waitFor(t, "a sync after the watch failed", func() bool { n, _ := src.count(); return n >= 2 })
	waitFor(t, "the poll re-armed at PollInterval", func() bool { return clk.lastPoll() == testPoll })
}
