package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
)

// FeedState is where the hub's change feed stands: its epoch and the last
// sequence number it handed out.
type FeedState struct {
	// Epoch is chosen at random the first time the feed is read and never
	// changes for this database; clients that saw another epoch start over.
	Epoch string
	Seq   uint64
}

// FeedRoom is a room's latest position in the change feed.
type FeedRoom struct {
	RoomID string
	Seq    uint64
	// Removed is set when the room's latest change was its removal.
	Removed bool
	// ViewHash identifies the room's view as last sent; the store does not
	// interpret it.
	ViewHash string
}

const feedMetaName = "feed"

// FeedState returns the feed's epoch and last sequence number, choosing
// the epoch on first use.
func (db *DB) FeedState(ctx context.Context) (FeedState, error) {
	var st FeedState
	err := db.inTx(ctx, "feed state", func(tx *sql.Tx) error {
		var err error
		st, err = feedState(ctx, tx)
		return err
	})
	return st, err
}

// feedState reads the feed row inside tx, creating it with a fresh epoch
// when it is missing.
func feedState(ctx context.Context, tx *sql.Tx) (FeedState, error) {
	var buf [16]byte
	rand.Read(buf[:]) // never fails (crypto/rand panics instead)
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_meta (name, text_value, int_value) VALUES ($1, $2, 0)
		ON CONFLICT (name) DO NOTHING`, feedMetaName, hex.EncodeToString(buf[:])); err != nil {
		return FeedState{}, err
	}
	var st FeedState
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT text_value, int_value FROM hub_meta WHERE name = $1`, feedMetaName).
		Scan(&st.Epoch, &seq); err != nil {
		return FeedState{}, err
	}
	if seq < 0 {
		return FeedState{}, fmt.Errorf("feed sequence %d is negative", seq)
	}
	st.Seq = uint64(seq)
	return st, nil
}

// FeedRooms returns every room's latest feed position, ordered by
// sequence number.
func (db *DB) FeedRooms(ctx context.Context) ([]FeedRoom, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT room_id, seq, removed, view_hash FROM feed_rooms ORDER BY seq`)
	if err != nil {
		return nil, db.wrap("feed rooms", err)
	}
	defer rows.Close()
	var out []FeedRoom
	for rows.Next() {
		var r FeedRoom
		var seq int64
		if err := rows.Scan(&r.RoomID, &seq, &r.Removed, &r.ViewHash); err != nil {
			return nil, db.wrap("feed rooms", err)
		}
		r.Seq = uint64(seq)
		out = append(out, r)
	}
	return out, db.wrap("feed rooms", rows.Err())
}

// AdvanceFeed gives each of rooms the next sequence number, in order, and
// stores them with the feed's new last number in one transaction: a number
// once returned is never handed out again, even after a crash, and a crash
// before the commit hands out none of them. The Seq fields of rooms are
// ignored; the result carries the numbers given. A room listed twice ends
// up with the later number.
func (db *DB) AdvanceFeed(ctx context.Context, rooms []FeedRoom) ([]FeedRoom, FeedState, error) {
	for _, r := range rooms {
		if r.RoomID == "" {
			return nil, FeedState{}, fmt.Errorf("advance feed: %w: room without ID", ErrInvalid)
		}
	}
	out := make([]FeedRoom, len(rooms))
	var st FeedState
	err := db.inTx(ctx, "advance feed", func(tx *sql.Tx) error {
		var err error
		if st, err = feedState(ctx, tx); err != nil {
			return err
		}
		if st.Seq > math.MaxInt64-uint64(len(rooms)) {
			return fmt.Errorf("feed sequence exhausted at %d", st.Seq)
		}
		up, err := tx.PrepareContext(ctx, `INSERT INTO feed_rooms (room_id, seq, removed, view_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT (room_id) DO UPDATE SET seq = excluded.seq, removed = excluded.removed, view_hash = excluded.view_hash`)
		if err != nil {
			return err
		}
		defer up.Close()
		for i, r := range rooms {
			st.Seq++
			r.Seq = st.Seq
			if _, err := up.ExecContext(ctx, r.RoomID, int64(r.Seq), r.Removed, r.ViewHash); err != nil {
				return fmt.Errorf("room %s: %w", r.RoomID, err)
			}
			out[i] = r
		}
		_, err = tx.ExecContext(ctx, `UPDATE hub_meta SET int_value = $1 WHERE name = $2`, int64(st.Seq), feedMetaName)
		return err
	})
	if err != nil {
		return nil, FeedState{}, err
	}
	return out, st, nil
}
