package ewssource_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// rig is a simulator, a store, a bus and a running syncer between them.
type rig struct {
	sim    *ewstest.Server
	src    *ewssource.Source
	db     *store.DB
	bus    *bus.Bus
	syncer *syncer.Syncer
	cancel context.CancelFunc
	done   chan error
}

func newRig(t *testing.T, simOpts ewstest.Options, srcOpts ewssource.Options, syncOpts syncer.Options) *rig {
	t.Helper()
	if simOpts.NotificationMinute == 0 {
		simOpts.NotificationMinute = 200 * time.Millisecond
	}
	if simOpts.BusyBackOff == 0 {
		simOpts.BusyBackOff = 30 * time.Millisecond
	}
	sim, ts := ewstest.NewServer(simOpts)
	t.Cleanup(ts.Close)
	c := ews.New(ts.URL+"/EWS/Exchange.asmx", nil)
	if srcOpts.PullInterval == 0 {
		srcOpts.PullInterval = 200 * time.Millisecond
	}
	if srcOpts.Logf == nil {
		srcOpts.Logf = t.Logf
	}
	src := ewssource.New(c, srcOpts)
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := bus.New()
	t.Cleanup(b.Close)
	if syncOpts.MinBackOff == 0 {
		syncOpts.MinBackOff = 20 * time.Millisecond
		syncOpts.MaxBackOff = 200 * time.Millisecond
	}
	if syncOpts.PollInterval == 0 {
		syncOpts.PollInterval = time.Hour // tests rely on notifications unless they say otherwise
	}
	if syncOpts.Logf == nil {
		syncOpts.Logf = func(string, ...any) {}
	}
	syncOpts.Scope.Rooms.Mode = config.SelectAll
	return &rig{sim: sim, src: src, db: db, bus: b, syncer: syncer.New(src, db, b, syncOpts)}
}

func (r *rig) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.syncer.Run(ctx) }()
	t.Cleanup(r.stop)
}

func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

// window is the range the syncer covers by default.
func window(now time.Time) (time.Time, time.Time) {
	return config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}.Range(now)
}

// row is what the comparison with the simulator's truth looks at.
type row struct {
	ID, Subject, Organizer string
	Start, End             time.Time
	Private, Cancelled     bool
}

func truthRows(sim *ewstest.Server, mailbox string) []row {
	start, end := window(sim.Now())
	var out []row
	for _, o := range sim.Truth(mailbox, start, end) {
		out = append(out, row{ID: o.ItemID, Subject: o.Subject, Organizer: strings.ToLower(o.Organizer), Start: o.Start.UTC(), End: o.End.UTC(),
			Private: o.Sensitivity == "Private" || o.Sensitivity == "Confidential", Cancelled: o.IsCancelled})
	}
	sortRows(out)
	return out
}

func storeRows(t *testing.T, db *store.DB, mailbox string, now time.Time) []row {
	t.Helper()
	start, end := window(now)
	bs, err := db.BookingsBetween(context.Background(), mailbox, start, end)
	if err != nil {
		t.Fatal(err)
	}
	var out []row
	for _, b := range bs {
		out = append(out, row{ID: b.SourceID, Subject: b.Subject, Organizer: b.Organizer.Email, Start: b.Start, End: b.End,
			Private: b.Private, Cancelled: b.Cancelled})
	}
	sortRows(out)
	return out
}

func sortRows(rs []row) {
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].Start.Equal(rs[j].Start) {
			return rs[i].Start.Before(rs[j].Start)
		}
		return rs[i].ID < rs[j].ID
	})
}

// diffAll compares every room of the simulator with the store; "" means
// they agree.
func diffAll(t *testing.T, r *rig) string {
	t.Helper()
	var b strings.Builder
	for _, m := range r.sim.Rooms() {
		if d := cmp.Diff(truthRows(r.sim, m.Address), storeRows(t, r.db, m.Address, r.sim.Now())); d != "" {
			fmt.Fprintf(&b, "%s (-truth +store):\n%s", m.Address, d)
		}
	}
	return b.String()
}

// eventually waits for cond, failing with msg() after a generous limit.
// It only waits for convergence; it asserts nothing about speed.
func eventually(t *testing.T, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no convergence: %s", msg())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func converge(t *testing.T, r *rig) {
	t.Helper()
	var last string
	eventually(t, func() bool { last = diffAll(t, r); return last == "" }, func() string { return last })
}

func TestInitialSyncEqualsTruth(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 4, Rooms: 15}, ewssource.Options{Impersonation: true}, syncer.Options{})
	r.start(t)
	converge(t, r)

	rooms, err := r.db.Rooms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rm := range rooms {
		got = append(got, rm.ID)
	}
	var want []string
	for _, m := range r.sim.Rooms() {
		want = append(want, m.Address)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rooms (-simulator +store), including rooms in no room list:\n%s", diff)
	}
	// The seeded calendars have private meetings and series; make sure
	// the comparison covered them.
	var private, recurring int
	for _, m := range r.sim.Rooms() {
		start, end := window(r.sim.Now())
		bs, _ := r.db.BookingsBetween(context.Background(), m.Address, start, end)
		for _, b := range bs {
			if b.Private {
				private++
			}
			if b.Recurring {
				recurring++
			}
		}
	}
	if private == 0 || recurring == 0 {
		t.Errorf("seeded data lacks private (%d) or recurring (%d) bookings", private, recurring)
	}
}

func TestDelegateAccessSync(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 5, Rooms: 4}, ewssource.Options{}, syncer.Options{})
	r.start(t)
	converge(t, r)
}

func TestStreamingChangeReachesStoreAndBus(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 6, Rooms: 5}, ewssource.Options{Impersonation: true}, syncer.Options{})
	sub := bus.Subscribe[syncer.RoomChanged](r.bus, bus.WithBuffer(256))
	defer sub.Close()
	r.start(t)
	converge(t, r)
	eventually(t, func() bool { return len(r.sim.Subscriptions()) >= 5 }, func() string { return "no subscriptions" })

	target := r.sim.Rooms()[2].Address
	start := r.sim.Now().UTC().Truncate(time.Hour).Add(50 * 24 * time.Hour)
	id, err := r.sim.AddBooking(target, ewstest.Booking{Organizer: "", Subject: "Betriebsrat Sitzung – Müller 會議", Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	waitRoomChanged(t, sub, target)

	if err := r.sim.UpdateBooking(id, ewstest.Booking{Subject: "verschoben 改期", Start: start.Add(time.Hour), End: start.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	if err := r.sim.CancelBooking(id); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	// The poll interval is an hour, so only notifications can explain
	// convergence; the stats show no polling storm either.
	if n := r.sim.Stats().ByOperation["FindItem"]; n > 40 {
		t.Errorf("FindItem sent %d times for 5 rooms and 3 changes", n)
	}
}

func waitRoomChanged(t *testing.T, sub *bus.Subscription[syncer.RoomChanged], roomID string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e := <-sub.Events():
			if e.RoomID == roomID {
				return
			}
		case <-timeout:
			t.Fatalf("no RoomChanged for %s", roomID)
		}
	}
}

func TestInvalidSyncStateResyncsOnlyThatMailbox(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 7, Rooms: 4}, ewssource.Options{Impersonation: true}, syncer.Options{})
	ctx := context.Background()
	rooms := r.sim.Rooms()
	// Sync once without the run loop, then corrupt one room's token.
	r.start(t)
	converge(t, r)
	r.stop()
	bad := rooms[1].Address
	st, err := r.db.SyncState(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	st.State = "bm90IGEgc3luYyBzdGF0ZQ=="
	if err := r.db.PutSyncState(ctx, st); err != nil {
		t.Fatal(err)
	}
	before := r.sim.Stats().ByOperation["FindItem"]
	for _, m := range rooms {
		if err := r.syncer.SyncMailbox(ctx, m.Address); err != nil {
			t.Fatalf("%s: %v", m.Address, err)
		}
	}
	// Only the mailbox with the unreadable token read its window again.
	if n := r.sim.Stats().ByOperation["FindItem"] - before; n != 1 {
		t.Errorf("FindItem calls after one invalid sync state: %d, want 1", n)
	}
	if d := diffAll(t, r); d != "" {
		t.Error(d)
	}
}

func TestServerBusyStormIsHonouredAndConverges(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 8, Rooms: 6}, ewssource.Options{Impersonation: true}, syncer.Options{})
	hsub := bus.Subscribe[syncer.MailboxHealth](r.bus, bus.WithBuffer(1024))
	defer hsub.Close()
	sawBackOff := make(chan bool, 1)
	go func() {
		for h := range hsub.Events() {
			if h.BackingOff && strings.Contains(h.LastError, "ErrorServerBusy") {
				sawBackOff <- true
				return
			}
		}
		sawBackOff <- false
	}()
	remove := r.sim.Inject(ewstest.Fault{Op: "SyncFolderItems", SOAPFault: "ErrorServerBusy", BackOff: 40 * time.Millisecond, Times: 30})
	defer remove()
	r.start(t)
	converge(t, r)
	hsub.Close()
	if !<-sawBackOff {
		t.Errorf("no health event reported the busy server")
	}
}

func TestFaultsRecover(t *testing.T) {
	for _, f := range []ewstest.Fault{
		{HTTPStatus: 503, Times: 20},
		{Op: "GetStreamingEvents", ResetMidStream: true, Times: 3},
		{Op: "GetStreamingEvents", ExpireSubscriptions: true, Times: 2},
		{Op: "SyncFolderItems", ResponseCode: "ErrorInvalidSyncStateData", Times: 3},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			r := newRig(t, ewstest.Options{Seed: 9, Rooms: 4}, ewssource.Options{Impersonation: true}, syncer.Options{})
			r.start(t)
			converge(t, r)
			remove := r.sim.Inject(f)
			defer remove()
			target := r.sim.Rooms()[0].Address
			start := r.sim.Now().UTC().Truncate(time.Hour).Add(45 * 24 * time.Hour)
			for i := range 3 {
				if _, err := r.sim.AddBooking(target, ewstest.Booking{Subject: fmt.Sprintf("Störung %d", i), Start: start.Add(time.Duration(i) * 2 * time.Hour),
					End: start.Add(time.Duration(i)*2*time.Hour + time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			r.sim.ExpireSubscriptions()
			converge(t, r)
		})
	}
}

func TestRoomsAddedRemovedRenamed(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 10, Rooms: 5}, ewssource.Options{Impersonation: true},
		syncer.Options{DirectoryInterval: 200 * time.Millisecond})
	r.start(t)
	converge(t, r)
	lists := r.sim.RoomLists()
	if err := r.sim.AddRoom(ewstest.Mailbox{Address: "room-neu-grüße@contoso.com", Name: "Neuer Raum „Grüße“", RoomLists: []string{lists[0].Address}}); err != nil {
		t.Fatal(err)
	}
	gone := r.sim.Rooms()[1].Address
	if err := r.sim.RemoveRoom(gone); err != nil {
		t.Fatal(err)
	}
	renamed := r.sim.Rooms()[0].Address
	if err := r.sim.RenameRoom(renamed, "會議室 Umbenannt"); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool {
		rooms, _ := r.db.Rooms(context.Background())
		var ids []string
		name := ""
		for _, rm := range rooms {
			ids = append(ids, rm.ID)
			if rm.ID == renamed {
				name = rm.Name
			}
		}
		return slices.Contains(ids, "room-neu-grüße@contoso.com") && !slices.Contains(ids, gone) && name == "會議室 Umbenannt"
	}, func() string { rooms, _ := r.db.Rooms(context.Background()); return fmt.Sprint(rooms) })
	start := r.sim.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	if _, err := r.sim.AddBooking("room-neu-grüße@contoso.com", ewstest.Booking{Subject: "Einweihung", Start: start, End: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
}

func TestWriteBack(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 12, Rooms: 4}, ewssource.Options{Impersonation: true}, syncer.Options{})
	r.start(t)
	converge(t, r)
	ctx := context.Background()
	target := r.sim.Rooms()[3].Address
	start := r.sim.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 41).Add(2 * time.Hour)
	if busy := r.sim.Truth(target, start.Add(-time.Hour), start.Add(3*time.Hour)); len(busy) != 0 {
		t.Fatalf("test slot not free: %+v", busy)
	}
	b, err := r.syncer.Book(ctx, "kiosk-1", syncer.BookRequest{RoomID: target, Subject: "Spontan 臨時", Start: start, End: start.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	truth := r.sim.Truth(target, start, start.Add(time.Hour))
	if len(truth) != 1 || truth[0].Organizer == target {
		t.Fatalf("room calendar after booking: %+v (the room must not organise)", truth)
	}
	cached := cachedBooking(t, r, target, start)

	// A conflicting booking is refused with the typed error.
	_, err = r.syncer.Book(ctx, "kiosk-2", syncer.BookRequest{RoomID: target, Subject: "Doppelt", Start: start.Add(10 * time.Minute), End: start.Add(40 * time.Minute)})
	if !errors.Is(err, syncer.ErrConflict) {
		t.Fatalf("double booking: err = %v, want ErrConflict", err)
	}

	if err := r.syncer.Extend(ctx, "kiosk-1", cached.ID, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	if got := r.sim.Truth(target, start, start.Add(2*time.Hour)); len(got) != 1 || !got[0].End.Equal(start.Add(time.Hour)) {
		t.Fatalf("after extend: %+v", got)
	}
	cached = cachedBooking(t, r, target, start)
	if err := r.syncer.End(ctx, "kiosk-1", cached.ID, start.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	if got := r.sim.Truth(target, start, start.Add(2*time.Hour)); len(got) != 1 || !got[0].End.Equal(start.Add(20*time.Minute)) {
		t.Fatalf("after end: %+v", got)
	}
	cached = cachedBooking(t, r, target, start)
	if err := r.syncer.Release(ctx, "kiosk-1", cached.ID); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	if got := r.sim.Truth(target, start, start.Add(2*time.Hour)); len(got) != 0 {
		t.Fatalf("after release: %+v", got)
	}
	_ = b
	audit, err := r.db.ListAudit(ctx, store.AuditQuery{Actor: "kiosk-1"})
	if err != nil || len(audit) != 4 {
		t.Errorf("audit entries of kiosk-1: %d, %v; want 4", len(audit), err)
	}
}

func cachedBooking(t *testing.T, r *rig, roomID string, start time.Time) room.Booking {
	t.Helper()
	bs, err := r.db.BookingsBetween(context.Background(), roomID, start, start.Add(time.Minute))
	if err != nil || len(bs) != 1 {
		t.Fatalf("cached bookings at %v: %+v, %v", start, bs, err)
	}
	return bs[0]
}

// TestPropertyFaultsThenTruth interleaves random faults with random
// simulator changes; once the faults stop, the store must equal the
// simulator's truth: nothing lost, duplicated or stale.
func TestPropertyFaultsThenTruth(t *testing.T) {
	for seed := range int64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newRig(t, ewstest.Options{Seed: 20 + seed, Rooms: 5}, ewssource.Options{Impersonation: true},
				// No polling: notifications alone must bring the cache back in
				// step after every fault.
				syncer.Options{PollInterval: time.Hour})
			rng := rand.New(rand.NewPCG(uint64(seed), 99))
			r.start(t)
			faults := []ewstest.Fault{
				{SOAPFault: "ErrorServerBusy", BackOff: 20 * time.Millisecond, Times: 5},
				{HTTPStatus: 503, Times: 3},
				{Op: "GetStreamingEvents", ResetMidStream: true, Times: 1},
				{Op: "GetStreamingEvents", ExpireSubscriptions: true, Times: 1},
				{Op: "SyncFolderItems", ResponseCode: "ErrorInvalidSyncStateData", Times: 1},
				{Op: "FindItem", ResponseCode: "ErrorMailboxStoreUnavailable", Times: 2},
				{Op: "GetItem", HTTPStatus: 500, Times: 1},
			}
			rooms := r.sim.Rooms()
			var ids []string
			base := r.sim.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
			for step := range 40 {
				switch k := rng.IntN(6); {
				case k == 0:
					r.sim.Inject(faults[rng.IntN(len(faults))])
				case k == 1:
					r.sim.ExpireSubscriptions()
				case k == 2 && len(ids) > 0:
					i := rng.IntN(len(ids))
					if err := r.sim.CancelBooking(ids[i]); err != nil && !errors.Is(err, ewstest.ErrNotFound) {
						t.Fatal(err)
					}
					ids = slices.Delete(ids, i, i+1)
				case k == 3 && len(ids) > 0:
					s := base.Add(time.Duration(rng.IntN(24*50)) * time.Hour)
					err := r.sim.UpdateBooking(ids[rng.IntN(len(ids))], ewstest.Booking{Subject: fmt.Sprintf("geändert %d", step), Start: s, End: s.Add(30 * time.Minute)})
					if err != nil && !errors.Is(err, ewstest.ErrDeclined) && !errors.Is(err, ewstest.ErrNotFound) {
						t.Fatal(err)
					}
				default:
					s := base.Add(time.Duration(rng.IntN(24*50)) * time.Hour)
					id, err := r.sim.AddBooking(rooms[rng.IntN(len(rooms))].Address, ewstest.Booking{Subject: fmt.Sprintf("Zufall 隨機 %d", step),
						Start: s, End: s.Add(time.Duration(1+rng.IntN(4)) * 30 * time.Minute), Private: rng.IntN(4) == 0})
					if err != nil && !errors.Is(err, ewstest.ErrDeclined) {
						t.Fatal(err)
					}
					ids = append(ids, id)
				}
				time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			}
			r.sim.ClearFaults()
			converge(t, r)
		})
	}
}
