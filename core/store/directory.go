package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/roomboard/roomboard/core/room"
)

// UpsertDirectoryRooms stores what the directory says about rooms and
// equipment in one transaction: name, address, capacity, kind, room list,
// building, floor, time zone and features. It never changes the policy of
// a stored room, which an operator set and the directory does not know; a
// new room gets r.Policy. An empty TimeZone keeps the stored zone, so a
// failed zone lookup does not reset a room to UTC. A room's ListID must
// name a stored room list, or be empty.
func (db *DB) UpsertDirectoryRooms(ctx context.Context, rooms []room.Room) error {
	return db.inTx(ctx, "upsert directory rooms", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO rooms (`+roomColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, capacity = excluded.capacity,
				kind = excluded.kind, list_id = excluded.list_id, building = excluded.building, floor = excluded.floor,
				time_zone = CASE WHEN excluded.time_zone = '' THEN rooms.time_zone ELSE excluded.time_zone END,
				features = excluded.features`)
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
	})
}

// ReplacePeopleAndGroups makes the stored people and groups exactly people
// and groups, in one transaction: it upserts them (each group's members
// replaced) and deletes every stored person and group not among them.
// Either all of it happens or nothing does.
func (db *DB) ReplacePeopleAndGroups(ctx context.Context, people []room.Person, groups []room.Group) error {
	return db.inTx(ctx, "replace people and groups", func(tx *sql.Tx) error {
		keep := map[string]bool{}
		up, err := tx.PrepareContext(ctx, `INSERT INTO people (id, email, name, department, title) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
				department = excluded.department, title = excluded.title`)
		if err != nil {
			return err
		}
		defer up.Close()
		for _, p := range people {
			if p.ID == "" {
				return fmt.Errorf("%w: person %q without ID", ErrInvalid, p.Name)
			}
			if _, err := up.ExecContext(ctx, p.ID, p.Email, p.Name, p.Department, p.Title); err != nil {
				return fmt.Errorf("person %s: %w", p.ID, err)
			}
			keep["p "+p.ID] = true
		}
		gup, err := tx.PrepareContext(ctx, `INSERT INTO groups (id, email, name) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name`)
		if err != nil {
			return err
		}
		defer gup.Close()
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
			if _, err := gup.ExecContext(ctx, g.ID, g.Email, g.Name); err != nil {
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
			keep["g "+g.ID] = true
		}
		if err := deleteOthers(ctx, tx, "people", "p ", keep); err != nil {
			return err
		}
		return deleteOthers(ctx, tx, "groups", "g ", keep)
	})
}

// deleteOthers deletes the rows of table (people or groups) whose ID,
// after prefix, is not in keep.
func deleteOthers(ctx context.Context, tx *sql.Tx, table, prefix string, keep map[string]bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM `+table)
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
		if !keep[prefix+id] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id); err != nil {
			return fmt.Errorf("remove %s %s: %w", table, id, err)
		}
	}
	return nil
}
