package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// Integration is the non-secret part of one connection to Exchange as the
// hub keeps it: Settings is the integration's configuration as JSON
// (core/config.Integration), which holds no passwords or client secrets;
// those live in the OS keyring.
type Integration struct {
	ID       string
	Name     string
	Kind     string
	Disabled bool
	Settings json.RawMessage
	Updated  time.Time
}

// PutIntegration inserts or replaces an integration.
func (db *DB) PutIntegration(ctx context.Context, in Integration) error {
	if in.ID == "" {
		return fmt.Errorf("put integration: %w: empty ID", ErrInvalid)
	}
	var settings *string
	if len(in.Settings) > 0 {
		if !json.Valid(in.Settings) {
			return fmt.Errorf("put integration %s: %w: settings are not JSON", in.ID, ErrInvalid)
		}
		s := string(in.Settings)
		settings = &s
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO integrations (id, name, kind, disabled, settings, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, disabled = excluded.disabled,
			settings = excluded.settings, updated_at = excluded.updated_at`,
		in.ID, in.Name, in.Kind, in.Disabled, settings, nullMicros(in.Updated))
	return db.wrap("put integration "+in.ID, err)
}

// Integrations returns all integrations ordered by ID.
func (db *DB) Integrations(ctx context.Context) ([]Integration, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, name, kind, disabled, settings, updated_at FROM integrations ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list integrations", err)
	}
	defer rows.Close()
	var out []Integration
	for rows.Next() {
		var in Integration
		var settings *string
		var updated sql.NullInt64
		if err := rows.Scan(&in.ID, &in.Name, &in.Kind, &in.Disabled, &settings, &updated); err != nil {
			return nil, db.wrap("list integrations", err)
		}
		if settings != nil {
			in.Settings = json.RawMessage(*settings)
		}
		in.Updated = fromNullMicros(updated)
		out = append(out, in)
	}
	return out, db.wrap("list integrations", rows.Err())
}

// RemoveIntegration deletes an integration; removing a missing one is not
// an error.
func (db *DB) RemoveIntegration(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM integrations WHERE id = $1`, id)
	return db.wrap("remove integration "+id, err)
}

// UpsertRoomLists inserts or updates room lists in one transaction.
func (db *DB) UpsertRoomLists(ctx context.Context, lists []room.RoomList) error {
	return db.inTx(ctx, "upsert room lists", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO room_lists (id, email, name, building, floor) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
				building = excluded.building, floor = excluded.floor`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, l := range lists {
			if l.ID == "" {
				return fmt.Errorf("%w: room list %q without ID", ErrInvalid, l.Name)
			}
			if _, err := st.ExecContext(ctx, l.ID, l.Email, l.Name, l.Building, l.Floor); err != nil {
				return fmt.Errorf("room list %s: %w", l.ID, err)
			}
		}
		return nil
	})
}

// RoomLists returns all room lists ordered by ID.
func (db *DB) RoomLists(ctx context.Context) ([]room.RoomList, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, email, name, building, floor FROM room_lists ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list room lists", err)
	}
	defer rows.Close()
	var out []room.RoomList
	for rows.Next() {
		var l room.RoomList
		if err := rows.Scan(&l.ID, &l.Email, &l.Name, &l.Building, &l.Floor); err != nil {
			return nil, db.wrap("list room lists", err)
		}
		out = append(out, l)
	}
	return out, db.wrap("list room lists", rows.Err())
}

// RemoveRoomList deletes a room list; its rooms stay, with no list.
func (db *DB) RemoveRoomList(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM room_lists WHERE id = $1`, id)
	return db.wrap("remove room list "+id, err)
}

const roomColumns = `id, email, name, capacity, kind, list_id, building, floor, time_zone, features, policy`

// UpsertRooms inserts or updates rooms and equipment in one transaction.
// A room's ListID must name a stored room list, or be empty.
// A policy an operator set with SetRoomPolicy is kept: the directory
// refresh upserts rooms with the policy it read earlier, which would
// otherwise undo an operator's change made in between.
func (db *DB) UpsertRooms(ctx context.Context, rooms []room.Room) error {
	return db.inTx(ctx, "upsert rooms", func(tx *sql.Tx) error {
		return upsertRooms(ctx, tx, rooms, `time_zone = excluded.time_zone, features = excluded.features,
			policy = CASE WHEN rooms.policy_set THEN rooms.policy ELSE excluded.policy END`)
	})
}

// upsertRooms writes rooms in tx; onConflict is the SET list for the
// columns after floor, where UpsertRooms and UpsertDirectoryRooms differ.
func upsertRooms(ctx context.Context, tx *sql.Tx, rooms []room.Room, onConflict string) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO rooms (`+roomColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, capacity = excluded.capacity,
			kind = excluded.kind, list_id = excluded.list_id, building = excluded.building, floor = excluded.floor, `+onConflict)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rooms {
		if r.ID == "" {
			return fmt.Errorf("%w: room %q without ID", ErrInvalid, r.Name)
		}
		features, err := encodeStrings(r.Equipment)
		if err != nil {
			return fmt.Errorf("room %s: %w", r.ID, err)
		}
		policy, err := encodePolicy(r.Policy)
		if err != nil {
			return fmt.Errorf("room %s: %w", r.ID, err)
		}
		if _, err := st.ExecContext(ctx, r.ID, r.Email, r.Name, r.Capacity, r.Kind.String(), nullString(r.ListID),
			r.Building, r.Floor, r.TimeZone, features, policy); err != nil {
			return fmt.Errorf("room %s: %w", r.ID, err)
		}
	}
	return nil
}

// Rooms returns all rooms and equipment ordered by ID; Kind tells them
// apart.
func (db *DB) Rooms(ctx context.Context) ([]room.Room, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+roomColumns+` FROM rooms ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list rooms", err)
	}
	defer rows.Close()
	var out []room.Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, db.wrap("list rooms", err)
		}
		out = append(out, r)
	}
	return out, db.wrap("list rooms", rows.Err())
}

// Room returns one room or piece of equipment, or ErrNotFound.
func (db *DB) Room(ctx context.Context, id string) (room.Room, error) {
	r, err := scanRoom(db.sql.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return r, db.wrap("room "+id, err)
}

func scanRoom(s rowScanner) (room.Room, error) {
	var r room.Room
	var kind string
	var listID sql.NullString
	var features, policy *string
	if err := s.Scan(&r.ID, &r.Email, &r.Name, &r.Capacity, &kind, &listID, &r.Building, &r.Floor, &r.TimeZone,
		&features, &policy); err != nil {
		return r, err
	}
	if kind == room.KindEquipment.String() {
		r.Kind = room.KindEquipment
	}
	r.ListID = listID.String
	var err error
	if r.Equipment, err = decodeStrings(features, "features"); err != nil {
		return r, err
	}
	r.Policy, err = decodePolicy(policy)
	return r, err
}

// RemoveRoom deletes a room or piece of equipment and, with it, its
// bookings.
func (db *DB) RemoveRoom(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM rooms WHERE id = $1`, id)
	return db.wrap("remove room "+id, err)
}

// UpsertPeople inserts or updates people in one transaction.
func (db *DB) UpsertPeople(ctx context.Context, people []room.Person) error {
	return db.inTx(ctx, "upsert people", func(tx *sql.Tx) error { return upsertPeople(ctx, tx, people) })
}

func upsertPeople(ctx context.Context, tx *sql.Tx, people []room.Person) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO people (id, email, name, department, title) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
			department = excluded.department, title = excluded.title`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, p := range people {
		if p.ID == "" {
			return fmt.Errorf("%w: person %q without ID", ErrInvalid, p.Name)
		}
		if _, err := st.ExecContext(ctx, p.ID, p.Email, p.Name, p.Department, p.Title); err != nil {
			return fmt.Errorf("person %s: %w", p.ID, err)
		}
	}
	return nil
}

// People returns all people ordered by ID.
func (db *DB) People(ctx context.Context) ([]room.Person, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, email, name, department, title FROM people ORDER BY id`)
	if err != nil {
		return nil, db.wrap("list people", err)
	}
	defer rows.Close()
	var out []room.Person
	for rows.Next() {
		var p room.Person
		if err := rows.Scan(&p.ID, &p.Email, &p.Name, &p.Department, &p.Title); err != nil {
			return nil, db.wrap("list people", err)
		}
		out = append(out, p)
	}
	return out, db.wrap("list people", rows.Err())
}

// RemovePerson deletes a person.
func (db *DB) RemovePerson(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id)
	return db.wrap("remove person "+id, err)
}

// UpsertGroups inserts or updates groups in one transaction; each group's
// stored members are replaced by its Members.
func (db *DB) UpsertGroups(ctx context.Context, groups []room.Group) error {
	return db.inTx(ctx, "upsert groups", func(tx *sql.Tx) error { return upsertGroups(ctx, tx, groups) })
}

func upsertGroups(ctx context.Context, tx *sql.Tx, groups []room.Group) error {
	up, err := tx.PrepareContext(ctx, `INSERT INTO groups (id, email, name) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name`)
	if err != nil {
		return err
	}
	defer up.Close()
	drop, err := tx.PrepareContext(ctx, `DELETE FROM group_members WHERE group_id = $1`)
	if err != nil {
		return err
	}
	defer drop.Close()
	add, err := tx.PrepareContext(ctx, `INSERT INTO group_members (group_id, member_id) VALUES ($1, $2)
		ON CONFLICT (group_id, member_id) DO NOTHING`)
	if err != nil {
		return err
	}
	defer add.Close()
	for _, g := range groups {
		if g.ID == "" {
			return fmt.Errorf("%w: group %q without ID", ErrInvalid, g.Name)
		}
		if _, err := up.ExecContext(ctx, g.ID, g.Email, g.Name); err != nil {
			return fmt.Errorf("group %s: %w", g.ID, err)
		}
		if _, err := drop.ExecContext(ctx, g.ID); err != nil {
			return fmt.Errorf("group %s: %w", g.ID, err)
		}
		for _, m := range g.Members {
			if _, err := add.ExecContext(ctx, g.ID, m); err != nil {
				return fmt.Errorf("group %s member %s: %w", g.ID, m, err)
			}
		}
	}
	return nil
}

// Groups returns all groups ordered by ID, each with its member IDs in
// order.
func (db *DB) Groups(ctx context.Context) ([]room.Group, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT g.id, g.email, g.name, m.member_id
		FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
		ORDER BY g.id, m.member_id`)
	if err != nil {
		return nil, db.wrap("list groups", err)
	}
	defer rows.Close()
	var out []room.Group
	for rows.Next() {
		var g room.Group
		var member sql.NullString
		if err := rows.Scan(&g.ID, &g.Email, &g.Name, &member); err != nil {
			return nil, db.wrap("list groups", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != g.ID {
			out = append(out, g)
		}
		if member.Valid {
			last := &out[len(out)-1]
			last.Members = append(last.Members, member.String)
		}
	}
	return out, db.wrap("list groups", rows.Err())
}

// RemoveGroup deletes a group and its memberships.
func (db *DB) RemoveGroup(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id)
	return db.wrap("remove group "+id, err)
}
