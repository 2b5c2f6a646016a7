package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// t0 is the tests' "now": Monday 09:30 in Zürich.
var t0 = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// The five rooms of the tests' floor.
const (
	saal    = "grosser-saal@contoso.com"
	huiyi1  = "huiyishi-1@contoso.com"
	huiyi2  = "huiyishi-2@contoso.com"
	mueller = "raum-mueller@contoso.com"
	beamer  = "beamer-mobil@contoso.com"
)

var testRooms = []room.Room{
	{ID: saal, Email: "Grosser-Saal@contoso.com", Name: "Großer Saal (Übergröße)", Capacity: 40, Building: "Zürich Bahnhofstraße",
		Floor: "3. OG", TimeZone: "Europe/Zurich", Equipment: []string{"Beamer", "Videokonferenz"},
		Policy: room.Policy{CheckIn: room.CheckInPolicy{Enabled: true}}},
	{ID: huiyi1, Email: "huiyishi-1@contoso.com", Name: "會議室一", Capacity: 8, Building: "台北總部", Floor: "12F", TimeZone: "Asia/Taipei"},
	{ID: huiyi2, Email: "huiyishi-2@contoso.com", Name: "会议室二", Capacity: 6, Building: "上海", Floor: "5F", TimeZone: "Asia/Shanghai",
		Policy: room.Policy{HideSubject: true, HideOrganizer: true}},
	{ID: mueller, Email: "raum-mueller@contoso.com", Name: "Raum Müller", Capacity: 4, TimeZone: "Europe/Berlin"},
	{ID: beamer, Email: "beamer-mobil@contoso.com", Name: "Mobiler Beamer „Jürgen“", Kind: room.KindEquipment, TimeZone: "Europe/Berlin"},
}

// Secrets that must never leave the hub: a private meeting's subject,
// organizer and attendee, and the subject of a room that hides subjects.
const (
	secretSubject   = "Geheimprojekt Drache 秘密計劃"
	secretOrganizer = "張偉 Zhang Wei"
	secretAttendee  = "Jürgen Großmann"
	hiddenSubject   = "Betriebsrat Lohnverhandlung 工資"
	hiddenOrganizer = "Brigitte Schäfer"
	publicSubject   = "Sprint-Review 衝刺回顧"
)

func booking(roomID, sourceID, subject, organizer string, start time.Time, d time.Duration) room.Booking {
	return room.Booking{RoomID: roomID, SourceID: sourceID, Subject: subject, ICalUID: "uid-" + sourceID,
		Organizer: room.Mailbox{Name: organizer, Email: strings.ToLower(strings.ReplaceAll(organizer, " ", ".")) + "@contoso.com"},
		Attendees: []room.Attendee{{Name: secretAttendee, Email: "juergen.grossmann@contoso.com", Response: room.ResponseAccepted}},
		Start:     start, End: start.Add(d)}
}

// seed fills db with the five rooms and a few bookings, one of them
// private and one in a room that hides subjects and organizers.
func seed(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpsertRooms(ctx, testRooms); err != nil {
		t.Fatal(err)
	}
	private := booking(saal, "AAMk-private", secretSubject, secretOrganizer, t0.Add(30*time.Minute), time.Hour)
	private.Private = true
	for _, c := range []struct {
		room string
		bs   []room.Booking
	}{
		{saal, []room.Booking{private, booking(saal, "AAMk-review", publicSubject, "Anna Müller", t0.Add(-30*time.Minute), 45*time.Minute)}},
		{huiyi1, []room.Booking{booking(huiyi1, "AAMk-zhou", "週會 Weekly", "李娜", t0.Add(2*time.Hour), time.Hour)}},
		{huiyi2, []room.Booking{booking(huiyi2, "AAMk-hidden", hiddenOrganizer+" "+hiddenSubject, hiddenOrganizer, t0.Add(time.Hour), time.Hour)}},
		{mueller, nil},
		{beamer, []room.Booking{booking(beamer, "AAMk-beamer", "Kundentermin Öl AG", "Jörg Öztürk", t0.Add(24*time.Hour), 2*time.Hour)}},
	} {
		var changes []store.Change
		for _, b := range c.bs {
			changes = append(changes, store.Change{Op: store.OpCreate, Booking: b})
		}
		if err := db.ApplyBookingChanges(ctx, c.room, changes, store.SyncState{State: "s0", LastSuccess: t0.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
}

// rig is a seeded store, a bus, a feed and an HTTP server that hands the
// feed the device named in the X-Test-Device header.
type rig struct {
	t       testing.TB
	path    string
	db      *store.DB
	bus     *bus.Bus
	clock   *fakeClock
	now     func() time.Time // the feed's clock: clock.Now, or time.Now with a real source
	feed    *Feed
	srv     *httptest.Server
	devices map[string]hubproto.Device
	opts    FeedOptions
	cancel  context.CancelFunc
	done    chan error
	logs    *logRecorder
	// smallSockets gives accepted connections a tiny send buffer, so a
	// kiosk that does not read blocks the hub's writes after a few frames.
	smallSockets bool
}

// logRecorder keeps log lines for assertions.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
	t     testing.TB // when set, lines go to the test's log too
}

func (l *logRecorder) Logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
	if l.t != nil {
		l.t.Logf(format, args...)
	}
}

func (l *logRecorder) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// Test devices: a room panel with two of the five rooms, and a floor panel
// with all of them.
var (
	panel = hubproto.Device{ID: "dev-panel", Name: "Tür Großer Saal", Mode: hubproto.ModeRoom, Rooms: []string{saal, huiyi2}}
	floor = hubproto.Device{ID: "dev-floor", Name: "Stockwerk 3", Mode: hubproto.ModeFloor, Rooms: []string{saal, huiyi1, huiyi2, mueller, beamer}}
)

func newRig(t testing.TB, o FeedOptions) *rig {
	t.Helper()
	return newRigSockets(t, o, false)
}

func newRigSockets(t testing.TB, o FeedOptions, small bool) *rig {
	t.Helper()
	return newRigDevices(t, o, small, nil)
}

// newRigDevices is newRig with more devices than panel and floor.
func newRigDevices(t testing.TB, o FeedOptions, small bool, extra []hubproto.Device) *rig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed(t, db)
	clock := &fakeClock{t: t0}
	r := &rig{t: t, path: path, db: db, bus: bus.New(), clock: clock, now: clock.Now, logs: &logRecorder{},
		devices: map[string]hubproto.Device{panel.ID: panel, floor.ID: floor}, smallSockets: small}
	for _, d := range extra {
		r.devices[d.ID] = d
	}
	t.Cleanup(r.bus.Close)
	r.opts = o
	r.start()
	return r
}

// start creates and runs a feed on r's store, behind a new HTTP server.
func (r *rig) start() {
	t := r.t
	t.Helper()
	o := r.opts
	o.DB, o.Bus, o.Clock, o.Logf = r.db, r.bus, r.now, r.logs.Logf
	o.HubInfo = hubproto.HubInfo{Name: "Hub Zürich", Version: "test"}
	f, err := NewFeed(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r.feed = f
	mux := http.NewServeMux()
	handle := func(path string, serve func(http.ResponseWriter, *http.Request, hubproto.Device)) {
		mux.HandleFunc(path, func(w http.ResponseWriter, req *http.Request) {
			dev, ok := r.devices[req.Header.Get("X-Test-Device")]
			if !ok {
				http.Error(w, "no device", http.StatusUnauthorized)
				return
			}
			serve(w, req, dev)
		})
	}
	handle(hubproto.PathSnapshot, f.ServeSnapshot)
	handle(hubproto.PathStream, f.ServeStream)
	handle(hubproto.PathActions, f.ServeAction)
	r.srv = httptest.NewUnstartedServer(mux)
	if r.smallSockets {
		r.srv.Listener = smallListener{r.srv.Listener}
	}
	r.srv.Start()
	// Auto-release runs when a test calls releaseRound, not on its own.
	f.releaseEvery = 24 * time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- f.Run(ctx) }()
	t.Cleanup(r.stop)
}

// stop ends the feed's Run (closing its streams) and the HTTP server.
func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
	r.srv.Close()
}

func (r *rig) get(t testing.TB, dev, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Device", dev)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func (r *rig) snapshot(t testing.TB, dev string) (hubproto.Snapshot, []byte) {
	t.Helper()
	resp, body := r.get(t, dev, hubproto.PathSnapshot)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("snapshot: %s: %s", resp.Status, body)
	}
	s, err := hubproto.DecodeSnapshot(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return s, body
}

// client is a test kiosk's stream: raw keeps every message received.
type client struct {
	t   testing.TB
	ws  *websocket.Conn
	raw [][]byte
}

func (r *rig) dial(t testing.TB, dev string, query url.Values) *client {
	t.Helper()
	c, resp, err := r.dialErr(dev, query, nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	return c
}

func (r *rig) dialErr(dev string, query url.Values, header http.Header) (*client, *http.Response, error) {
	if header == nil {
		header = http.Header{}
	}
	header.Set("X-Test-Device", dev)
	u := "ws" + strings.TrimPrefix(r.srv.URL, "http") + hubproto.PathStream
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ws, resp, err := websocket.DefaultDialer.Dial(u, header)
	if err != nil {
		return nil, resp, err
	}
	c := &client{t: r.t, ws: ws}
	r.t.Cleanup(func() { ws.Close() })
	return c, resp, nil
}

func since(seq uint64, epoch string) url.Values {
	v := url.Values{hubproto.SinceParam: {strconv.FormatUint(seq, 10)}}
	if epoch != "" {
		v.Set(hubproto.EpochParam, epoch)
	}
	return v
}

// next reads one frame; the deadline only bounds a broken test.
func (c *client) next() (hubproto.Frame, error) {
	c.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		return hubproto.Frame{}, err
	}
	c.raw = append(c.raw, data)
	if mt != websocket.TextMessage {
		return hubproto.Frame{}, fmt.Errorf("message type %d", mt)
	}
	return hubproto.DecodeFrame(data)
}

func (c *client) mustNext() hubproto.Frame {
	c.t.Helper()
	fr, err := c.next()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return fr
}

// waitFor reads frames until one satisfies ok, and returns it.
func (c *client) waitFor(what string, ok func(hubproto.Frame) bool) hubproto.Frame {
	c.t.Helper()
	for {
		fr, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(fr) {
			return fr
		}
	}
}

// closeCode reads until the stream ends and returns its close code.
func (c *client) closeCode() int {
	c.t.Helper()
	for {
		_, err := c.next()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil && !errors.Is(err, hubproto.ErrInvalid) {
			c.t.Fatalf("stream ended without a close frame: %v", err)
		}
	}
}

// touch adds a booking to roomID as a sync would and publishes the change.
func (r *rig) touch(t testing.TB, roomID, sourceID, subject string, start time.Time) {
	t.Helper()
	b := booking(roomID, sourceID, subject, "Anna Müller", start, 30*time.Minute)
	if err := r.db.ApplyBookingChanges(context.Background(), roomID, []store.Change{{Op: store.OpCreate, Booking: b}},
		store.SyncState{State: sourceID, LastSuccess: t0.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	bus.Publish(r.bus, syncer.RoomChanged{RoomID: roomID})
}

// frameKey is what the stream tests compare of a frame.
type frameKey struct {
	Type, Room string
	Seq        uint64
}

func key(fr hubproto.Frame) frameKey {
	k := frameKey{Type: fr.Type, Seq: fr.Seq, Room: fr.RoomID}
	if fr.Room != nil {
		k.Room = fr.Room.ID
	}
	return k
}

func TestSnapshotAndStreamShowOnlyTheDevicesRooms(t *testing.T) {
	r := newRig(t, FeedOptions{})
	snap, _ := r.snapshot(t, panel.ID)
	if snap.Seq != 5 || snap.Hub.Epoch == "" || snap.Hub.Name != "Hub Zürich" || snap.Protocol != hubproto.Version {
		t.Errorf("snapshot header: seq %d, hub %+v, protocol %d; want seq 5 (one per room) and the hub's epoch", snap.Seq, snap.Hub, snap.Protocol)
	}
	var ids []string
	for _, v := range snap.Rooms {
		ids = append(ids, v.ID)
		want, err := r.feed.RoomView(context.Background(), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Errorf("snapshot of %s differs from RoomView (-want +got):\n%s", v.ID, diff)
		}
	}
	if diff := cmp.Diff([]string{saal, huiyi2}, ids); diff != "" {
		t.Errorf("snapshot rooms (-want +got):\n%s", diff)
	}
	saalView := snap.Rooms[0]
	wantFrom := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Add(-time.Hour) // midnight in Zürich
	if !saalView.From.Equal(wantFrom) || !saalView.To.Equal(wantFrom.Add(DefaultHorizon)) || len(saalView.Bookings) != 2 {
		t.Errorf("Großer Saal: %v … %v with %d bookings; want the local day from %v for 7 days, 2 bookings", saalView.From, saalView.To, len(saalView.Bookings), wantFrom)
	}

	c := r.dial(t, panel.ID, since(snap.Seq, snap.Hub.Epoch))
	if hello := c.mustNext(); hello.Type != hubproto.FrameHello || hello.Seq != snap.Seq || hello.Hub == nil || hello.Hub.Epoch != snap.Hub.Epoch {
		t.Fatalf("first frame = %+v, want hello at %d", hello, snap.Seq)
	}
	// huiyi1 and mueller are not the panel's: numbered, never sent to it.
	r.touch(t, huiyi1, "AAMk-n1", "Nicht für dich", t0.Add(3*time.Hour))
	r.touch(t, huiyi2, "AAMk-n2", "Neu 新", t0.Add(3*time.Hour))
	r.touch(t, mueller, "AAMk-n3", "Auch nicht", t0.Add(3*time.Hour))
	r.touch(t, saal, "AAMk-n4", "Ad-hoc", t0.Add(3*time.Hour))
	var got []frameKey
	for len(got) < 2 {
		fr := c.mustNext()
		got = append(got, key(fr))
		if fr.Room != nil {
			want, _ := r.feed.RoomView(context.Background(), fr.Room.ID)
			if diff := cmp.Diff(want, *fr.Room); diff != "" {
				t.Errorf("frame %d differs from the room's view (-want +got):\n%s", fr.Seq, diff)
			}
		}
	}
	want := []frameKey{{hubproto.FrameRoom, huiyi2, 7}, {hubproto.FrameRoom, saal, 9}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("live frames (-want +got):\n%s", diff)
	}
	if st := r.feed.Stats(); st.LastSeq != 9 || st.Connections != 1 || st.Rooms != 5 {
		t.Errorf("stats = %+v", st)
	}

	// A stream from the beginning sends every room of the device once,
	// in sequence order.
	c0 := r.dial(t, floor.ID, nil)
	got = nil
	for len(got) < 6 {
		got = append(got, key(c0.mustNext()))
	}
	want = []frameKey{{hubproto.FrameHello, "", 9}, {hubproto.FrameRoom, beamer, 1},
		{hubproto.FrameRoom, huiyi1, 6}, {hubproto.FrameRoom, huiyi2, 7}, {hubproto.FrameRoom, mueller, 8}, {hubproto.FrameRoom, saal, 9}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream from 0 (-want +got):\n%s", diff)
	}
}

func TestResumeHasNoGapAndNoDuplicate(t *testing.T) {
	r := newRig(t, FeedOptions{})
	snap, _ := r.snapshot(t, floor.ID)
	epoch := snap.Hub.Epoch
	c := r.dial(t, floor.ID, since(snap.Seq, epoch))
	c.mustNext() // hello
	r.touch(t, saal, "AAMk-r1", "Eins", t0.Add(4*time.Hour))
	last := c.mustNext()
	c.ws.Close()

	// While the kiosk is away: the Saal changes twice, the Beamer once,
	// and a room disappears. Each change is numbered before the next, so
	// the numbers are known.
	r.touch(t, saal, "AAMk-r2", "Zwei", t0.Add(5*time.Hour))
	waitSeq(t, r.feed, last.Seq+1)
	r.touch(t, beamer, "AAMk-r3", "Drei", t0.Add(5*time.Hour))
	waitSeq(t, r.feed, last.Seq+2)
	r.touch(t, saal, "AAMk-r4", "Vier", t0.Add(6*time.Hour))
	waitSeq(t, r.feed, last.Seq+3)
	if err := r.db.RemoveRoom(context.Background(), mueller); err != nil {
		t.Fatal(err)
	}
	bus.Publish(r.bus, syncer.RoomChanged{RoomID: mueller, Removed: true})
	waitSeq(t, r.feed, last.Seq+4)

	c = r.dial(t, floor.ID, since(last.Seq, epoch))
	var got []frameKey
	for len(got) < 4 {
		got = append(got, key(c.mustNext()))
	}
	s := last.Seq
	want := []frameKey{{hubproto.FrameHello, "", s + 4}, {hubproto.FrameRoom, beamer, s + 2},
		{hubproto.FrameRoom, saal, s + 3}, {hubproto.FrameRemoved, mueller, s + 4}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resume (-want +got):\n%s", diff)
	}
	if snap2, _ := r.snapshot(t, floor.ID); len(snap2.Rooms) != 4 {
		t.Errorf("snapshot after removal has %d rooms, want 4", len(snap2.Rooms))
	}

	for _, tc := range []struct {
		name  string
		query url.Values
	}{
		{"since beyond the hub", since(s+100, epoch)},
		{"another epoch", since(s, "0123456789abcdef")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial(t, floor.ID, tc.query)
			var got []frameKey
			got = append(got, key(c.mustNext()), key(c.mustNext()))
			want := []frameKey{{hubproto.FrameHello, "", s + 4}, {hubproto.FrameResync, "", s + 4}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if code := c.closeCode(); code != websocket.CloseNormalClosure {
				t.Errorf("close code %d", code)
			}
		})
	}
}

// waitSeq waits until the feed has numbered up to seq.
func waitSeq(t testing.TB, f *Feed, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for f.Stats().LastSeq < seq {
		if time.Now().After(deadline) {
			t.Fatalf("feed stuck at %d, want %d", f.Stats().LastSeq, seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRestartMidStreamResumesExactly(t *testing.T) {
	r := newRig(t, FeedOptions{})
	snap, _ := r.snapshot(t, floor.ID)
	c := r.dial(t, floor.ID, since(snap.Seq, snap.Hub.Epoch))
	c.mustNext()
	r.touch(t, huiyi1, "AAMk-a", "Vor dem Neustart", t0.Add(4*time.Hour))
	last := c.mustNext()

	r.stop()
	if code := c.closeCode(); code != websocket.CloseGoingAway {
		t.Errorf("close code at shutdown = %d, want going away", code)
	}
	// Changes the old hub never heard of: synced while it was down.
	ctx := context.Background()
	for _, id := range []string{beamer, huiyi2} {
		b := booking(id, "AAMk-down-"+id, "Während der Pause", "Li Na", t0.Add(5*time.Hour), time.Hour)
		if err := r.db.ApplyBookingChanges(ctx, id, []store.Change{{Op: store.OpCreate, Booking: b}}, store.SyncState{}); err != nil {
			t.Fatal(err)
		}
	}
	r.start()
	if snap2, _ := r.snapshot(t, floor.ID); snap2.Hub.Epoch != snap.Hub.Epoch {
		t.Fatalf("epoch changed across a restart: %s → %s", snap.Hub.Epoch, snap2.Hub.Epoch)
	}
	c = r.dial(t, floor.ID, since(last.Seq, snap.Hub.Epoch))
	var got []frameKey
	for len(got) < 3 {
		got = append(got, key(c.mustNext()))
	}
	s := last.Seq
	want := []frameKey{{hubproto.FrameHello, "", s + 2}, {hubproto.FrameRoom, beamer, s + 1}, {hubproto.FrameRoom, huiyi2, s + 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resume after restart (-want +got):\n%s", diff)
	}
	r.touch(t, saal, "AAMk-b", "Nach dem Neustart", t0.Add(4*time.Hour))
	if fr := key(c.mustNext()); fr != (frameKey{hubproto.FrameRoom, saal, s + 3}) {
		t.Errorf("live frame after restart = %+v", fr)
	}
}

// killEnv switches TestHelperProcess into the killed hub: it names the
// database. killTarget is how many frames the parent waits for.
const (
	killEnv    = "ROOMBOARD_FEED_KILL_DB"
	killTarget = 150
)

// TestHelperProcess is the hub that TestSIGKILLLosesNothing kills: it runs
// a feed under load (two writers changing rooms all the time) and
// prints every frame a floor kiosk receives, as "seq room", to stdout.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(killEnv)
	if path == "" {
		t.Skip("only runs as the child of TestSIGKILLLosesNothing")
	}
	if err := runKilledHub(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func runKilledHub(path string) error {
	ctx := context.Background()
	// Writers queue on SQLite's lock; under -race on a busy machine the
	// default 5 s can run out.
	db, err := store.Open(ctx, path, store.WithBusyTimeout(time.Minute))
	if err != nil {
		return err
	}
	b := bus.New()
	f, err := NewFeed(ctx, FeedOptions{DB: db, Bus: b, Clock: func() time.Time { return t0 }, Logf: func(string, ...any) {}})
	if err != nil {
		return err
	}
	go f.Run(ctx)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.ServeStream(w, r, floor) }))
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	for w := range 2 {
		go func() {
			for n := 0; ; n++ {
				id := floor.Rooms[(w+n)%len(floor.Rooms)]
				bk := booking(id, fmt.Sprintf("AAMk-kill-%d-%d", w, n), fmt.Sprintf("Last %d/%d", w, n), "Anna Müller",
					t0.Add(time.Duration(n%100)*time.Minute), 15*time.Minute)
				if err := db.ApplyBookingChanges(ctx, id, []store.Change{{Op: store.OpCreate, Booking: bk}}, store.SyncState{LastSuccess: t0}); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				bus.Publish(b, syncer.RoomChanged{RoomID: id})
				time.Sleep(5 * time.Millisecond) // leave the feed a turn at the write lock
			}
		}()
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		fr, err := hubproto.DecodeFrame(data)
		if err != nil {
			return err
		}
		if fr.Type == hubproto.FrameRoom {
			fmt.Fprintf(out, "%d %s\n", fr.Seq, fr.Room.ID)
			out.Flush()
		}
	}
}

// TestSIGKILLLosesNothing kills a hub under load with SIGKILL and checks
// what the next hub makes of its database: every number a kiosk saw was
// consecutive and stays taken, every room's stored number is at least the
// last one seen for it, and every change committed before the kill is in
// the next hub's views, numbered above anything a kiosk saw.
func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), killEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]uint64{} // room → last number a kiosk saw
	var seqs []uint64
	sc := bufio.NewScanner(stdout)
	for len(seqs) < killTarget && sc.Scan() {
		var seq uint64
		var id string
		if _, err := fmt.Sscanf(sc.Text(), "%d %s", &seq, &id); err != nil {
			continue // test framework output
		}
		seqs = append(seqs, seq)
		seen[id] = seq
	}
	cmd.Process.Kill() // SIGKILL
	go io.Copy(io.Discard, stdout)
	cmd.Wait()
	if len(seqs) < killTarget {
		t.Fatalf("child printed %d frames before it ended: %s", len(seqs), stderr.String())
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("kiosk saw %d after %d: a gap or a repeat", seqs[i], seqs[i-1])
		}
	}

	ctx := context.Background()
	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := db.FeedState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := seqs[len(seqs)-1]
	if st.Seq < last {
		t.Fatalf("stored sequence %d is below %d, which a kiosk saw: numbers would be reused", st.Seq, last)
	}
	rooms, err := db.FeedRooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range rooms {
		if fr.Seq < seen[fr.RoomID] || fr.Seq > st.Seq {
			t.Errorf("room %s stored at %d; a kiosk saw %d, the feed is at %d", fr.RoomID, fr.Seq, seen[fr.RoomID], st.Seq)
		}
	}

	f, err := NewFeed(ctx, FeedOptions{DB: db, Clock: func() time.Time { return t0 }, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	snap := f.snapshot(floor)
	if snap.Seq < st.Seq {
		t.Errorf("new hub at %d, below the stored %d", snap.Seq, st.Seq)
	}
	for _, v := range snap.Rooms {
		want, err := f.RoomView(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Errorf("room %s after the crash misses committed changes (-store +feed):\n%s", v.ID, diff)
		}
	}
	got, _, err := db.AdvanceFeed(ctx, []store.FeedRoom{{RoomID: saal, ViewHash: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seq != snap.Seq+1 {
		t.Errorf("next number %d, want %d", got[0].Seq, snap.Seq+1)
	}
}

// dialSmall dials with a tiny receive buffer, so a client that does not
// read fills its socket quickly.
func dialSmall(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	return c, err
}

// smallListener gives accepted connections a tiny send buffer.
type smallListener struct{ net.Listener }

func (l smallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}
