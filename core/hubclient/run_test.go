package hubclient_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubclient/hubtest"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store/devicecache"
)

func openCache(t *testing.T, path string, now time.Time) *devicecache.Cache {
	t.Helper()
	c, err := devicecache.Open(context.Background(), path, devicecache.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The cached state reaches the screen before any connection is made.
func TestCachedStateFirst(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, dev := h.AddDevice("Tür 1", "r-1", "r-2")
	cache := openCache(t, filepath.Join(t.TempDir(), "cache.db"), t0)
	cached := hubproto.Snapshot{Protocol: 1, Seq: 2, Hub: hubproto.HubInfo{Name: "Hub Test", Epoch: "epoch-1"}, Device: dev,
		Rooms: []hubproto.RoomView{view("r-1", "Großer Saal (alt)")}}
	if err := cache.SaveSnapshot(context.Background(), cached); err != nil {
		t.Fatal(err)
	}

	g := &gate{}
	g.block()
	o := opts(t, srv.URL, tok)
	o.Cache, o.DialContext = cache, g.dial
	rec, _ := run(t, newClient(t, o))

	first := rec.next(t, "from the cache", func(hubclient.State) bool { return true })
	want := hubclient.State{Rooms: cached.Rooms, Seq: 2, Epoch: "epoch-1", Hub: cached.Hub, Device: dev, Since: t0}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first state (-want +got):\n%s", diff)
	}
	if got := first.Age(t0.Add(90 * time.Minute)); got != 90*time.Minute {
		t.Errorf("Age = %v, want 1h30m", got)
	}

	g.open()
	live := rec.next(t, "online", online(h.Seq()))
	if diff := cmp.Diff([]string{"r-1", "r-2"}, roomIDs(live)); diff != "" {
		t.Errorf("live rooms (-want +got):\n%s", diff)
	}
	if live.LastError != nil || live.Age(time.Now().Add(time.Hour)) != 0 {
		t.Errorf("online state has error %v or an age", live.LastError)
	}
}

// A snapshot, then live changes, each applied once and saved.
func TestSnapshotThenLive(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Etage 3", "r-1", "r-2", "r-3")
	path := filepath.Join(t.TempDir(), "cache.db")
	o := opts(t, srv.URL, tok)
	o.Cache = openCache(t, path, t0)
	rec, _ := run(t, newClient(t, o))

	s := rec.next(t, "after the snapshot", online(3))
	if diff := cmp.Diff([]string{"r-1", "r-3", "r-2"}, roomIDs(s)); diff != "" {
		t.Errorf("rooms sorted by name (-want +got):\n%s", diff)
	}
	if s.Device.Mode != hubproto.ModeFloor || s.Epoch != "epoch-1" {
		t.Errorf("device mode %q, epoch %q", s.Device.Mode, s.Epoch)
	}
	waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })

	changed := view("r-2", "會議室 台北", "季度回顧", "周会")
	seq := h.SetRoom(changed)
	s = rec.next(t, "with the change", online(seq))
	if got, _ := s.Room("r-2"); !cmp.Equal(changed, got) {
		t.Errorf("r-2 = %+v, want %+v", got, changed)
	}
	seq = h.RemoveRoom("r-3")
	s = rec.next(t, "after the removal", online(seq))
	if diff := cmp.Diff([]string{"r-1", "r-2"}, roomIDs(s)); diff != "" {
		t.Errorf("rooms after removal (-want +got):\n%s", diff)
	}
	// Another device's room changing reaches nobody here.
	h.AddDevice("Andere", "r-9")
	h.SetRoom(view("r-9", "Fremd"))
	seq = h.SetRoom(view("r-1", "Großer Saal", "Kick-off", "Retro"))
	s = rec.next(t, "after a gap", online(seq))
	if _, ok := s.Room("r-9"); ok {
		t.Error("a room of another device was delivered")
	}

	// Every change is in the cache.
	got, err := o.Cache.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Rooms, got.Rooms, cmpopts.SortSlices(func(a, b hubproto.RoomView) bool { return a.ID < b.ID })); diff != "" {
		t.Errorf("cache rooms (-live +cache):\n%s", diff)
	}
	if got.Seq != seq {
		t.Errorf("cache seq %d, want %d", got.Seq, seq)
	}
}

// A dropped stream resumes with since=the last applied sequence; rooms
// changed meanwhile arrive once each, and replayed frames are ignored.
func TestResumeAfterDrop(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Etage 3", "r-1", "r-2")
	g := &gate{}
	o := opts(t, srv.URL, tok)
	o.DialContext = g.dial
	rec, _ := run(t, newClient(t, o))
	before := h.Seq()
	rec.next(t, "online", online(before))
	waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })

	g.block()
	h.DropStreams()
	rec.next(t, "offline after the drop", offline)
	h.SetRoom(view("r-1", "Großer Saal", "v2"))
	r1 := view("r-1", "Großer Saal", "v3")
	s1 := h.SetRoom(r1)
	h.SetRoom(view("r-3", "Raum Köln", "nicht sichtbar"))
	r2 := view("r-2", "會議室 台北", "新")
	s2 := h.SetRoom(r2)
	g.open()

	last := rec.next(t, "resumed", online(s2))
	if diff := cmp.Diff([]uint64{before, before}, h.StreamSinces()); diff != "" {
		t.Errorf("stream since values (-want +got):\n%s", diff)
	}
	if n := h.Snapshots(); n != 1 {
		t.Errorf("%d snapshots; a resume needs none", n)
	}
	// After the drop: hello at the old sequence, then each changed room
	// once, in order.
	var seqs []uint64
	all := rec.all()
	drop := slices.IndexFunc(all, offline)
	for _, s := range all[drop+1:] {
		seqs = append(seqs, s.Seq)
	}
	if diff := cmp.Diff([]uint64{before, s1, s2}, seqs); diff != "" {
		t.Errorf("sequence of delivered states after the drop (-want +got):\n%s", diff)
	}
	if got, _ := last.Room("r-1"); !cmp.Equal(r1, got) {
		t.Errorf("r-1 = %+v, want v3", got)
	}

	// A replayed old frame (a hub bug or a duplicate) must not be applied.
	stale := view("r-1", "Großer Saal", "alt")
	h.SendFrame(hubproto.Frame{Type: hubproto.FrameRoom, Seq: s1, Room: &stale})
	s3 := h.SetRoom(view("r-2", "會議室 台北", "最新"))
	s := rec.next(t, "after the replay", online(s3))
	if got, _ := s.Room("r-1"); !cmp.Equal(r1, got) {
		t.Errorf("replayed frame applied: r-1 = %+v", got)
	}
	for _, st := range rec.all() {
		if got, _ := st.Room("r-1"); len(got.Bookings) > 0 && got.Bookings[0].Subject == "alt" {
			t.Fatalf("a state showed the replayed frame: %+v", st)
		}
	}
}

// The hub asks for a new snapshot: on a live stream (scope changed), and
// when the backlog no longer reaches back to since.
func TestResync(t *testing.T) {
	t.Run("frame", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		tok, dev := h.AddDevice("Etage 3", "r-1", "r-2")
		rec, _ := run(t, newClient(t, opts(t, srv.URL, tok)))
		rec.next(t, "online", online(h.Seq()))
		waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
		h.SetDeviceRooms(dev.ID, "r-1", "r-3")
		s := rec.next(t, "after the resync", func(s hubclient.State) bool {
			_, ok := s.Room("r-3")
			return s.Online && ok
		})
		if diff := cmp.Diff([]string{"r-1", "r-3"}, roomIDs(s)); diff != "" {
			t.Errorf("rooms after resync (-want +got):\n%s", diff)
		}
		if n := h.Snapshots(); n != 2 {
			t.Errorf("%d snapshots, want 2", n)
		}
	})
	t.Run("backlog gone", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		tok, _ := h.AddDevice("Etage 3", "r-1", "r-2")
		g := &gate{}
		o := opts(t, srv.URL, tok)
		o.DialContext = g.dial
		rec, _ := run(t, newClient(t, o))
		before := h.Seq()
		rec.next(t, "online", online(before))
		waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
		g.block()
		h.DropStreams()
		rec.next(t, "offline", offline)
		h.SetRoom(view("r-1", "Großer Saal", "neu"))
		after := h.SetRoom(view("r-2", "會議室 台北", "新"))
		h.ForgetBefore(after)
		g.open()
		rec.next(t, "after the new snapshot", online(after))
		waitHub(t, h, "stream after resync", func() bool { return len(h.StreamSinces()) == 3 })
		if diff := cmp.Diff([]uint64{before, before, after}, h.StreamSinces()); diff != "" {
			t.Errorf("stream since values (-want +got):\n%s", diff)
		}
		if n := h.Snapshots(); n != 2 {
			t.Errorf("%d snapshots, want 2", n)
		}
	})
	t.Run("epoch", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		tok, _ := h.AddDevice("Etage 3", "r-1", "r-2")
		rec, _ := run(t, newClient(t, opts(t, srv.URL, tok)))
		rec.next(t, "online", online(h.Seq()))
		waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
		h.Restart("epoch-2")
		s := rec.next(t, "in the new epoch", func(s hubclient.State) bool { return s.Online && s.Epoch == "epoch-2" })
		if s.Seq != h.Seq() || len(s.Rooms) != 2 {
			t.Errorf("after restart: seq %d (hub %d), %d rooms", s.Seq, h.Seq(), len(s.Rooms))
		}
	})
}

func TestRevoked(t *testing.T) {
	t.Run("while streaming", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		tok, dev := h.AddDevice("Tür 1", "r-1")
		rec, result := run(t, newClient(t, opts(t, srv.URL, tok)))
		rec.next(t, "online", online(h.Seq()))
		waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
		h.Revoke(dev.ID)
		if err := <-result; !errors.Is(err, hubclient.ErrRevoked) {
			t.Fatalf("Run = %v, want ErrRevoked", err)
		}
		s := rec.next(t, "revoked", offline)
		if !errors.Is(s.LastError, hubclient.ErrRevoked) || len(s.Rooms) != 1 {
			t.Errorf("last state: error %v, %d rooms; want ErrRevoked and the rooms kept", s.LastError, len(s.Rooms))
		}
	})
	t.Run("bad token", func(t *testing.T) {
		_, srv := startHub(t, hubtest.Options{})
		c := newClient(t, opts(t, srv.URL, "falsch"))
		_, result := run(t, c)
		err := <-result
		var herr *hubproto.Error
		if !errors.Is(err, hubclient.ErrRevoked) || !errors.As(err, &herr) || herr.Code != hubproto.ErrorCodeUnauthorized {
			t.Fatalf("Run = %v, want ErrRevoked with the hub's unauthorized error", err)
		}
	})
}

// A frame over hubproto.MaxFrameBytes closes the stream (not the client),
// which then reconnects.
func TestOversizedFrame(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Tür 1", "r-1")
	rec, _ := run(t, newClient(t, opts(t, srv.URL, tok)))
	seq := h.Seq()
	rec.next(t, "online", online(seq))
	waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
	h.SendRaw(bytes.Repeat([]byte("x"), hubproto.MaxFrameBytes+1))
	s := rec.next(t, "offline after the big frame", offline)
	if !errors.Is(s.LastError, hubproto.ErrTooLarge) {
		t.Errorf("LastError = %v, want ErrTooLarge", s.LastError)
	}
	rec.next(t, "back online", online(seq))
	if got := len(h.StreamSinces()); got < 2 {
		t.Errorf("%d stream requests, want a reconnect", got)
	}
}

// A stream that stays silent longer than PongWait counts as dead.
func TestSilentStreamReconnects(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{PingPeriod: time.Hour})
	tok, _ := h.AddDevice("Tür 1", "r-1")
	o := opts(t, srv.URL, tok)
	o.PongWait = 50 * time.Millisecond
	rec, _ := run(t, newClient(t, o))
	rec.next(t, "online", online(h.Seq()))
	s := rec.next(t, "offline after silence", offline)
	if s.LastError == nil {
		t.Error("no LastError after the read deadline")
	}
	waitHub(t, h, "a second stream", func() bool { return len(h.StreamSinces()) >= 2 })
}

func TestReport(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, dev := h.AddDevice("Tür 1", "r-1")
	c := newClient(t, opts(t, srv.URL, tok))
	if err := c.Report(context.Background(), hubproto.Report{Version: "0.9.0"}); !errors.Is(err, hubclient.ErrNotConnected) {
		t.Errorf("Report before Run = %v, want ErrNotConnected", err)
	}
	rec, _ := run(t, c)
	seq := h.Seq()
	rec.next(t, "online", online(seq))
	waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
	rep := hubproto.Report{Version: "0.9.0", Platform: "windows/amd64", Screen: "dimmed", Uptime: 3600, ClientNow: t0}
	// The stream may not be registered with the client yet when the hub
	// already counts it; Report then says so and is simply repeated.
	for {
		err := c.Report(context.Background(), rep)
		if err == nil {
			break
		}
		if !errors.Is(err, hubclient.ErrNotConnected) {
			t.Fatalf("Report: %v", err)
		}
		rec.next(t, "any", func(hubclient.State) bool { return true })
	}
	waitHub(t, h, "report", func() bool { d, _ := h.Device(dev.ID); return d.Health != nil })
	got, _ := h.Device(dev.ID)
	want := rep
	want.LastSeq = seq
	if diff := cmp.Diff(&want, got.Health); diff != "" {
		t.Errorf("report at the hub (-want +got):\n%s", diff)
	}
}

// A restarted kiosk shows the last state of the previous run at once.
func TestRestartShowsLastState(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Etage 3", "r-1", "r-2")
	path := filepath.Join(t.TempDir(), "cache.db")
	o := opts(t, srv.URL, tok)
	o.Cache = openCache(t, path, t0)

	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{changed: make(chan struct{})}
	done := make(chan error, 1)
	c := newClient(t, o)
	go func() { done <- c.Run(ctx, rec.on) }()
	rec.next(t, "online", online(h.Seq()))
	waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
	last := rec.next(t, "with the change", online(h.SetRoom(view("r-1", "Großer Saal", "Spätschicht"))))
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}

	g := &gate{}
	g.block()
	o.DialContext = g.dial
	rec2, _ := run(t, newClient(t, o))
	first := rec2.next(t, "from the cache", func(hubclient.State) bool { return true })
	if first.Online || first.Seq != last.Seq {
		t.Errorf("first state after restart: online %v, seq %d; want offline at %d", first.Online, first.Seq, last.Seq)
	}
	if diff := cmp.Diff(last.Rooms, first.Rooms); diff != "" {
		t.Errorf("rooms after restart (-before +after):\n%s", diff)
	}
	g.open()
}

func TestRunTwice(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Tür 1", "r-1")
	c := newClient(t, opts(t, srv.URL, tok))
	rec, _ := run(t, c)
	rec.next(t, "online", online(h.Seq()))
	if err := c.Run(context.Background(), func(hubclient.State) {}); !errors.Is(err, hubclient.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
}

// A frame the client cannot read may hide a change, so it takes a new
// snapshot instead of skipping it.
func TestMalformedFrame(t *testing.T) {
	tests := []struct{ name, frame string }{
		{"room without a room", `{"type":"room","seq":99}`},
		{"unknown type", `{"type":"sparkle","seq":99}`},
		{"not JSON", `{"type":"room","seq":99,"room":{"id":"r-1"`},
		{"not UTF-8", "{\"type\":\"removed\",\"seq\":99,\"roomId\":\"\xff\"}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, srv := startHub(t, hubtest.Options{})
			tok, _ := h.AddDevice("Tür 1", "r-1")
			rec, _ := run(t, newClient(t, opts(t, srv.URL, tok)))
			seq := h.Seq()
			rec.next(t, "online", online(seq))
			waitHub(t, h, "stream open", func() bool { return h.Streams() == 1 })
			h.SendRaw([]byte(tc.frame))
			waitHub(t, h, "a new stream", func() bool { return len(h.StreamSinces()) == 2 })
			if n := h.Snapshots(); n != 2 {
				t.Errorf("%d snapshots, want a second one after the bad frame", n)
			}
			s := rec.all()
			if last := s[len(s)-1]; last.Seq != seq || len(last.Rooms) != 1 {
				t.Errorf("after a bad frame: seq %d, %d rooms; want %d and 1", last.Seq, len(last.Rooms), seq)
			}
		})
	}
}
