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
		return upsertRooms(ctx, tx, rooms, `time_zone = CASE WHEN excluded.time_zone = '' THEN rooms.time_zone ELSE excluded.time_zone END,
			features = excluded.features`)
	})
}

// ReplacePeopleAndGroups makes the stored people and groups exactly people
// and groups, in one transaction: it upserts them (each group's members
// replaced) and deletes every stored person and group not among them.
// Either all of it happens or nothing does.
func (db *DB) ReplacePeopleAndGroups(ctx context.Context, people []room.Person, groups []room.Group) error {
	return db.inTx(ctx, "replace people and groups", func(tx *sql.Tx) error {
		if err := upsertPeople(ctx, tx, people); err != nil {
			return err
		}
		if err := upsertGroups(ctx, tx, groups); err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, p := range people {
			keep["p "+p.ID] = true
		}
		for _, g := range groups {
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
