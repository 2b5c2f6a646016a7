package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// benchRooms rooms share the benchmark's bookings, like one site's cache.
const benchRooms = 100

func benchDB(b *testing.B) *DB {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	rooms := make([]room.Room, benchRooms)
	for i := range rooms {
		rooms[i] = room.Room{ID: fmt.Sprintf("raum-%03d@contoso.com", i), Name: fmt.Sprintf("Raum %d / 會議室 %d", i, i)}
	}
	if err := db.UpsertRooms(ctx, rooms); err != nil {
		b.Fatal(err)
	}
	return db
}

// fillBookings applies total bookings spread over the rooms in batches of
// batch changes, one ApplyBookingChanges per batch, as an initial sync
// would.
func fillBookings(b *testing.B, db *DB, total, batch int) {
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	perRoom := total / benchRooms
	changes := make([]Change, 0, batch)
	for r := range benchRooms {
		mailbox := fmt.Sprintf("raum-%03d@contoso.com", r)
		for i := range perRoom {
			// 8 half-hour bookings a day, one after another.
			start := base.Add(time.Duration(i/8)*24*time.Hour + time.Duration(i%8)*time.Hour)
			changes = append(changes, Change{Op: OpCreate, Booking: room.Booking{
				SourceID: fmt.Sprintf("AAMkAGI2-%03d-%06d", r, i), ChangeKey: "CQAAABYAAAB", ICalUID: fmt.Sprintf("uid-%d-%d", r, i),
				Subject: "Abstimmung Vertrieb / 業務協調", Organizer: room.Mailbox{Name: "Jürgen Groß", Email: "juergen@contoso.com"},
				Attendees: []room.Attendee{{Name: "王小明", Email: "wang@contoso.com", Response: room.ResponseAccepted}},
				Start:     start, End: start.Add(30 * time.Minute), Updated: base,
			}})
			if len(changes) == batch || i == perRoom-1 {
				if err := db.ApplyBookingChanges(ctx, mailbox, changes, SyncState{State: fmt.Sprint("s", i)}); err != nil {
					b.Fatal(err)
				}
				changes = changes[:0]
			}
		}
	}
}

// BenchmarkApplyBookingChanges stores 50,000 bookings in batches of 500
// (SyncFolderItems returns up to 512 changes per call) into a fresh cache.
func BenchmarkApplyBookingChanges(b *testing.B) {
	const total = 50_000
	for b.Loop() {
		b.StopTimer()
		db := benchDB(b)
		b.StartTimer()
		fillBookings(b, db, total, 500)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "bookings/s")
}

// BenchmarkBookingsBetween reads one room's day from a cache of 50,000
// bookings, as a room panel does on every change.
func BenchmarkBookingsBetween(b *testing.B) {
	db := benchDB(b)
	defer db.Close()
	fillBookings(b, db, 50_000, 500)
	ctx := context.Background()
	day := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		got, err := db.BookingsBetween(ctx, fmt.Sprintf("raum-%03d@contoso.com", i%benchRooms), day, day.Add(24*time.Hour))
		if err != nil || len(got) != 8 {
			b.Fatalf("got %d bookings, %v", len(got), err)
		}
		i++
	}
}
