package syncer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// refreshDirectory makes the catalogue match what the source lists within
// scope: room lists, rooms and equipment, people and groups. It removes
// whatever left the directory or the scope, and starts or stops the
// mailbox loops. A failed listing changes nothing, so an outage never
// empties the catalogue; a room's policy, which only an operator sets, is
// never touched.
func (s *Syncer) refreshDirectory(ctx context.Context) error {
	dir, err := s.sem1(ctx, func() (Directory, error) { return s.src.Directory(ctx, s.opts.Scope) })
	if err != nil {
		return fmt.Errorf("discover rooms: %w", err)
	}
	lists, known := normalizeLists(dir.Lists)
	rooms, seen := normalizeRooms(dir.Rooms, known)

	stored, err := s.db.Rooms(ctx)
	if err != nil {
		return err
	}
	old := map[string]room.Room{}
	for _, r := range stored {
		old[r.ID] = r
	}
	if err := s.db.UpsertRoomLists(ctx, lists); err != nil {
		return err
	}
	if err := s.db.UpsertDirectoryRooms(ctx, rooms); err != nil {
		return err
	}
	if err := s.db.ReplacePeopleAndGroups(ctx, normalizePeople(dir.People), normalizeGroups(dir.Groups)); err != nil {
		return err
	}
	for _, r := range rooms {
		if o, ok := old[r.ID]; !ok || directoryChanged(o, r) {
			bus.Publish(s.bus, RoomChanged{RoomID: r.ID})
		}
		s.start(ctx, r.ID)
	}
	for id := range old {
		if seen[id] {
			continue
		}
		s.stop(id)
		if err := s.db.RemoveRoom(ctx, id); err != nil {
			return err
		}
		// Forget the token too: a room re-created under the same address
		// is a new mailbox and needs a full sync.
		if err := s.db.PutSyncState(ctx, store.SyncState{Mailbox: id, Integration: s.opts.Integration}); err != nil {
			return err
		}
		bus.Publish(s.bus, RoomChanged{RoomID: id, Removed: true})
	}
	// Lists go last: removing one first would detach rooms that are
	// about to be stored again with it.
	storedLists, err := s.db.RoomLists(ctx)
	if err != nil {
		return err
	}
	for _, l := range storedLists {
		if !known[l.ID] {
			if err := s.db.RemoveRoomList(ctx, l.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// directoryChanged reports whether a room's directory facts changed in a
// way boards show. An empty zone from the source keeps the stored one.
func directoryChanged(o, n room.Room) bool {
	return o.Name != n.Name || o.Email != n.Email || o.ListID != n.ListID || o.Capacity != n.Capacity ||
		o.Kind != n.Kind || o.Building != n.Building || o.Floor != n.Floor ||
		(n.TimeZone != "" && o.TimeZone != n.TimeZone) || !slices.Equal(o.Equipment, n.Equipment)
}

func normalizeLists(in []room.RoomList) ([]room.RoomList, map[string]bool) {
	known := map[string]bool{}
	out := make([]room.RoomList, 0, len(in))
	for _, l := range in {
		l.ID = strings.ToLower(strings.TrimSpace(l.ID))
		if l.ID == "" || known[l.ID] {
			continue
		}
		known[l.ID] = true
		out = append(out, l)
	}
	return out, known
}

func normalizeRooms(in []room.Room, lists map[string]bool) ([]room.Room, map[string]bool) {
	seen := map[string]bool{}
	out := make([]room.Room, 0, len(in))
	for _, r := range in {
		r.ID = strings.ToLower(strings.TrimSpace(r.ID))
		if r.ID == "" || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		if r.ListID != "" && !lists[r.ListID] {
			r.ListID = ""
		}
		out = append(out, r)
	}
	return out, seen
}

func normalizePeople(in []room.Person) []room.Person {
	seen := map[string]bool{}
	out := make([]room.Person, 0, len(in))
	for _, p := range in {
		p.ID = strings.ToLower(strings.TrimSpace(p.ID))
		if p.ID == "" || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	return out
}

func normalizeGroups(in []room.Group) []room.Group {
	seen := map[string]bool{}
	out := make([]room.Group, 0, len(in))
	for _, g := range in {
		g.ID = strings.ToLower(strings.TrimSpace(g.ID))
		if g.ID == "" || seen[g.ID] {
			continue
		}
		seen[g.ID] = true
		out = append(out, g)
	}
	return out
}
