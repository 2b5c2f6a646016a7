package syncer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// fakeSource serves one room from memory and fails on demand.
type fakeSource struct {
	bookings []room.Booking
	fullErr  error
	chErr    error
	fulls    int
	changes  int
}

func (f *fakeSource) Directory(context.Context, config.Scope) (Directory, error) {
	return Directory{Rooms: []room.Room{{ID: "raum-müller@contoso.com", Name: "Raum Müller"}}}, nil
}

func (f *fakeSource) FullSync(context.Context, string, store.Window) (Snapshot, error) {
	f.fulls++
	if f.fullErr != nil {
		return Snapshot{}, f.fullErr
	}
	return Snapshot{Bookings: f.bookings, Token: fmt.Sprint("t", f.fulls)}, nil
}

func (f *fakeSource) Changes(context.Context, string, string, store.Window) (Delta, error) {
	f.changes++
	if f.chErr != nil {
		return Delta{}, f.chErr
	}
	return Delta{Token: "t-next"}, nil
}

func (f *fakeSource) Watch(ctx context.Context, _ []string, _ chan<- string) error {
	<-ctx.Done()
	return ctx.Err()
}
func (f *fakeSource) Book(context.Context, BookRequest) (room.Booking, error) {
	return room.Booking{}, nil
}
func (f *fakeSource) Extend(context.Context, room.Booking, time.Time) error { return nil }
func (f *fakeSource) End(context.Context, room.Booking, time.Time) error    { return nil }
func (f *fakeSource) Release(context.Context, room.Booking) error           { return nil }

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                 { return c.t }
func (c fixedClock) NewTimer(d time.Duration) Timer { return realClock{}.NewTimer(time.Hour) }

func setup(t *testing.T, src *fakeSource) (*Syncer, *store.DB, *bus.Bus) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := bus.New()
	t.Cleanup(b.Close)
	now := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the night Europe switches to summer time
	s := New(src, db, b, Options{Clock: fixedClock{now}, Logf: t.Logf})
	// Store the room without starting its loop: these tests drive
	// SyncMailbox themselves.
	if err := db.UpsertRooms(context.Background(), []room.Room{{ID: mb, Name: "Raum Müller"}}); err != nil {
		t.Fatal(err)
	}
	return s, db, b
}

const mb = "raum-müller@contoso.com"

func TestFailureKeepsCacheAndReportsHealth(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)
	src := &fakeSource{bookings: []room.Booking{{SourceID: "a", Subject: "Übergabe 交接", Start: start, End: start.Add(time.Hour)}}}
	s, db, b := setup(t, src)
	health := bus.Subscribe[MailboxHealth](b, bus.WithBuffer(8))
	defer health.Close()
	if err := s.SyncMailbox(ctx, mb); err != nil {
		t.Fatal(err)
	}
	<-health.Events()
	src.chErr = fmt.Errorf("%w: busy", ErrTransient)
	if err := s.SyncMailbox(ctx, mb); !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	h := <-health.Events()
	if h.LastError == "" || !h.BackingOff || h.LastSuccess.IsZero() {
		t.Errorf("health after failure: %+v", h)
	}
	bs, err := db.BookingsBetween(ctx, mb, start, start.Add(time.Hour))
	if err != nil || len(bs) != 1 {
		t.Fatalf("cache after failure: %+v, %v", bs, err)
	}
	st, _ := db.SyncState(ctx, mb)
	if st.State != "t1" || st.LastError == "" {
		t.Errorf("sync state after failure: %+v", st)
	}
}

func TestInvalidSyncStateRunsFullSync(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{}
	s, _, _ := setup(t, src)
	if err := s.SyncMailbox(ctx, mb); err != nil {
		t.Fatal(err)
	}
	src.chErr = fmt.Errorf("%w: ErrorInvalidSyncStateData", ErrInvalidSyncState)
	if err := s.SyncMailbox(ctx, mb); err != nil {
		t.Fatal(err)
	}
	if src.fulls != 2 || src.changes != 1 {
		t.Errorf("full syncs %d, change calls %d; want 2 and 1", src.fulls, src.changes)
	}
}

func TestNextBackOff(t *testing.T) {
	s := New(&fakeSource{}, nil, nil, Options{MinBackOff: time.Second, MaxBackOff: 8 * time.Second})
	transient := fmt.Errorf("%w: reset", ErrTransient)
	var got []time.Duration
	d := time.Duration(0)
	for _, err := range []error{transient, transient, &BackOffError{Delay: 7 * time.Second, Err: transient}, transient, transient,
		&BackOffError{Delay: 100 * time.Hour, Err: transient}} {
		d = s.nextBackOff(d, err)
		got = append(got, d)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 7 * time.Second, 8 * time.Second, 8 * time.Second, MaxServerBackOff}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("back-off sequence (-want +got):\n%s", diff)
	}
}
