package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SyncState is where the sync of one mailbox stands, and how healthy it
// is. State and DeltaLink are opaque to the store.
type SyncState struct {
	Mailbox string
	// Integration is the ID of the integration the mailbox is synced
	// through.
	Integration string
	// State is the EWS SyncState (or a Graph delta token).
	State string
	// DeltaLink is the Graph @odata.deltaLink to continue from.
	DeltaLink string
	// WindowStart and WindowEnd bound the last full sync.
	WindowStart, WindowEnd time.Time
	LastSuccess            time.Time
	LastError              string
	LastErrorAt            time.Time
}

const syncStateColumns = `mailbox, integration, sync_state, delta_link, window_start, window_end, last_success, last_error, last_error_at`

func putSyncState(ctx context.Context, tx *sql.Tx, st SyncState) error {
	if st.Mailbox == "" {
		return fmt.Errorf("%w: sync state without mailbox", ErrInvalid)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (`+syncStateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (mailbox) DO UPDATE SET integration = excluded.integration, sync_state = excluded.sync_state,
			delta_link = excluded.delta_link, window_start = excluded.window_start, window_end = excluded.window_end,
			last_success = excluded.last_success, last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
		st.Mailbox, st.Integration, st.State, st.DeltaLink, nullMicros(st.WindowStart), nullMicros(st.WindowEnd),
		nullMicros(st.LastSuccess), st.LastError, nullMicros(st.LastErrorAt))
	if err != nil {
		return fmt.Errorf("put sync state of %s: %w", st.Mailbox, err)
	}
	return nil
}

// PutSyncState stores st as the mailbox's sync state, replacing all of it.
func (db *DB) PutSyncState(ctx context.Context, st SyncState) error {
	return db.inTx(ctx, "put sync state", func(tx *sql.Tx) error { return putSyncState(ctx, tx, st) })
}

// RecordSyncError notes a failed sync of mailbox at at. It changes only the
// error fields: the stored sync state and last success stay, because a
// failure must never cost the position the next sync resumes from.
func (db *DB) RecordSyncError(ctx context.Context, mailbox string, at time.Time, msg string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO sync_state (mailbox, last_error, last_error_at) VALUES ($1, $2, $3)
		ON CONFLICT (mailbox) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
		mailbox, msg, nullMicros(at))
	return db.wrap("record sync error of "+mailbox, err)
}

// SyncState returns the mailbox's sync state, or ErrNotFound if it was
// never synced.
func (db *DB) SyncState(ctx context.Context, mailbox string) (SyncState, error) {
	st, err := scanSyncState(db.sql.QueryRowContext(ctx, `SELECT `+syncStateColumns+` FROM sync_state WHERE mailbox = $1`, mailbox))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return st, db.wrap("sync state of "+mailbox, err)
}

// SyncStates returns the sync state of every mailbox ordered by mailbox,
// for health views.
func (db *DB) SyncStates(ctx context.Context) ([]SyncState, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+syncStateColumns+` FROM sync_state ORDER BY mailbox`)
	if err != nil {
		return nil, db.wrap("list sync states", err)
	}
	defer rows.Close()
	var out []SyncState
	for rows.Next() {
		st, err := scanSyncState(rows)
		if err != nil {
			return nil, db.wrap("list sync states", err)
		}
		out = append(out, st)
	}
	return out, db.wrap("list sync states", rows.Err())
}

func scanSyncState(s rowScanner) (SyncState, error) {
	var st SyncState
	var ws, we, ok, ea sql.NullInt64
	if err := s.Scan(&st.Mailbox, &st.Integration, &st.State, &st.DeltaLink, &ws, &we, &ok, &st.LastError, &ea); err != nil {
		return st, err
	}
	st.WindowStart, st.WindowEnd = fromNullMicros(ws), fromNullMicros(we)
	st.LastSuccess, st.LastErrorAt = fromNullMicros(ok), fromNullMicros(ea)
	return st, nil
}
