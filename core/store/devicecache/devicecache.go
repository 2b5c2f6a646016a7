// Package devicecache is a kiosk's offline cache of what its hub last sent:
// the device, the hub, the sequence number and every room view, in one
// small SQLite file (modernc.org/sqlite, WAL). With it a kiosk that starts
// while the hub or the network is down shows the last known schedule at
// once, marked stale with its age. A *Cache implements hubclient.Cache.
//
// It is deliberately standalone: it does not import core/store (the kiosk
// may not depend on the engine's database) and keeps no secrets; the device
// token lives in the OS keyring, never here. Its SQL is minimal and
// portable apart from the connection pragmas and the sqlite_master lookup
// that tells an empty file from a foreign one. It never empties or rewrites
// a file it does not recognise: Open returns *CorruptError or *ForeignError
// and leaves the decision (delete, rename, give up) to the caller.
package devicecache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// format identifies a devicecache file; a newer, incompatible layout gets a
// new value, which older builds then report as foreign.
const format = "roomboard-devicecache/1"

// schema creates the tables of an empty file. meta has exactly one row.
var schema = []string{
	`CREATE TABLE meta (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		format TEXT NOT NULL,
		seq BIGINT NOT NULL,
		epoch TEXT NOT NULL,
		protocol INTEGER NOT NULL,
		device TEXT NOT NULL,
		hub TEXT NOT NULL,
		saved_at BIGINT NOT NULL
	)`,
	`CREATE TABLE rooms (
		room_id TEXT PRIMARY KEY,
		seq BIGINT NOT NULL,
		view TEXT NOT NULL
	)`,
	`INSERT INTO meta (id, format, seq, epoch, protocol, device, hub, saved_at) VALUES (1, '` + format + `', 0, '', 0, '{}', '{}', 0)`,
}

// CorruptError reports a file that is not a SQLite database, is damaged, or
// holds rows this package cannot read. Open and Load do not write to it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("device cache %s is corrupt: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// ForeignError reports a valid SQLite database that is not a device cache
// (or one of an unknown format), such as the hub's own database given by
// mistake. Open leaves it untouched.
type ForeignError struct {
	Path   string
	Found  string // what was found: the format string or the table names
	Format string // the format this build writes
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%s is not a device cache of this build (found %s, want %s)", e.Path, e.Found, e.Format)
}

// Cache is an open device cache. It is safe for concurrent use.
type Cache struct {
	db   *sql.DB
	path string
	now  func() time.Time
}

// Option changes how Open opens the cache.
type Option func(*Cache)

// WithClock sets the clock that stamps saves (the data's age shown when
// offline); the default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *Cache) { c.now = now } }

// Open opens the cache at path, creating the file and its tables when it
// does not exist or is empty. The directory must exist.
func Open(ctx context.Context, path string, opts ...Option) (*Cache, error) {
	// The driver cuts the DSN at the first '?', so such a path would open
	// a different file.
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("open device cache %q: path must be non-empty and must not contain '?'", path)
	}
	// journal_mode(WAL) is not in the DSN: it rewrites the file header, and
	// a foreign file must stay byte for byte as it was. init sets it once
	// the file is known to be ours; it then persists in the file.
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open device cache %s: %w", path, err)
	}
	c := &Cache{db: db, path: path, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if err := c.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

// init checks what the file holds and creates the schema in an empty one.
func (c *Cache) init(ctx context.Context) error {
	tables, err := c.tables(ctx)
	if err != nil {
		return c.wrap("open device cache", err)
	}
	switch {
	case len(tables) == 0:
		err := c.inTx(ctx, "create device cache", func(tx *sql.Tx) error {
			for _, q := range schema {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return c.wal(ctx)
	case !slices.Equal(tables, []string{"meta", "rooms"}):
		return &ForeignError{Path: c.path, Found: "tables " + strings.Join(tables, ", "), Format: format}
	}
	var f string
	if err := c.db.QueryRowContext(ctx, `SELECT format FROM meta WHERE id = 1`).Scan(&f); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return &CorruptError{Path: c.path, Err: errors.New("no meta row")}
		}
		return c.wrap("open device cache", err)
	}
	if f != format {
		return &ForeignError{Path: c.path, Found: fmt.Sprintf("format %q", f), Format: format}
	}
	return c.wal(ctx)
}

// wal switches the file to write-ahead logging, so the kiosk's UI can read
// while a frame is being saved.
func (c *Cache) wal(ctx context.Context) error {
	var mode string
	if err := c.db.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode); err != nil {
		return c.wrap("open device cache", err)
	}
	return nil
}

func (c *Cache) tables(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Close closes the file.
func (c *Cache) Close() error { return c.db.Close() }

// Path returns the file the cache was opened from.
func (c *Cache) Path() string { return c.path }

// Load returns the cached state as a snapshot whose GeneratedAt is the
// moment the data was last known current (the last save or Touch), and
// the zero Snapshot when nothing was ever saved. Rooms are in ID order.
func (c *Cache) Load(ctx context.Context) (hubproto.Snapshot, error) {
	var s hubproto.Snapshot
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s, c.wrap("load device cache", err)
	}
	defer tx.Rollback()
	var device, hub string
	var saved int64
	err = tx.QueryRowContext(ctx, `SELECT seq, epoch, protocol, device, hub, saved_at FROM meta WHERE id = 1`).
		Scan(&s.Seq, &s.Hub.Epoch, &s.Protocol, &device, &hub, &saved)
	if err != nil {
		return hubproto.Snapshot{}, c.wrap("load device cache", err)
	}
	if saved == 0 {
		return hubproto.Snapshot{}, nil
	}
	epoch := s.Hub.Epoch
	if err := c.unmarshal(device, &s.Device); err != nil {
		return hubproto.Snapshot{}, err
	}
	if err := c.unmarshal(hub, &s.Hub); err != nil {
		return hubproto.Snapshot{}, err
	}
	s.Hub.Epoch = epoch
	s.GeneratedAt = time.UnixMicro(saved).UTC()
	rows, err := tx.QueryContext(ctx, `SELECT room_id, view FROM rooms ORDER BY room_id`)
	if err != nil {
		return hubproto.Snapshot{}, c.wrap("load device cache", err)
	}
	defer rows.Close()
	s.Rooms = []hubproto.RoomView{}
	for rows.Next() {
		var id, view string
		if err := rows.Scan(&id, &view); err != nil {
			return hubproto.Snapshot{}, c.wrap("load device cache", err)
		}
		var v hubproto.RoomView
		if err := c.unmarshal(view, &v); err != nil {
			return hubproto.Snapshot{}, err
		}
		if v.ID != id {
			return hubproto.Snapshot{}, &CorruptError{Path: c.path, Err: fmt.Errorf("room row %q holds room %q", id, v.ID)}
		}
		s.Rooms = append(s.Rooms, v)
	}
	if err := rows.Err(); err != nil {
		return hubproto.Snapshot{}, c.wrap("load device cache", err)
	}
	return s, nil
}

// unmarshal decodes a JSON column, bounded like the wire.
func (c *Cache) unmarshal(data string, v any) error {
	if len(data) > hubproto.MaxFrameBytes {
		return &CorruptError{Path: c.path, Err: fmt.Errorf("JSON column of %d bytes", len(data))}
	}
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return &CorruptError{Path: c.path, Err: err}
	}
	return nil
}

// SaveSnapshot replaces everything in the cache with s, in one
// transaction.
func (c *Cache) SaveSnapshot(ctx context.Context, s hubproto.Snapshot) error {
	device, err := json.Marshal(s.Device)
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	hub, err := json.Marshal(s.Hub)
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	views := make([][]byte, len(s.Rooms))
	for i, v := range s.Rooms {
		if views[i], err = json.Marshal(v); err != nil {
			return fmt.Errorf("save snapshot: room %s: %w", v.ID, err)
		}
	}
	return c.inTx(ctx, "save snapshot", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rooms`); err != nil {
			return err
		}
		for i, v := range s.Rooms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (room_id, seq, view) VALUES ($1, $2, $3)`, v.ID, int64(s.Seq), string(views[i])); err != nil {
				return fmt.Errorf("room %s: %w", v.ID, err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE meta SET seq = $1, epoch = $2, protocol = $3, device = $4, hub = $5, saved_at = $6 WHERE id = 1`,
			int64(s.Seq), s.Hub.Epoch, s.Protocol, string(device), string(hub), c.stamp())
		return err
	})
}

// SaveRoom stores one room's new view and the sequence number that came
// with it, atomically, so a crash leaves either the old or the new state.
func (c *Cache) SaveRoom(ctx context.Context, v hubproto.RoomView, seq uint64) error {
	if v.ID == "" {
		return errors.New("save room: no room ID")
	}
	view, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save room %s: %w", v.ID, err)
	}
	return c.inTx(ctx, "save room "+v.ID, func(tx *sql.Tx) error {
		// DELETE then INSERT rather than an upsert: the plainest SQL there is.
		if _, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE room_id = $1`, v.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (room_id, seq, view) VALUES ($1, $2, $3)`, v.ID, int64(seq), string(view)); err != nil {
			return err
		}
		return c.setSeq(ctx, tx, seq)
	})
}

// RemoveRoom deletes a room that left the device's view, with the sequence
// number of that change.
func (c *Cache) RemoveRoom(ctx context.Context, roomID string, seq uint64) error {
	return c.inTx(ctx, "remove room "+roomID, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE room_id = $1`, roomID); err != nil {
			return err
		}
		return c.setSeq(ctx, tx, seq)
	})
}

// Touch records that the cached data is current now (the hub is
// reachable and has nothing new), so the age shown after a restart is
// that of the last contact rather than of the last change. It does nothing
// before the first snapshot was saved.
func (c *Cache) Touch(ctx context.Context) error {
	return c.inTx(ctx, "touch device cache", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE meta SET saved_at = $1 WHERE id = 1 AND saved_at <> 0`, c.stamp())
		return err
	})
}

func (c *Cache) setSeq(ctx context.Context, tx *sql.Tx, seq uint64) error {
	_, err := tx.ExecContext(ctx, `UPDATE meta SET seq = $1, saved_at = $2 WHERE id = 1`, int64(seq), c.stamp())
	return err
}

// stamp is now in microseconds; never 0, which means "never saved".
func (c *Cache) stamp() int64 { return max(c.now().UnixMicro(), 1) }

// inTx runs fn in one transaction and commits it if fn returns nil.
func (c *Cache) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.wrap(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return c.wrap(op, err)
	}
	return c.wrap(op, tx.Commit())
}

// wrap names the operation and turns SQLite's "not a database" and
// "corrupt" results into *CorruptError.
func (c *Cache) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s: %w", op, &CorruptError{Path: c.path, Err: err})
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}
