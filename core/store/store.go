package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open Roomboard cache. It is safe for concurrent use.
type DB struct {
	sql  *sql.DB
	path string
	now  func() time.Time
}

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	now         func() time.Time
	migrations  fs.FS
	// upTo stops migration at this version; tests use it to build a
	// database as an older build would have left it. Zero means all.
	upTo int
}

// WithBusyTimeout sets how long a statement waits for another connection's
// write lock before failing; the default is 5 seconds.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// WithClock sets the clock used for timestamps the store fills in itself
// (migration times, audit entries without At); the default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// ErrNotFound is returned when a row asked for by its key does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned (wrapped) for input the store refuses to write,
// such as a booking without a source ID or a device without a token hash.
var ErrInvalid = errors.New("invalid input")

// SchemaTooNewError reports a database written by a newer Roomboard build,
// whose schema this build does not know. The file is left as it is.
type SchemaTooNewError struct {
	Path    string
	Version int // schema version found in the file
	Known   int // newest schema version this build knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database %s has schema version %d but this build knows only up to %d; use a newer roomboard", e.Path, e.Version, e.Known)
}

// CorruptError reports a file that is not a SQLite database or whose pages
// are damaged. Open does not write to such a file.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("database %s is corrupt or not a database: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Open opens (creating if needed) the cache at path and brings its schema
// up to date. The directory must exist.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{busyTimeout: 5 * time.Second, now: time.Now, migrations: embedded}
	for _, opt := range opts {
		opt(&o)
	}
	// The driver cuts the DSN at the first '?', so such a path would open
	// a different file.
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("open store %q: %w: path must be non-empty and must not contain '?'", path, ErrInvalid)
	}
	ms, err := loadMigrations(o.migrations)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// _txlock=immediate takes the write lock at BEGIN, so two writers
	// queue on busy_timeout instead of one failing when it upgrades a read
	// lock. All transactions in this package write.
	dsn := path + "?_pragma=busy_timeout(" + strconv.FormatInt(o.busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{sql: sdb, path: path, now: o.now}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, db.wrap("open store", err)
	}
	if err := db.migrate(ctx, ms, o.upTo); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Check runs SQLite's integrity check and returns a *CorruptError listing
// the problems if there are any. It reads the whole file, so it is for
// diagnostics (roomboard doctor) and tests, not for every start.
func (db *DB) Check(ctx context.Context) error {
	rows, err := db.sql.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return db.wrap("integrity check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return db.wrap("integrity check", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return db.wrap("integrity check", err)
	}
	if len(problems) > 0 {
		return &CorruptError{Path: db.path, Err: errors.New(strings.Join(problems, "; "))}
	}
	return nil
}

// wrap names the operation and turns SQLite's corruption codes into a
// *CorruptError so callers can branch on it.
func (db *DB) wrap(op string, err error) error {
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
			return fmt.Errorf("%s: %w", op, &CorruptError{Path: db.path, Err: err})
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inTx runs fn in one transaction and commits it if fn returns nil.
func (db *DB) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return db.wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return db.wrap(op, err)
	}
	return nil
}

// Instants are stored as BIGINT microseconds since the Unix epoch: exact,
// ordered, and the same type in SQLite and PostgreSQL. A zero time.Time is
// stored as NULL.

func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}
