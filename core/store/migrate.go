package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

//go:embed sql/migrations/*.sql
var embedded embed.FS

const migrationsDir = "sql/migrations"

// migration is one numbered file from sql/migrations ("0002-devices.sql").
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and orders the migrations and checks that they are
// numbered 1, 2, 3 … without gaps, so a missing file cannot go unnoticed.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, migrationsDir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "-")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN-what.sql", e.Name())
		}
		if v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", e.Name(), len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, path.Join(migrationsDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration: %w", err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", migrationsDir)
	}
	return ms, nil
}

// migrate applies every migration newer than the stored version, up to
// upTo (0 means all), in one transaction: an upgrade either completes or
// leaves the file at its old version.
func (db *DB) migrate(ctx context.Context, ms []migration, upTo int) error {
	known := ms[len(ms)-1].version
	if upTo == 0 || upTo > known {
		upTo = known
	}
	return db.inTx(ctx, "migrate", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		cur, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if cur > known {
			return &SchemaTooNewError{Path: db.path, Version: cur, Known: known}
		}
		now := micros(db.now())
		for _, m := range ms {
			if m.version <= cur || m.version > upTo {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, now); err != nil {
				return fmt.Errorf("record %s: %w", m.name, err)
			}
		}
		return nil
	})
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// SchemaVersion returns the schema version stored in the database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, db.sql)
	return v, db.wrap("schema version", err)
}
