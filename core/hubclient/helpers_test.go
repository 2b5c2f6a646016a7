package hubclient_test

import (
	"context"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubclient/hubtest"
	"github.com/roomboard/roomboard/core/hubproto"
)

// waitLimit only bounds waiting for events; nothing asserts durations.
const waitLimit = 60 * time.Second

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func view(id, name string, subjects ...string) hubproto.RoomView {
	v := hubproto.RoomView{ID: id, Name: name, Kind: "room", Capacity: 10, TimeZone: "Europe/Berlin",
		From: t0.Add(-24 * time.Hour), To: t0.Add(60 * 24 * time.Hour), Bookings: []hubproto.BookingView{}}
	for i, s := range subjects {
		start := t0.Add(time.Duration(i+1) * time.Hour)
		v.Bookings = append(v.Bookings, hubproto.BookingView{ID: id + "-" + s, Subject: s, Organizer: "Zoë Bäcker",
			Start: start, End: start.Add(45 * time.Minute)})
	}
	return v
}

// startHub serves a fake hub with three rooms and returns it and its
// server; both close when the test ends.
func startHub(t *testing.T, o hubtest.Options) (*hubtest.Hub, *httptest.Server) {
	t.Helper()
	h := hubtest.New(o)
	h.SetRoom(view("r-1", "Großer Saal", "Kick-off"))
	h.SetRoom(view("r-2", "會議室 台北", "季度回顧"))
	h.SetRoom(view("r-3", "Raum Köln"))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close) // before srv.Close: it does not end WebSockets
	return h, srv
}

// opts are client options for tests: tiny backoffs, logs to t.
func opts(t *testing.T, url, token string) hubclient.Options {
	return hubclient.Options{HubURL: url, Token: token, BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond,
		PairPoll: time.Millisecond, HandshakeTimeout: waitLimit, Version: "0.9.0", Logf: t.Logf}
}

func newClient(t *testing.T, o hubclient.Options) *hubclient.Client {
	t.Helper()
	c, err := hubclient.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// recorder keeps every State Run delivers and lets a test wait for one.
type recorder struct {
	mu      sync.Mutex
	states  []hubclient.State
	changed chan struct{}
	cursor  int
}

func (r *recorder) on(s hubclient.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
	close(r.changed)
	r.changed = make(chan struct{})
}

// next returns the first state after the cursor that satisfies pred and
// moves the cursor past it.
func (r *recorder) next(t *testing.T, what string, pred func(hubclient.State) bool) hubclient.State {
	t.Helper()
	timeout := time.NewTimer(waitLimit)
	defer timeout.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		for ; r.cursor < len(r.states); r.cursor++ {
			if s := r.states[r.cursor]; pred(s) {
				r.cursor++
				r.mu.Unlock()
				return s
			}
		}
		r.mu.Unlock()
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("no state %s within %v", what, waitLimit)
		}
	}
}

// all returns every state delivered so far.
func (r *recorder) all() []hubclient.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hubclient.State(nil), r.states...)
}

// run starts c.Run; the returned channel gets its result. Run is stopped
// and waited for when the test ends.
func run(t *testing.T, c *hubclient.Client) (*recorder, <-chan error) {
	t.Helper()
	rec := &recorder{changed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	result := make(chan error, 1)
	go func() {
		err := c.Run(ctx, rec.on)
		done <- err
		result <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return rec, result
}

func online(seq uint64) func(hubclient.State) bool {
	return func(s hubclient.State) bool { return s.Online && s.Seq == seq }
}

func offline(s hubclient.State) bool { return !s.Online }

// gate is a DialContext that can hold new connections back, to make
// changes happen while a client is disconnected.
type gate struct {
	mu    sync.Mutex
	hold  chan struct{}
	dials int
}

func (g *gate) block() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold == nil {
		g.hold = make(chan struct{})
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold != nil {
		close(g.hold)
		g.hold = nil
	}
}

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	hold := g.hold
	g.dials++
	g.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func waitHub(t *testing.T, h *hubtest.Hub, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.Wait(ctx, cond); err != nil {
		t.Fatalf("hub: %s: %v", what, err)
	}
}

func roomIDs(s hubclient.State) []string {
	var ids []string
	for _, r := range s.Rooms {
		ids = append(ids, r.ID)
	}
	return ids
}
