package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Device is a paired kiosk. The store keeps only the SHA-256 hash of the
// device's token; the token itself is shown once at pairing and never
// stored.
type Device struct {
	ID   string
	Name string
	// TokenHash is sha256.Sum256 of the device token.
	TokenHash []byte
	// Rooms are the IDs of the rooms the device may show.
	Rooms     []string
	Created   time.Time
	LastSeen  time.Time
	RevokedAt time.Time
}

const deviceColumns = `id, name, token_hash, rooms, created_at, last_seen, revoked_at`

// PutDevice inserts or replaces a device.
func (db *DB) PutDevice(ctx context.Context, d Device) error {
	// The length check stops a raw token (or anything else) from being
	// stored where a hash belongs.
	if d.ID == "" || len(d.TokenHash) != sha256.Size || d.Created.IsZero() {
		return fmt.Errorf("put device %q: %w: needs an ID, a creation time and a %d-byte token hash", d.ID, ErrInvalid, sha256.Size)
	}
	rooms, err := encodeStrings(d.Rooms)
	if err != nil {
		return fmt.Errorf("put device %s: %w", d.ID, err)
	}
	_, err = db.sql.ExecContext(ctx, `INSERT INTO devices (`+deviceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash, rooms = excluded.rooms,
			created_at = excluded.created_at, last_seen = excluded.last_seen, revoked_at = excluded.revoked_at`,
		d.ID, d.Name, hex.EncodeToString(d.TokenHash), rooms, micros(d.Created), nullMicros(d.LastSeen), nullMicros(d.RevokedAt))
	return db.wrap("put device "+d.ID, err)
}

// Device returns one device, or ErrNotFound.
func (db *DB) Device(ctx context.Context, id string) (Device, error) {
	d, err := scanDevice(db.sql.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return d, db.wrap("device "+id, err)
}

// DeviceByTokenHash returns the device whose token hashes to hash, revoked
// or not (the caller checks RevokedAt), or ErrNotFound.
func (db *DB) DeviceByTokenHash(ctx context.Context, hash []byte) (Device, error) {
	d, err := scanDevice(db.sql.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE token_hash = $1`,
		hex.EncodeToString(hash)))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return d, db.wrap("device by token", err)
}

// Devices returns all devices ordered by ID.
func (db *DB) Devices(ctx context.Context) ([]Device, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+deviceColumns+` FROM devices ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list devices", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, db.wrap("list devices", err)
		}
		out = append(out, d)
	}
	return out, db.wrap("list devices", rows.Err())
}

// TouchDevice records that the device was seen at at.
func (db *DB) TouchDevice(ctx context.Context, id string, at time.Time) error {
	return db.setTime(ctx, "touch device "+id, `UPDATE devices SET last_seen = $1 WHERE id = $2`, id, at)
}

// RevokeDevice marks the device's token revoked at at.
func (db *DB) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return db.setTime(ctx, "revoke device "+id, `UPDATE devices SET revoked_at = $1 WHERE id = $2`, id, at)
}

// RemoveDevice deletes a device; removing a missing one is not an error.
func (db *DB) RemoveDevice(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM devices WHERE id = $1`, id)
	return db.wrap("remove device "+id, err)
}

func scanDevice(s rowScanner) (Device, error) {
	var d Device
	var hash string
	var rooms *string
	var created int64
	var seen, revoked sql.NullInt64
	if err := s.Scan(&d.ID, &d.Name, &hash, &rooms, &created, &seen, &revoked); err != nil {
		return d, err
	}
	var err error
	if d.TokenHash, err = hex.DecodeString(hash); err != nil {
		return d, fmt.Errorf("decode token hash: %w", err)
	}
	d.Created, d.LastSeen, d.RevokedAt = fromMicros(created), fromNullMicros(seen), fromNullMicros(revoked)
	d.Rooms, err = decodeStrings(rooms, "device rooms")
	return d, err
}
