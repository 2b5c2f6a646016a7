package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// What the hub (core/server) keeps: paired devices with their mode and
// last report, operator accounts and sessions, iCalendar feed tokens, and
// room policies set by an operator. Like devices, every credential is
// stored as a hash; the store refuses anything that is not hash-sized.

// PairedDevice is a Device with what pairing and the device's own reports
// add to it.
type PairedDevice struct {
	Device
	// Mode is "room" or "floor" (hubproto.ModeRoom, hubproto.ModeFloor).
	Mode string
	// Floors are the room list IDs a floor device shows.
	Floors []string
	// Version is the roomboard version the device last reported.
	Version string
	// Health is the device's last report as JSON; nil before the first.
	Health json.RawMessage
}

const pairedColumns = deviceColumns + `, mode, floors, version, health`

// PutPairedDevice inserts or replaces a device with its pairing details.
func (db *DB) PutPairedDevice(ctx context.Context, d PairedDevice) error {
	if d.ID == "" || len(d.TokenHash) != sha256.Size || d.Created.IsZero() {
		return fmt.Errorf("put device %q: %w: needs an ID, a creation time and a %d-byte token hash", d.ID, ErrInvalid, sha256.Size)
	}
	if len(d.Health) > 0 && !json.Valid(d.Health) {
		return fmt.Errorf("put device %s: %w: health is not JSON", d.ID, ErrInvalid)
	}
	rooms, err := encodeStrings(d.Rooms)
	if err != nil {
		return fmt.Errorf("put device %s: %w", d.ID, err)
	}
	floors, err := encodeStrings(d.Floors)
	if err != nil {
		return fmt.Errorf("put device %s: %w", d.ID, err)
	}
	mode := d.Mode
	if mode == "" {
		mode = "room"
	}
	_, err = db.sql.ExecContext(ctx, `INSERT INTO devices (`+pairedColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash, rooms = excluded.rooms,
			created_at = excluded.created_at, last_seen = excluded.last_seen, revoked_at = excluded.revoked_at,
			mode = excluded.mode, floors = excluded.floors, version = excluded.version, health = excluded.health`,
		d.ID, d.Name, hex.EncodeToString(d.TokenHash), rooms, micros(d.Created), nullMicros(d.LastSeen), nullMicros(d.RevokedAt),
		mode, floors, d.Version, rawJSON(d.Health))
	return db.wrap("put device "+d.ID, err)
}

// PairedDevice returns one device with its pairing details, or ErrNotFound.
func (db *DB) PairedDevice(ctx context.Context, id string) (PairedDevice, error) {
	d, err := scanPaired(db.sql.QueryRowContext(ctx, `SELECT `+pairedColumns+` FROM devices WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return d, db.wrap("device "+id, err)
}

// PairedDeviceByTokenHash returns the device whose token hashes to hash,
// revoked or not (the caller checks RevokedAt), or ErrNotFound.
func (db *DB) PairedDeviceByTokenHash(ctx context.Context, hash []byte) (PairedDevice, error) {
	d, err := scanPaired(db.sql.QueryRowContext(ctx, `SELECT `+pairedColumns+` FROM devices WHERE token_hash = $1`,
		hex.EncodeToString(hash)))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return d, db.wrap("device by token", err)
}

// PairedDevices returns all devices with their pairing details, ordered by
// ID.
func (db *DB) PairedDevices(ctx context.Context) ([]PairedDevice, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+pairedColumns+` FROM devices ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list devices", err)
	}
	defer rows.Close()
	var out []PairedDevice
	for rows.Next() {
		d, err := scanPaired(rows)
		if err != nil {
			return nil, db.wrap("list devices", err)
		}
		out = append(out, d)
	}
	return out, db.wrap("list devices", rows.Err())
}

// RecordDeviceReport stores a device's report: the version it runs, its
// health as JSON, and that it was seen at at.
func (db *DB) RecordDeviceReport(ctx context.Context, id string, at time.Time, version string, health json.RawMessage) error {
	if len(health) > 0 && !json.Valid(health) {
		return fmt.Errorf("record report of %s: %w: health is not JSON", id, ErrInvalid)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE devices SET version = $1, health = $2, last_seen = $3 WHERE id = $4`,
		version, rawJSON(health), micros(at), id)
	return db.wrap("record report of "+id, affected(res, err))
}

func scanPaired(s rowScanner) (PairedDevice, error) {
	var d PairedDevice
	var hash string
	var rooms, floors, health *string
	var created int64
	var seen, revoked sql.NullInt64
	if err := s.Scan(&d.ID, &d.Name, &hash, &rooms, &created, &seen, &revoked, &d.Mode, &floors, &d.Version, &health); err != nil {
		return d, err
	}
	var err error
	if d.TokenHash, err = hex.DecodeString(hash); err != nil {
		return d, fmt.Errorf("decode token hash: %w", err)
	}
	d.Created, d.LastSeen, d.RevokedAt = fromMicros(created), fromNullMicros(seen), fromNullMicros(revoked)
	if d.Rooms, err = decodeStrings(rooms, "device rooms"); err != nil {
		return d, err
	}
	if d.Floors, err = decodeStrings(floors, "device floors"); err != nil {
		return d, err
	}
	if health != nil && *health != "" {
		d.Health = json.RawMessage(*health)
	}
	return d, nil
}

// Operator is a local operator account of the admin API. PasswordHash is
// the encoded salted hash core/server computes; the store treats it as
// opaque but refuses an empty one.
type Operator struct {
	Login        string
	Role         string // "viewer" or "admin"
	PasswordHash string
	Created      time.Time
	Updated      time.Time
}

// PutOperator inserts or replaces an operator account. Replacing keeps the
// account's sessions; callers that change a password remove them with
// RemoveOperatorSessions.
func (db *DB) PutOperator(ctx context.Context, o Operator) error {
	if o.Login == "" || o.Role == "" || o.PasswordHash == "" || o.Created.IsZero() {
		return fmt.Errorf("put operator %q: %w: needs a login, a role, a password hash and a creation time", o.Login, ErrInvalid)
	}
	updated := o.Updated
	if updated.IsZero() {
		updated = o.Created
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO operators (login, role, verifier, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (login) DO UPDATE SET role = excluded.role, verifier = excluded.verifier,
			updated_at = excluded.updated_at`,
		o.Login, o.Role, o.PasswordHash, micros(o.Created), micros(updated))
	return db.wrap("put operator "+o.Login, err)
}

// Operator returns one operator account, or ErrNotFound.
func (db *DB) Operator(ctx context.Context, login string) (Operator, error) {
	o, err := scanOperator(db.sql.QueryRowContext(ctx,
		`SELECT login, role, verifier, created_at, updated_at FROM operators WHERE login = $1`, login))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return o, db.wrap("operator "+login, err)
}

// Operators returns all operator accounts ordered by login.
func (db *DB) Operators(ctx context.Context) ([]Operator, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT login, role, verifier, created_at, updated_at FROM operators ORDER BY login`)
	if err != nil {
		return nil, db.wrap("list operators", err)
	}
	defer rows.Close()
	var out []Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, db.wrap("list operators", err)
		}
		out = append(out, o)
	}
	return out, db.wrap("list operators", rows.Err())
}

// RemoveOperator deletes an operator account and its sessions; removing a
// missing one is not an error.
func (db *DB) RemoveOperator(ctx context.Context, login string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM operators WHERE login = $1`, login)
	return db.wrap("remove operator "+login, err)
}

func scanOperator(s rowScanner) (Operator, error) {
	var o Operator
	var created, updated int64
	if err := s.Scan(&o.Login, &o.Role, &o.PasswordHash, &created, &updated); err != nil {
		return o, err
	}
	o.Created, o.Updated = fromMicros(created), fromMicros(updated)
	return o, nil
}

// Session is an operator's signed-in session. TokenHash is the SHA-256 of
// the session token.
type Session struct {
	TokenHash []byte
	Login     string
	Created   time.Time
	Expires   time.Time
}

// PutSession stores a new session of an existing operator.
func (db *DB) PutSession(ctx context.Context, s Session) error {
	if len(s.TokenHash) != sha256.Size || s.Login == "" || s.Created.IsZero() || s.Expires.IsZero() {
		return fmt.Errorf("put session: %w: needs a %d-byte token hash, a login and its times", ErrInvalid, sha256.Size)
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO operator_sessions (token_hash, login, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hex.EncodeToString(s.TokenHash), s.Login, micros(s.Created), micros(s.Expires))
	return db.wrap("put session of "+s.Login, err)
}

// SessionByTokenHash returns the session whose token hashes to hash,
// expired or not (the caller checks Expires), or ErrNotFound.
func (db *DB) SessionByTokenHash(ctx context.Context, hash []byte) (Session, error) {
	var s Session
	var h string
	var created, expires int64
	err := db.sql.QueryRowContext(ctx, `SELECT token_hash, login, created_at, expires_at FROM operator_sessions WHERE token_hash = $1`,
		hex.EncodeToString(hash)).Scan(&h, &s.Login, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, db.wrap("session", ErrNotFound)
	}
	if err != nil {
		return s, db.wrap("session", err)
	}
	s.TokenHash, s.Created, s.Expires = hash, fromMicros(created), fromMicros(expires)
	return s, nil
}

// RemoveSession deletes one session (sign-out); a missing one is not an
// error.
func (db *DB) RemoveSession(ctx context.Context, hash []byte) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM operator_sessions WHERE token_hash = $1`, hex.EncodeToString(hash))
	return db.wrap("remove session", err)
}

// RemoveOperatorSessions deletes every session of login, after a password
// or role change.
func (db *DB) RemoveOperatorSessions(ctx context.Context, login string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM operator_sessions WHERE login = $1`, login)
	return db.wrap("remove sessions of "+login, err)
}

// RemoveExpiredSessions deletes sessions that expired at or before now and
// returns how many.
func (db *DB) RemoveExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM operator_sessions WHERE expires_at <= $1`, micros(now))
	if err != nil {
		return 0, db.wrap("remove expired sessions", err)
	}
	n, err := res.RowsAffected()
	return n, db.wrap("remove expired sessions", err)
}

// PutICalFeed sets the token of roomID's iCalendar feed, replacing (and so
// revoking) any earlier one. The room must exist.
func (db *DB) PutICalFeed(ctx context.Context, roomID string, tokenHash []byte, at time.Time) error {
	if roomID == "" || len(tokenHash) != sha256.Size || at.IsZero() {
		return fmt.Errorf("put iCalendar feed %q: %w: needs a room, a %d-byte token hash and a time", roomID, ErrInvalid, sha256.Size)
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO ical_feeds (room_id, token_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (room_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
		roomID, hex.EncodeToString(tokenHash), micros(at))
	return db.wrap("put iCalendar feed of "+roomID, err)
}

// ICalFeedRoom returns the ID of the room whose feed token hashes to
// tokenHash, or ErrNotFound.
func (db *DB) ICalFeedRoom(ctx context.Context, tokenHash []byte) (string, error) {
	var id string
	err := db.sql.QueryRowContext(ctx, `SELECT room_id FROM ical_feeds WHERE token_hash = $1`, hex.EncodeToString(tokenHash)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return id, db.wrap("iCalendar feed", err)
}

// ICalFeeds returns when each room that has a feed got its current token,
// by room ID.
func (db *DB) ICalFeeds(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT room_id, created_at FROM ical_feeds`)
	if err != nil {
		return nil, db.wrap("list iCalendar feeds", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, db.wrap("list iCalendar feeds", err)
		}
		out[id] = fromMicros(at)
	}
	return out, db.wrap("list iCalendar feeds", rows.Err())
}

// RemoveICalFeed revokes roomID's feed; it returns ErrNotFound when the
// room has none.
func (db *DB) RemoveICalFeed(ctx context.Context, roomID string) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM ical_feeds WHERE room_id = $1`, roomID)
	return db.wrap("remove iCalendar feed of "+roomID, affected(res, err))
}

// SetRoomPolicy sets an operator's policy on room id, or returns
// ErrNotFound. From then on UpsertRooms keeps this policy.
func (db *DB) SetRoomPolicy(ctx context.Context, id string, p room.Policy) error {
	policy, err := encodePolicy(p)
	if err != nil {
		return fmt.Errorf("set policy of %s: %w", id, err)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE rooms SET policy = $1, policy_set = TRUE WHERE id = $2`, policy, id)
	return db.wrap("set policy of "+id, affected(res, err))
}

// affected turns an UPDATE or DELETE that matched no row into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func rawJSON(b json.RawMessage) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}
