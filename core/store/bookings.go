package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// Op is what a Change does to the cached bookings.
type Op int

const (
	// OpCreate adds a booking the source reports as new.
	OpCreate Op = iota + 1
	// OpUpdate changes a booking the source reports as changed.
	OpUpdate
	// OpDelete removes a booking; only Booking.RoomID and SourceID matter.
	OpDelete
)

// String returns "create", "update" or "delete".
func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Change is one booking change reported by a source (an EWS
// SyncFolderItems Create/Update/Delete, a Graph delta entry).
//
// Creates and updates are both stored as an upsert keyed by (RoomID,
// SourceID): a source may report an item it already reported as created
// again (after a resync), and that must not add a second row.
type Change struct {
	Op      Op
	Booking room.Booking
}

// Window is a time range [Start, End) that a full resync covered.
type Window struct {
	Start, End time.Time
}

// bookingColumns are read and written in this order by scanBooking and
// bookingArgs.
const bookingColumns = `id, room_id, source_id, change_key, ical_uid, subject, organizer_name, organizer_email,
	attendees, starts_at, ends_at, all_day, private, cancelled, recurring, series_id, location, online_meeting_url,
	checked_in_at, released_at, updated_at`

// upsertBooking keeps the row's ID on conflict, and keeps a recorded
// check-in or release unless the incoming booking carries one: those are
// the hub's own facts, which a source never reports.
const upsertBooking = `INSERT INTO bookings (` + bookingColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
	ON CONFLICT (room_id, source_id) DO UPDATE SET change_key = excluded.change_key, ical_uid = excluded.ical_uid,
		subject = excluded.subject, organizer_name = excluded.organizer_name,
		organizer_email = excluded.organizer_email, attendees = excluded.attendees, starts_at = excluded.starts_at,
		ends_at = excluded.ends_at, all_day = excluded.all_day, private = excluded.private,
		cancelled = excluded.cancelled, recurring = excluded.recurring, series_id = excluded.series_id,
		location = excluded.location, online_meeting_url = excluded.online_meeting_url,
		checked_in_at = COALESCE(excluded.checked_in_at, bookings.checked_in_at),
		released_at = COALESCE(excluded.released_at, bookings.released_at),
		updated_at = excluded.updated_at`

const deleteBooking = `DELETE FROM bookings WHERE room_id = $1 AND source_id = $2`

// BookingID returns the ID the store gives a booking that arrives without
// one: derived from room and source ID, so a replayed create gets the same
// ID.
func BookingID(roomID, sourceID string) string {
	h := sha256.Sum256([]byte(roomID + "\x00" + sourceID))
	return hex.EncodeToString(h[:12])
}

func bookingArgs(b room.Booking) ([]any, error) {
	if b.RoomID == "" || b.SourceID == "" {
		return nil, fmt.Errorf("%w: booking %q needs a room ID and a source ID", ErrInvalid, b.Subject)
	}
	if b.Start.IsZero() || b.End.IsZero() || b.End.Before(b.Start) {
		return nil, fmt.Errorf("%w: booking %s in %s has start %v and end %v", ErrInvalid, b.SourceID, b.RoomID, b.Start, b.End)
	}
	id := b.ID
	if id == "" {
		id = BookingID(b.RoomID, b.SourceID)
	}
	attendees, err := encodeAttendees(b.Attendees)
	if err != nil {
		return nil, fmt.Errorf("booking %s: %w", b.SourceID, err)
	}
	return []any{id, b.RoomID, b.SourceID, b.ChangeKey, b.ICalUID, b.Subject, b.Organizer.Name, b.Organizer.Email,
		attendees, micros(b.Start), micros(b.End), b.AllDay, b.Private, b.Cancelled, b.Recurring, b.SeriesID,
		b.Location, b.OnlineMeetingURL, nullMicros(b.CheckedInAt), nullMicros(b.ReleasedAt), nullMicros(b.Updated)}, nil
}

func scanBooking(s rowScanner) (room.Booking, error) {
	var b room.Booking
	var attendees *string
	var start, end int64
	var checkedIn, released, updated sql.NullInt64
	if err := s.Scan(&b.ID, &b.RoomID, &b.SourceID, &b.ChangeKey, &b.ICalUID, &b.Subject, &b.Organizer.Name,
		&b.Organizer.Email, &attendees, &start, &end, &b.AllDay, &b.Private, &b.Cancelled, &b.Recurring,
		&b.SeriesID, &b.Location, &b.OnlineMeetingURL, &checkedIn, &released, &updated); err != nil {
		return b, err
	}
	b.Start, b.End = fromMicros(start), fromMicros(end)
	b.CheckedInAt, b.ReleasedAt, b.Updated = fromNullMicros(checkedIn), fromNullMicros(released), fromNullMicros(updated)
	var err error
	b.Attendees, err = decodeAttendees(attendees)
	return b, err
}

// ApplyBookingChanges applies one batch of changes reported for mailbox
// together with the sync state that follows them, in one transaction.
// Either all of it is stored or none of it, so a sync killed at any point
// resumes from a state that matches the cached bookings and never applies
// a batch twice. A change whose Booking.RoomID is empty belongs to the room
// whose ID is the mailbox address in lower case. Deleting a booking that is
// not stored is not an error.
func (db *DB) ApplyBookingChanges(ctx context.Context, mailbox string, changes []Change, st SyncState) error {
	if mailbox == "" {
		return fmt.Errorf("apply booking changes: %w: empty mailbox", ErrInvalid)
	}
	st.Mailbox = mailbox
	defaultRoom := strings.ToLower(mailbox)
	return db.inTx(ctx, "apply booking changes for "+mailbox, func(tx *sql.Tx) error {
		up, err := tx.PrepareContext(ctx, upsertBooking)
		if err != nil {
			return err
		}
		defer up.Close()
		del, err := tx.PrepareContext(ctx, deleteBooking)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, c := range changes {
			b := c.Booking
			if b.RoomID == "" {
				b.RoomID = defaultRoom
			}
			switch c.Op {
			case OpCreate, OpUpdate:
				args, err := bookingArgs(b)
				if err != nil {
					return err
				}
				if _, err := up.ExecContext(ctx, args...); err != nil {
					return fmt.Errorf("%s booking %s: %w", c.Op, b.SourceID, err)
				}
			case OpDelete:
				if _, err := del.ExecContext(ctx, b.RoomID, b.SourceID); err != nil {
					return fmt.Errorf("delete booking %s: %w", b.SourceID, err)
				}
			default:
				return fmt.Errorf("%w: change op %v", ErrInvalid, c.Op)
			}
		}
		return putSyncState(ctx, tx, st)
	})
}

// ReplaceBookings stores the result of a full resync of one room over w:
// afterwards the room's bookings that overlap w are exactly bookings (an
// existing booking keeps its ID and check-in), and st is the room's sync
// state with its window set to w, all in one transaction. Bookings outside
// w are kept as history. st.Mailbox defaults to roomID.
func (db *DB) ReplaceBookings(ctx context.Context, roomID string, w Window, bookings []room.Booking, st SyncState) error {
	if roomID == "" || !w.End.After(w.Start) {
		return fmt.Errorf("replace bookings: %w: room %q, window %v … %v", ErrInvalid, roomID, w.Start, w.End)
	}
	if st.Mailbox == "" {
		st.Mailbox = roomID
	}
	st.WindowStart, st.WindowEnd = w.Start, w.End
	return db.inTx(ctx, "replace bookings of "+roomID, func(tx *sql.Tx) error {
		keep := make(map[string]bool, len(bookings))
		for _, b := range bookings {
			if b.RoomID != "" && b.RoomID != roomID {
				return fmt.Errorf("%w: booking %s belongs to %s, not %s", ErrInvalid, b.SourceID, b.RoomID, roomID)
			}
			keep[b.SourceID] = true
		}
		rows, err := tx.QueryContext(ctx, `SELECT source_id FROM bookings WHERE room_id = $1 AND starts_at < $2 AND ends_at > $3`,
			roomID, micros(w.End), micros(w.Start))
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range gone {
			if _, err := tx.ExecContext(ctx, deleteBooking, roomID, id); err != nil {
				return err
			}
		}
		up, err := tx.PrepareContext(ctx, upsertBooking)
		if err != nil {
			return err
		}
		defer up.Close()
		for _, b := range bookings {
			b.RoomID = roomID
			args, err := bookingArgs(b)
			if err != nil {
				return err
			}
			if _, err := up.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("booking %s: %w", b.SourceID, err)
			}
		}
		return putSyncState(ctx, tx, st)
	})
}

// BookingsBetween returns the room's bookings that overlap [from, to),
// cancelled and released ones included, ordered by start.
func (db *DB) BookingsBetween(ctx context.Context, roomID string, from, to time.Time) ([]room.Booking, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE room_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, ends_at, id`,
		roomID, micros(to), micros(from))
	if err != nil {
		return nil, db.wrap("bookings of "+roomID, err)
	}
	defer rows.Close()
	var out []room.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, db.wrap("bookings of "+roomID, err)
		}
		out = append(out, b)
	}
	return out, db.wrap("bookings of "+roomID, rows.Err())
}

// Booking returns one booking by its ID, or ErrNotFound.
func (db *DB) Booking(ctx context.Context, id string) (room.Booking, error) {
	b, err := scanBooking(db.sql.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return b, db.wrap("booking "+id, err)
}

// MarkCheckedIn records that someone checked in to a booking at the room.
func (db *DB) MarkCheckedIn(ctx context.Context, id string, at time.Time) error {
	return db.setTime(ctx, "check in booking "+id, `UPDATE bookings SET checked_in_at = $1 WHERE id = $2`, id, at)
}

// MarkReleased records that a booking was released (auto-release or "end
// now"); the booking stays but no longer occupies the room.
func (db *DB) MarkReleased(ctx context.Context, id string, at time.Time) error {
	return db.setTime(ctx, "release booking "+id, `UPDATE bookings SET released_at = $1 WHERE id = $2`, id, at)
}

// setTime runs an UPDATE that sets one instant ($1) on the row with ID $2.
func (db *DB) setTime(ctx context.Context, op, query, id string, at time.Time) error {
	res, err := db.sql.ExecContext(ctx, query, nullMicros(at), id)
	if err != nil {
		return db.wrap(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(op, err)
	} else if n == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}
