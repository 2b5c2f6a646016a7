package kiosk

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/hubproto"
)

var update = flag.Bool("update", false, "rewrite the markup goldens in testdata/")

// fakeClock is a Clock in simulated time: Advance fires what is due,
// synchronously, on the test goroutine.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	every   time.Duration
	fn      func()
	stopped bool
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d, every time.Duration, fn func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), every: every, fn: fn}
	c.timers = append(c.timers, t)
	return func() {
		c.mu.Lock()
		t.stopped = true
		c.mu.Unlock()
	}
}

func (c *fakeClock) Every(d time.Duration, fn func()) func() { return c.add(d, d, fn) }
func (c *fakeClock) AfterFunc(d time.Duration, fn func()) func() {
	return c.add(d, 0, fn)
}

// Advance moves time forward by d, firing due timers in time order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due *fakeTimer
		live := c.timers[:0]
		for _, t := range c.timers {
			if t.stopped {
				continue
			}
			live = append(live, t)
			if !t.at.After(end) && (due == nil || t.at.Before(due.at)) {
				due = t
			}
		}
		c.timers = live
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now = due.at
		if due.every > 0 {
			due.at = due.at.Add(due.every)
		} else {
			due.stopped = true
		}
		c.mu.Unlock()
		due.fn()
	}
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// fakeHub records actions and answers with the next queued answer.
type fakeHub struct {
	mu      sync.Mutex
	reqs    []hubproto.ActionRequest
	answers []fakeAnswer
}

type fakeAnswer struct {
	res hubproto.ActionResult
	err error
}

func (h *fakeHub) Act(_ context.Context, req hubproto.ActionRequest) (hubproto.ActionResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, req)
	if len(h.answers) == 0 {
		return hubproto.ActionResult{RequestID: req.RequestID, OK: true}, nil
	}
	a := h.answers[0]
	h.answers = h.answers[1:]
	a.res.RequestID = req.RequestID
	return a.res, a.err
}

// syncRun makes a bridge run UI work inline and queue background work, so
// a test sees the progress state and then runs the hub call itself.
type syncRun struct{ queue []func() }

func (s *syncRun) install(b *bridge) {
	b.do = func(f func()) { f() }
	b.run = func(f func()) { s.queue = append(s.queue, f) }
}

// flush runs the queued background work (hub calls) on the test goroutine.
func (s *syncRun) flush() {
	for len(s.queue) > 0 {
		f := s.queue[0]
		s.queue = s.queue[1:]
		f()
	}
}

var (
	taipei = mustZone("Asia/Taipei")
	zurich = mustZone("Europe/Zurich")
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a Monday in March 2026 in loc.
func at(loc *time.Location, h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, loc) }

// checkMarkup compares the canvas with testdata/name.xml (-update rewrites
// it); a difference is written to testdata/failed/name.xml.
func checkMarkup(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	got := test.RenderToMarkup(c)
	path := filepath.Join("testdata", name+".xml")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		_ = os.MkdirAll(filepath.Join("testdata", "failed"), 0o755)
		_ = os.WriteFile(filepath.Join("testdata", "failed", name+".xml"), []byte(got), 0o644)
		t.Errorf("%s: markup differs (-want +got):\n%s", name, diff)
	}
}

// capture writes the window's pixels to testdata/name.png for people to
// look at; they are not compared, since rasterisation differs by font.
func capture(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	img := w.Canvas().Capture()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
