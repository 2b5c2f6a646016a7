package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/room"
)

func TestFeedSequenceSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.FeedState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != 0 || len(st.Epoch) != 32 {
		t.Fatalf("fresh feed state = %+v, want seq 0 and a 32-digit epoch", st)
	}
	got, st2, err := db.AdvanceFeed(ctx, []FeedRoom{
		{RoomID: "grosser-saal@contoso.com", ViewHash: "a"},
		{RoomID: "huiyishi-1@contoso.com", ViewHash: "b"},
		{RoomID: "grosser-saal@contoso.com", ViewHash: "c", Seq: 99}, // Seq is ignored
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []FeedRoom{
		{RoomID: "grosser-saal@contoso.com", Seq: 1, ViewHash: "a"},
		{RoomID: "huiyishi-1@contoso.com", Seq: 2, ViewHash: "b"},
		{RoomID: "grosser-saal@contoso.com", Seq: 3, ViewHash: "c"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AdvanceFeed (-want +got):\n%s", diff)
	}
	if st2 != (FeedState{Epoch: st.Epoch, Seq: 3}) {
		t.Errorf("state after advance = %+v", st2)
	}
	if _, _, err := db.AdvanceFeed(ctx, []FeedRoom{{RoomID: "raum-müller@contoso.com", Removed: true}, {RoomID: ""}}); !isInvalid(err) {
		t.Errorf("AdvanceFeed with an empty room ID = %v, want ErrInvalid", err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st3, err := db.FeedState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st3 != st2 {
		t.Errorf("after reopen: %+v, want %+v (epoch kept, nothing of the refused batch)", st3, st2)
	}
	rooms, err := db.FeedRooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantRooms := []FeedRoom{want[1], want[2]} // ordered by seq, one row per room
	if diff := cmp.Diff(wantRooms, rooms); diff != "" {
		t.Errorf("FeedRooms (-want +got):\n%s", diff)
	}
	got, _, err = db.AdvanceFeed(ctx, []FeedRoom{{RoomID: "huiyishi-1@contoso.com", Removed: true}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]FeedRoom{{RoomID: "huiyishi-1@contoso.com", Seq: 4, Removed: true}}, got); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}

	other := openTest(t)
	ost, err := other.FeedState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ost.Epoch == st.Epoch {
		t.Errorf("two databases share the epoch %s", ost.Epoch)
	}
}

// The feed relies on the hub's own facts (check-in, release) surviving
// every way the syncer rewrites a booking.
func TestCheckInAndReleaseSurviveUpserts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	day := mustTime(t, "2026-03-02T00:00:00Z")
	a := testBooking(t, "a", "Team-Frühstück", day.Add(9*time.Hour), time.Hour)
	b := testBooking(t, "b", "週會", day.Add(11*time.Hour), time.Hour)
	if err := db.ApplyBookingChanges(ctx, saal, []Change{{OpCreate, a}, {OpCreate, b}}, SyncState{State: "s1"}); err != nil {
		t.Fatal(err)
	}
	checkIn, released := day.Add(9*time.Hour+time.Minute), day.Add(11*time.Hour+20*time.Minute)
	if err := db.MarkCheckedIn(ctx, a.ID, checkIn); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkReleased(ctx, b.ID, released); err != nil {
		t.Fatal(err)
	}
	a.Subject, b.Subject = "Team-Frühstück (verschoben)", "週會 (改)"
	if err := db.ApplyBookingChanges(ctx, saal, []Change{{OpUpdate, a}, {OpCreate, b}}, SyncState{State: "s2"}); err != nil {
		t.Fatal(err)
	}
	w := Window{Start: day, End: day.Add(24 * time.Hour)}
	if err := db.ReplaceBookings(ctx, saal, w, []room.Booking{a, b}, SyncState{State: "s3"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.BookingsBetween(ctx, saal, w.Start, w.End)
	if err != nil {
		t.Fatal(err)
	}
	a.CheckedInAt, b.ReleasedAt = checkIn, released
	if diff := cmp.Diff([]room.Booking{a, b}, got, equateEmpty); diff != "" {
		t.Errorf("bookings after update and replace (-want +got):\n%s", diff)
	}
}
