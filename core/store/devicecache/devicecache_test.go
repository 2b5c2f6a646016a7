package devicecache

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/hubproto"
)

var t0 = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

func open(t *testing.T, path string, now *time.Time) *Cache {
	t.Helper()
	c, err := Open(context.Background(), path, WithClock(func() time.Time { return *now }))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func view(id, name string, subjects ...string) hubproto.RoomView {
	v := hubproto.RoomView{ID: id, Name: name, Kind: "room", Capacity: 8, TimeZone: "Europe/Berlin",
		CheckIn: hubproto.CheckInPolicy{Enabled: true, ReleaseAfterMin: 15},
		From:    t0.Add(-24 * time.Hour), To: t0.Add(60 * 24 * time.Hour), Bookings: []hubproto.BookingView{}}
	for i, s := range subjects {
		start := t0.Add(time.Duration(i) * time.Hour)
		v.Bookings = append(v.Bookings, hubproto.BookingView{ID: id + "-b" + s, Subject: s, Organizer: "Jürgen Müller",
			Start: start, End: start.Add(30 * time.Minute)})
	}
	return v
}

func snapshot() hubproto.Snapshot {
	return hubproto.Snapshot{
		Protocol: hubproto.Version, Seq: 41,
		Hub:    hubproto.HubInfo{Name: "Hub Zürich", Version: "1.2.3", Epoch: "ep-1"},
		Device: hubproto.Device{ID: "dev-1", Name: "Tür 3.07", Mode: hubproto.ModeRoom, Rooms: []string{"r-1", "r-2"}, PairedAt: t0},
		Rooms: []hubproto.RoomView{
			view("r-1", "Größe Halle", "Planung"),
			view("r-2", "會議室 台北", "季度回顧", "周会"),
		},
	}
}

func TestEmptyLoad(t *testing.T) {
	now := t0
	c := open(t, filepath.Join(t.TempDir(), "cache.db"), &now)
	got, err := c.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hubproto.Snapshot{}, got); diff != "" {
		t.Errorf("empty cache (-want +got):\n%s", diff)
	}
	// Touch before anything was saved must not make an empty cache look
	// like a cached state.
	if err := c.Touch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Load(context.Background()); !got.GeneratedAt.IsZero() {
		t.Errorf("Touch on an empty cache set GeneratedAt %v", got.GeneratedAt)
	}
}

func TestSaveAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	now := t0
	c := open(t, path, &now)
	s := snapshot()
	if err := c.SaveSnapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Minute)
	changed := view("r-2", "會議室 台北", "季度回顧")
	if err := c.SaveRoom(ctx, changed, 44); err != nil {
		t.Fatal(err)
	}
	added := view("r-3", "Ärztezimmer", "Visite")
	if err := c.SaveRoom(ctx, added, 45); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(2 * time.Minute)
	if err := c.RemoveRoom(ctx, "r-1", 47); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(3 * time.Minute)
	if err := c.Touch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c = open(t, path, &now)
	var mode string
	if err := c.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	got, err := c.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := s
	want.Seq = 47
	want.GeneratedAt = t0.Add(3 * time.Minute)
	want.Rooms = []hubproto.RoomView{changed, added}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}

	// A new snapshot replaces everything, including rooms it does not list.
	s2 := snapshot()
	s2.Seq, s2.Hub.Epoch = 3, "ep-2"
	s2.Rooms = s2.Rooms[1:]
	now = t0.Add(4 * time.Minute)
	if err := c.SaveSnapshot(ctx, s2); err != nil {
		t.Fatal(err)
	}
	got, err = c.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2.GeneratedAt = now
	if diff := cmp.Diff(s2, got); diff != "" {
		t.Errorf("after second snapshot (-want +got):\n%s", diff)
	}
}

func TestSaveRoomNeedsID(t *testing.T) {
	now := t0
	c := open(t, filepath.Join(t.TempDir(), "cache.db"), &now)
	if err := c.SaveRoom(context.Background(), hubproto.RoomView{Name: "x"}, 1); err == nil {
		t.Error("SaveRoom without an ID succeeded")
	}
}

func TestBadFiles(t *testing.T) {
	ctx := context.Background()
	foreignDB := func(t *testing.T, path string, stmts ...string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		check   func(err error) bool
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("kein SQLite, 不是数据库 "), 400), 0o600)
		}, func(err error) bool { var ce *CorruptError; return errors.As(err, &ce) }},
		{"truncated header", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("SQLite format 3\x00\x10\x00"), 0o600)
		}, func(err error) bool { var ce *CorruptError; return errors.As(err, &ce) }},
		{"other database", func(t *testing.T, path string) {
			foreignDB(t, path, `CREATE TABLE bookings (id TEXT)`, `INSERT INTO bookings VALUES ('b1')`)
		}, func(err error) bool { var fe *ForeignError; return errors.As(err, &fe) }},
		{"other format", func(t *testing.T, path string) {
			foreignDB(t, path, append(append([]string{}, schema[:2]...),
				`INSERT INTO meta VALUES (1, 'roomboard-devicecache/99', 0, '', 0, '{}', '{}', 0)`)...)
		}, func(err error) bool { var fe *ForeignError; return errors.As(err, &fe) }},
		{"no meta row", func(t *testing.T, path string) {
			foreignDB(t, path, schema[:2]...)
		}, func(err error) bool { var ce *CorruptError; return errors.As(err, &ce) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache.db")
			tc.prepare(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Open(ctx, path)
			if err == nil {
				c.Close()
				t.Fatal("Open succeeded on a bad file")
			}
			if !tc.check(err) {
				t.Errorf("Open: %v (%T), not the expected typed error", err, err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("file gone after a failed Open: %v", err)
			}
			if !bytes.Equal(before, after) {
				t.Error("a failed Open changed the file")
			}
		})
	}
}

func TestCorruptRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	now := t0
	c := open(t, path, &now)
	if err := c.SaveSnapshot(ctx, snapshot()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.Exec(`UPDATE rooms SET view = '{"id": "r-1", "name": ' WHERE room_id = 'r-1'`); err != nil {
		t.Fatal(err)
	}
	_, err := c.Load(ctx)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Load of a damaged row: %v, want *CorruptError", err)
	}
	// The damaged data stays for the caller to inspect or delete.
	var n int
	if err := c.db.QueryRow(`SELECT COUNT(*) FROM rooms`).Scan(&n); err != nil || n != 2 {
		t.Errorf("rooms after a failed Load: %d, %v; want 2 rows kept", n, err)
	}
}
