package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// fakeWriter records the writes it is asked for and fails with err when
// set.
type fakeWriter struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (w *fakeWriter) record(format string, args ...any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, fmt.Sprintf(format, args...))
	return w.err
}

func (w *fakeWriter) setErr(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

// take returns and forgets the calls so far.
func (w *fakeWriter) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.calls
	w.calls = nil
	return c
}

func hm(t time.Time) string { return t.UTC().Format("15:04") }

func (w *fakeWriter) Book(ctx context.Context, actor string, r syncer.BookRequest) (room.Booking, error) {
	if err := w.record("%s book %s %s–%s %s", actor, r.RoomID, hm(r.Start), hm(r.End), r.Subject); err != nil {
		return room.Booking{}, err
	}
	return room.Booking{ID: "new-" + r.RoomID, RoomID: r.RoomID, SourceID: "AAMk-new", Subject: r.Subject,
		Organizer: room.Mailbox{Name: "Roomboard Delegate", Email: "roomboard@contoso.com"}, Start: r.Start, End: r.End}, nil
}

func (w *fakeWriter) Extend(ctx context.Context, actor, id string, end time.Time) error {
	return w.record("%s extend %s %s", actor, id, hm(end))
}

func (w *fakeWriter) End(ctx context.Context, actor, id string, at time.Time) error {
	return w.record("%s end %s %s", actor, id, hm(at))
}

func (w *fakeWriter) Release(ctx context.Context, actor, id string) error {
	return w.record("%s release %s", actor, id)
}

// post sends an action body (a value or a raw string) as dev.
func (r *rig) post(t testing.TB, dev string, body any) (int, hubproto.ActionResult, []byte) {
	t.Helper()
	var data []byte
	switch b := body.(type) {
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, r.srv.URL+hubproto.PathActions, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Device", dev)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var res hubproto.ActionResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("answer %s is not an ActionResult: %v", raw, err)
	}
	return resp.StatusCode, res, raw
}

// IDs of the seeded bookings.
var (
	reviewID  = store.BookingID(saal, "AAMk-review")  // 08:00–08:45, now 08:30
	privateID = store.BookingID(saal, "AAMk-private") // 09:00–10:00
	zhouID    = store.BookingID(huiyi1, "AAMk-zhou")
)

func TestActions(t *testing.T) {
	w := &fakeWriter{}
	r := newRig(t, FeedOptions{Writer: w})
	actor := "device:" + floor.ID
	type want struct {
		Status int
		Code   string   // error code, or "" for OK
		Calls  []string // the writes made
	}
	for _, tc := range []struct {
		name string
		dev  string
		at   time.Time // clock; zero is t0
		err  error     // the writer fails with it
		req  hubproto.ActionRequest
		want want
	}{
		{name: "book now for 30 minutes", req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30},
			want: want{200, "", []string{actor + " book raum-mueller@contoso.com 08:30–09:00 " + DefaultBookSubject}}},
		{name: "book until", req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Until: t0.Add(45 * time.Minute), Subject: "Kurzes Gespräch 短會"},
			want: want{200, "", []string{actor + " book raum-mueller@contoso.com 08:30–09:15 Kurzes Gespräch 短會"}}},
		{name: "book a busy room", req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: saal, Minutes: 15},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "book into the next meeting", req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: huiyi1, Minutes: 150},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "book until past 24 hours", req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Until: t0.Add(25 * time.Hour)},
			want: want{400, hubproto.ErrorCodeInvalid, nil}},
		{name: "room declines", err: &syncer.DeclinedError{RoomID: mueller, Reason: "outside working hours"},
			req:  hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30},
			want: want{409, hubproto.ErrorCodeDeclined, []string{actor + " book raum-mueller@contoso.com 08:30–09:00 " + DefaultBookSubject}}},
		{name: "Exchange has a conflict", err: fmt.Errorf("ews: %w", syncer.ErrConflict),
			req:  hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30},
			want: want{409, hubproto.ErrorCodeConflict, []string{actor + " book raum-mueller@contoso.com 08:30–09:00 " + DefaultBookSubject}}},
		{name: "Exchange is busy", err: &syncer.BackOffError{Delay: 1500 * time.Millisecond, Err: fmt.Errorf("ErrorServerBusy")},
			req:  hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30},
			want: want{503, hubproto.ErrorCodeUnavailable, []string{actor + " book raum-mueller@contoso.com 08:30–09:00 " + DefaultBookSubject}}},
		{name: "room of another device", dev: panel.ID, req: hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30},
			want: want{403, hubproto.ErrorCodeForbidden, nil}},
		{name: "extend into a free slot", req: hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: saal, BookingID: reviewID, Minutes: 15},
			want: want{200, "", []string{actor + " extend " + reviewID + " 09:00"}}},
		{name: "extend into the next meeting", req: hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: saal, BookingID: reviewID, Minutes: 30},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "end early", req: hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: reviewID},
			want: want{200, "", []string{actor + " end " + reviewID + " 08:30"}}},
		{name: "end what has not started", req: hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: privateID},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "end what is over", at: t0.Add(time.Hour), req: hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: reviewID},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "unknown booking", req: hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: "no-such-booking"},
			want: want{404, hubproto.ErrorCodeNotFound, nil}},
		{name: "booking of another room", req: hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: zhouID},
			want: want{404, hubproto.ErrorCodeNotFound, nil}},
		{name: "booking gone in Exchange", err: fmt.Errorf("ews: %w", syncer.ErrNotFound),
			req:  hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: saal, BookingID: reviewID},
			want: want{404, hubproto.ErrorCodeNotFound, []string{actor + " end " + reviewID + " 08:30"}}},
		{name: "check in too early", req: hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: saal, BookingID: privateID},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "check in after the window", req: hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: saal, BookingID: reviewID},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
		{name: "check in", at: t0.Add(25 * time.Minute), req: hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: saal, BookingID: privateID},
			want: want{200, "", nil}},
		{name: "check in again", at: t0.Add(27 * time.Minute), req: hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: saal, BookingID: privateID},
			want: want{200, "", nil}},
		{name: "check in where check-in is off", req: hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: huiyi1, BookingID: zhouID},
			want: want{409, hubproto.ErrorCodeConflict, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = t0
			}
			r.clock.Set(at)
			w.setErr(tc.err)
			dev := tc.dev
			if dev == "" {
				dev = floor.ID
			}
			tc.req.RequestID = "req " + tc.name
			status, res, raw := r.post(t, dev, tc.req)
			var code string
			if res.Error != nil {
				code = res.Error.Code
			}
			got := want{status, code, w.take()}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("answer %s (-want +got):\n%s", raw, diff)
			}
			if res.RequestID != tc.req.RequestID || res.OK != (status == 200) {
				t.Errorf("result %s: requestId or ok wrong", raw)
			}
			if status == 200 && (res.Booking == nil || res.Room == nil || res.Room.ID != tc.req.RoomID) {
				t.Errorf("OK without booking and room: %s", raw)
			}
		})
	}

	// The check-in is stored and audited.
	ctx := context.Background()
	b, err := r.db.Booking(ctx, privateID)
	if err != nil {
		t.Fatal(err)
	}
	if !b.CheckedInAt.Equal(t0.Add(25 * time.Minute)) {
		t.Errorf("checked in at %v, want the first check-in", b.CheckedInAt)
	}
	audit, err := r.db.ListAudit(ctx, store.AuditQuery{Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 || audit[0].Action != "booking.check-in" || audit[0].Target != privateID {
		t.Errorf("audit = %+v, want one check-in", audit)
	}
}

func TestActionResultOfBookNow(t *testing.T) {
	w := &fakeWriter{}
	r := newRig(t, FeedOptions{Writer: w})
	status, res, raw := r.post(t, floor.ID, hubproto.ActionRequest{RequestID: "a1", Kind: hubproto.ActionBook, RoomID: huiyi2, Minutes: 20,
		Subject: "Brigitte Schäfer Kurzbesprechung"})
	if status != 200 {
		t.Fatalf("book: %d %s", status, raw)
	}
	// huiyi2 hides subjects and organizers: the result does too.
	want := hubproto.BookingView{ID: "new-" + huiyi2, Start: t0, End: t0.Add(20 * time.Minute), Masked: true, Mine: true}
	if diff := cmp.Diff(&want, res.Booking); diff != "" {
		t.Errorf("booking (-want +got):\n%s", diff)
	}
	view, err := r.feed.RoomView(context.Background(), huiyi2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&view, res.Room); diff != "" {
		t.Errorf("room (-want +got):\n%s", diff)
	}
}

func TestActionReplay(t *testing.T) {
	w := &fakeWriter{}
	r := newRig(t, FeedOptions{Writer: w})
	book := hubproto.ActionRequest{RequestID: "kiosk-7f3a", Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 30}
	s1, _, raw1 := r.post(t, floor.ID, book)
	s2, _, raw2 := r.post(t, floor.ID, book)
	if s1 != 200 || s2 != 200 || string(raw1) != string(raw2) {
		t.Errorf("replay answered %d %s, first %d %s", s2, raw2, s1, raw1)
	}
	if calls := w.take(); len(calls) != 1 {
		t.Errorf("writer called %d times for one RequestID: %q", len(calls), calls)
	}
	// The same RequestID from another device is another action.
	if s, _, raw := r.post(t, panel.ID, hubproto.ActionRequest{RequestID: "kiosk-7f3a", Kind: hubproto.ActionBook, RoomID: saal, Minutes: 5}); s != 409 {
		t.Errorf("other device, same RequestID: %d %s", s, raw)
	}
	// Reusing the ID for something else is refused.
	other := book
	other.Minutes = 45
	if s, res, raw := r.post(t, floor.ID, other); s != 400 || res.Error == nil || res.Error.Code != hubproto.ErrorCodeInvalid {
		t.Errorf("reused RequestID: %d %s", s, raw)
	}
	// After ten minutes the ID is forgotten.
	r.clock.Set(t0.Add(actionReplayWindow + time.Second))
	if s, _, raw := r.post(t, floor.ID, book); s != 200 {
		t.Errorf("after the window: %d %s", s, raw)
	}
	if calls := w.take(); len(calls) != 1 {
		t.Errorf("after the window the writer was called %d times, want once more", len(calls))
	}

	// An answer after which nothing happened is not kept: the retry acts.
	w.setErr(fmt.Errorf("dial: %w", syncer.ErrTransient))
	retry := hubproto.ActionRequest{RequestID: "kiosk-retry", Kind: hubproto.ActionEnd, RoomID: saal, BookingID: reviewID}
	r.clock.Set(t0)
	if s, _, raw := r.post(t, floor.ID, retry); s != 503 {
		t.Errorf("Exchange down: %d %s", s, raw)
	}
	w.setErr(nil)
	if s, _, raw := r.post(t, floor.ID, retry); s != 200 {
		t.Errorf("retry: %d %s", s, raw)
	}
	if calls := w.take(); len(calls) != 2 {
		t.Errorf("writer calls %q, want the failed one and the retry", calls)
	}
}

func TestActionCacheIsBounded(t *testing.T) {
	c := newActionCache(3)
	for i := range 5 {
		e, fresh := c.begin(fmt.Sprint(i), "", t0)
		if !fresh {
			t.Fatalf("entry %d not fresh", i)
		}
		c.finish(e, actionAnswer{status: 200}, true)
	}
	if len(c.m) > 3 {
		t.Errorf("cache holds %d entries, bound 3", len(c.m))
	}
	if _, fresh := c.begin("4", "", t0); fresh {
		t.Error("newest entry forgotten")
	}
	if _, fresh := c.begin("0", "", t0); !fresh {
		t.Error("oldest entry kept beyond the bound")
	}
}

func TestMalformedActions(t *testing.T) {
	r := newRig(t, FeedOptions{Writer: &fakeWriter{}})
	for _, tc := range []struct {
		name   string
		body   string
		status int
	}{
		{"not JSON", `{"kind":`, 400},
		{"unknown kind", `{"requestId":"x","kind":"teleport","roomId":"` + saal + `"}`, 400},
		{"no request ID", `{"kind":"end","roomId":"` + saal + `","bookingId":"b"}`, 400},
		{"minutes and until", `{"requestId":"x","kind":"book","roomId":"` + mueller + `","minutes":5,"until":"2026-03-02T09:00:00Z"}`, 400},
		{"oversized", `{"requestId":"` + strings.Repeat("x", hubproto.MaxClientBytes) + `"}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, res, raw := r.post(t, floor.ID, tc.body)
			if status != tc.status || res.OK || res.Error == nil || res.Error.Code != hubproto.ErrorCodeInvalid {
				t.Errorf("answer %d %s, want %d invalid", status, raw, tc.status)
			}
		})
	}
	resp, body := r.get(t, floor.ID, hubproto.PathActions)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET actions: %s %s", resp.Status, body)
	}
}

func TestActionsWithoutWriter(t *testing.T) {
	r := newRig(t, FeedOptions{})
	if s, res, raw := r.post(t, floor.ID, hubproto.ActionRequest{RequestID: "x", Kind: hubproto.ActionBook, RoomID: mueller, Minutes: 5}); s != 503 ||
		res.Error.Code != hubproto.ErrorCodeUnavailable {
		t.Errorf("without a writer: %d %s", s, raw)
	}
}

// TestActionsThroughTheSyncer makes every action against the EWS simulator
// through the real syncer and checks Exchange's calendar, the stream and
// the audit log.
func TestActionsThroughTheSyncer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the EWS simulator")
	}
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 12, Rooms: 2, NotificationMinute: 200 * time.Millisecond, BusyBackOff: 30 * time.Millisecond})
	t.Cleanup(ts.Close)
	const target = "raum-spontan@contoso.com"
	if err := sim.AddRoom(ewstest.Mailbox{Address: target, Name: "Raum Spontan – 臨時會議室", Capacity: 6, TimeZone: zurich,
		RoomLists: []string{sim.RoomLists()[0].Address}}); err != nil {
		t.Fatal(err)
	}
	src := ewssource.New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), ewssource.Options{Impersonation: true, PullInterval: 200 * time.Millisecond, Logf: t.Logf})
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := bus.New()
	t.Cleanup(b.Close)
	opts := syncer.Options{MinBackOff: 20 * time.Millisecond, MaxBackOff: 200 * time.Millisecond, PollInterval: time.Hour, Logf: func(string, ...any) {}}
	opts.Scope.Rooms.Mode = config.SelectAll
	sy := syncer.New(src, db, b, opts)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sy.Run(sctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "first sync of "+target, func() bool {
		st, err := db.SyncState(ctx, target)
		return err == nil && !st.LastSuccess.IsZero()
	})

	dev := hubproto.Device{ID: "dev-tuer", Name: "Tür Raum Spontan", Mode: hubproto.ModeRoom, Rooms: []string{target}}
	// The kiosk's actions happen later than the booking's start: the feed's
	// clock runs ahead by shift.
	var shift atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	r := &rig{t: t, path: path, db: db, bus: b, now: now, logs: &logRecorder{t: t}, devices: map[string]hubproto.Device{dev.ID: dev},
		opts: FeedOptions{Writer: sy}}
	r.start()
	snap, _ := r.snapshot(t, dev.ID)
	c := r.dial(t, dev.ID, since(snap.Seq, snap.Hub.Epoch))
	c.mustNext()

	status, res, raw := r.post(t, dev.ID, hubproto.ActionRequest{RequestID: "b1", Kind: hubproto.ActionBook, RoomID: target, Minutes: 30})
	if status != 200 || !res.Booking.Mine || res.Booking.Subject != DefaultBookSubject {
		t.Fatalf("book now: %d %s", status, raw)
	}
	start := res.Booking.Start
	var id string
	c.waitFor("the booking on the stream", func(fr hubproto.Frame) bool {
		for _, bv := range roomBookings(fr) {
			if bv.Start.Equal(start) {
				id = bv.ID
				return true
			}
		}
		return false
	})
	if truth := sim.Truth(target, start, start.Add(time.Hour)); len(truth) != 1 || truth[0].Organizer == target {
		t.Fatalf("Exchange after book now: %+v (the room must not organise)", truth)
	}
	if status, res, raw := r.post(t, dev.ID, hubproto.ActionRequest{RequestID: "b2", Kind: hubproto.ActionBook, RoomID: target, Minutes: 15}); status != 409 ||
		res.Error.Code != hubproto.ErrorCodeConflict {
		t.Errorf("second book now: %d %s", status, raw)
	}

	if status, _, raw := r.post(t, dev.ID, hubproto.ActionRequest{RequestID: "e1", Kind: hubproto.ActionExtend, RoomID: target, BookingID: id, Minutes: 15}); status != 200 {
		t.Fatalf("extend: %d %s", status, raw)
	}
	c.waitFor("the extension on the stream", func(fr hubproto.Frame) bool {
		for _, bv := range roomBookings(fr) {
			if bv.ID == id && bv.End.Equal(start.Add(45*time.Minute)) {
				return true
			}
		}
		return false
	})

	rm, err := db.Room(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	rm.Policy.CheckIn.Enabled = true
	if err := db.UpsertRooms(ctx, []room.Room{rm}); err != nil {
		t.Fatal(err)
	}
	bus.Publish(b, syncer.RoomChanged{RoomID: target})
	c.waitFor("check-in enabled", func(fr hubproto.Frame) bool { return fr.Room != nil && fr.Room.CheckIn.Enabled })
	if status, _, raw := r.post(t, dev.ID, hubproto.ActionRequest{RequestID: "c1", Kind: hubproto.ActionCheckIn, RoomID: target, BookingID: id}); status != 200 {
		t.Fatalf("check in: %d %s", status, raw)
	}
	c.waitFor("the check-in on the stream", func(fr hubproto.Frame) bool {
		for _, bv := range roomBookings(fr) {
			if bv.ID == id && !bv.CheckedInAt.IsZero() {
				return true
			}
		}
		return false
	})

	shift.Store(int64(5 * time.Minute))
	status, res, raw = r.post(t, dev.ID, hubproto.ActionRequest{RequestID: "x1", Kind: hubproto.ActionEnd, RoomID: target, BookingID: id})
	if status != 200 {
		t.Fatalf("end: %d %s", status, raw)
	}
	ended := res.Booking.End
	c.waitFor("the early end on the stream", func(fr hubproto.Frame) bool {
		for _, bv := range roomBookings(fr) {
			if bv.ID == id && bv.End.Equal(ended) {
				return true
			}
		}
		return false
	})
	if truth := sim.Truth(target, start, start.Add(time.Hour)); len(truth) != 1 || !truth[0].End.Equal(ended) {
		t.Errorf("Exchange after end: %+v, want the end at %v", truth, ended)
	}
	audit, err := db.ListAudit(ctx, store.AuditQuery{Actor: "device:" + dev.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	// Newest first; the refused second booking never reached the syncer.
	if diff := cmp.Diff([]string{"booking.end", "booking.check-in", "booking.extend", "booking.book"}, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func roomBookings(fr hubproto.Frame) []hubproto.BookingView {
	if fr.Room == nil {
		return nil
	}
	return fr.Room.Bookings
}

// eventually polls cond; the deadline only bounds a broken test.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
