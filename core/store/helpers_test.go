package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// openTest opens a fresh database in t.TempDir and closes it at cleanup.
func openTest(t testing.TB, opts ...Option) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "roomboard.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	testLists = []room.RoomList{
		{ID: "taipei-hq@contoso.com", Email: "Taipei-HQ@contoso.com", Name: "台北總部", Building: "台北總部", Floor: ""},
		{ID: "zuerich-og3@contoso.com", Email: "zuerich-og3@contoso.com", Name: "Zürich 3. OG", Building: "Zürich Bahnhofstraße", Floor: "3. OG"},
	}
	testRooms = []room.Room{
		{
			ID: "grosser-saal@contoso.com", Email: "Grosser-Saal@contoso.com", Name: "Großer Saal (Übergröße)", Capacity: 40,
			Kind: room.KindRoom, ListID: "zuerich-og3@contoso.com", Building: "Zürich Bahnhofstraße", Floor: "3. OG",
			TimeZone: "Europe/Zurich", Equipment: []string{"Beamer", "Videokonferenz"},
			Policy: room.Policy{HideSubject: true, CheckIn: room.CheckInPolicy{Enabled: true, Before: 5 * time.Minute,
				After: 15 * time.Minute, ReleaseAfter: -1, ExemptAllDay: true, ExemptLongerThan: 4 * time.Hour}},
		},
		{ID: "huiyishi-1@contoso.com", Email: "huiyishi-1@contoso.com", Name: "會議室一 (简体: 会议室一)", Capacity: 8,
			Kind: room.KindRoom, ListID: "taipei-hq@contoso.com", Building: "台北總部", Floor: "12F", TimeZone: "Asia/Taipei"},
		{ID: "beamer-mobil@contoso.com", Email: "beamer-mobil@contoso.com", Name: "Mobiler Beamer „Jürgen“",
			Kind: room.KindEquipment, TimeZone: "Europe/Berlin"},
	}
)

// seedRooms stores testLists and testRooms, which bookings need.
func seedRooms(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpsertRoomLists(ctx, testLists); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertRooms(ctx, testRooms); err != nil {
		t.Fatal(err)
	}
}
