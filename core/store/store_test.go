package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/roomboard/roomboard/core/room"
)

func TestOpenAppliesAllMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rb.db")
	ms, err := loadMigrations(embedded)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second Open finds nothing to do
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(ms) {
			t.Errorf("open %d: schema version %d, want %d", i, v, len(ms))
		}
		var mode string
		if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		var fk int
		if err := db.sql.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 {
			t.Errorf("journal_mode %q foreign_keys %d, want wal and 1", mode, fk)
		}
		db.Close()
	}
}

// TestSchemaHasNoSecretColumns keeps secrets out of the cache: the only
// column allowed to mention a token is the hash of one.
func TestSchemaHasNoSecretColumns(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	tables := tableNames(t, db)
	if len(tables) < 11 {
		t.Fatalf("found only tables %v", tables)
	}
	secret := regexp.MustCompile(`(?i)passw|secret|token|credential|api_?key|private_key`)
	for _, table := range tables {
		rows, err := db.sql.QueryContext(ctx, "SELECT name FROM pragma_table_info($1)", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var col string
			if err := rows.Scan(&col); err != nil {
				t.Fatal(err)
			}
			if secret.MatchString(col) && col != "token_hash" {
				t.Errorf("table %s has column %s that looks like it holds a secret", table, col)
			}
		}
		rows.Close()
	}
}

func tableNames(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.sql.QueryContext(context.Background(), "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// TestUpgradeFromVersion1 builds a database as the first release left it
// (only migration 0001, rows written with that release's columns), then
// opens it with this build: the rest is applied and the data survives.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := Open(ctx, path, func(o *options) { o.upTo = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old schema version %d, want 1", v)
	}
	for _, q := range []string{
		`INSERT INTO room_lists (id, email, name, building, floor) VALUES ('taipei-hq@contoso.com', 'Taipei-HQ@contoso.com', '台北總部', '台北總部', '')`,
		`INSERT INTO rooms (id, email, name, capacity, kind, list_id, building, floor, time_zone, features, policy)
		 VALUES ('huiyishi-1@contoso.com', 'huiyishi-1@contoso.com', '會議室一', 8, 'room', 'taipei-hq@contoso.com', '台北總部', '12F', 'Asia/Taipei', '["投影機"]', '{"hideSubject":true}')`,
		`INSERT INTO bookings (id, room_id, source_id, change_key, ical_uid, subject, organizer_name, organizer_email, attendees,
		 starts_at, ends_at, all_day, private, cancelled, recurring, series_id, location, updated_at)
		 VALUES ('b1', 'huiyishi-1@contoso.com', 'AAMkAD=', 'CQAAAB', 'uid-1', '季度檢討 Müller', '王小明', 'wang@contoso.com',
		 '[{"name":"Jürgen Groß","email":"juergen@contoso.com","response":"accepted"}]',
		 1772355600000000, 1772359200000000, FALSE, TRUE, FALSE, FALSE, '', '12F', 1772000000000000)`,
		`INSERT INTO sync_state (mailbox, integration, sync_state, last_success) VALUES ('huiyishi-1@contoso.com', 'onprem', 'H4sIAAAA', 1772000000000000)`,
	} {
		if _, err := old.sql.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v < 2 {
		t.Fatalf("schema version %d after upgrade", v)
	}
	r, err := db.Room(ctx, "huiyishi-1@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	wantRoom := room.Room{ID: "huiyishi-1@contoso.com", Email: "huiyishi-1@contoso.com", Name: "會議室一", Capacity: 8,
		ListID: "taipei-hq@contoso.com", Building: "台北總部", Floor: "12F", TimeZone: "Asia/Taipei",
		Equipment: []string{"投影機"}, Policy: room.Policy{HideSubject: true}}
	if diff := cmp.Diff(wantRoom, r); diff != "" {
		t.Errorf("room after upgrade (-want +got):\n%s", diff)
	}
	b, err := db.Booking(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	wantBooking := room.Booking{ID: "b1", RoomID: "huiyishi-1@contoso.com", SourceID: "AAMkAD=", ChangeKey: "CQAAAB",
		ICalUID: "uid-1", Subject: "季度檢討 Müller", Organizer: room.Mailbox{Name: "王小明", Email: "wang@contoso.com"},
		Attendees: []room.Attendee{{Name: "Jürgen Groß", Email: "juergen@contoso.com", Response: room.ResponseAccepted}},
		Start:     mustTime(t, "2026-03-01T09:00:00Z"), End: mustTime(t, "2026-03-01T10:00:00Z"), Private: true,
		Location: "12F", Updated: fromMicros(1772000000000000)}
	if diff := cmp.Diff(wantBooking, b); diff != "" {
		t.Errorf("booking after upgrade (-want +got):\n%s", diff)
	}
	st, err := db.SyncState(ctx, "huiyishi-1@contoso.com")
	if err != nil || st.State != "H4sIAAAA" {
		t.Errorf("sync state after upgrade: %+v, %v", st, err)
	}
	// The new tables work.
	if _, err := db.AppendAudit(ctx, AuditEntry{Actor: "admin", Action: "upgrade.check"}); err != nil {
		t.Error(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999-future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := readFile(t, path)

	_, err = Open(ctx, path)
	var tooNew *SchemaTooNewError
	if !errors.As(err, &tooNew) {
		t.Fatalf("Open = %v, want *SchemaTooNewError", err)
	}
	if tooNew.Version != 999 || tooNew.Known >= 999 || !strings.Contains(err.Error(), "newer roomboard") {
		t.Errorf("error %+v: %v", tooNew, err)
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Error("Open changed a database it refused")
	}
}

func TestOpenCorruptFile(t *testing.T) {
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x42}, 2000)
	tests := []struct {
		name    string
		content []byte
	}{
		{"random bytes", garbage},
		{"text file", []byte(strings.Repeat("Das ist keine Datenbank. 這不是資料庫。\n", 200))},
		{"sqlite header then garbage", append([]byte("SQLite format 3\x00"), garbage...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.db")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path {
				t.Fatalf("Open = %v (%T), want *CorruptError for %s", err, err, path)
			}
			if !bytes.Equal(tc.content, readFile(t, path)) {
				t.Error("Open changed the corrupt file")
			}
		})
	}
}

// TestMigrationsAreAtomic: when a later migration of one upgrade fails,
// the earlier ones of the same upgrade are rolled back too.
func TestMigrationsAreAtomic(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{
		"sql/migrations/0001-a.sql": {Data: []byte(`CREATE TABLE a (id TEXT PRIMARY KEY);`)},
		"sql/migrations/0002-b.sql": {Data: []byte(`CREATE TABLE b (id TEXT PRIMARY KEY); INSERT INTO b (id) VALUES ('x');`)},
		"sql/migrations/0003-c.sql": {Data: []byte(`CREATE TABLE c (id TEXT PRIMARY KEY); THIS IS NOT SQL;`)},
	}
	path := filepath.Join(t.TempDir(), "atomic.db")
	if db, err := Open(ctx, path, func(o *options) { o.migrations = fsys }); err == nil {
		db.Close()
		t.Fatal("Open succeeded with a broken migration")
	} else if !strings.Contains(err.Error(), "0003-c.sql") {
		t.Errorf("error %q does not name the failing migration", err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d tables left behind by a failed upgrade", n)
	}
}

func TestLoadMigrationsRejectsGaps(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"gap", fstest.MapFS{"sql/migrations/0001-a.sql": {}, "sql/migrations/0003-c.sql": {}}},
		{"bad name", fstest.MapFS{"sql/migrations/first.sql": {}}},
		{"empty", fstest.MapFS{"sql/migrations/README": {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := loadMigrations(tc.fsys); err == nil {
				t.Error("loadMigrations accepted it")
			}
		})
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, p := range []string{"", filepath.Join(t.TempDir(), "what?.db")} {
		if _, err := Open(context.Background(), p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", p, err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var equateEmpty = cmpopts.EquateEmpty()
