package ewssource

import (
	"context"
	"strings"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
)

// Directory implements syncer.Source: the rooms of every room list
// (GetRoomLists, GetRooms), plus rooms in no list found through the
// directory (FindPeople with Options.RoomQueries), then narrowed to scope.
// Equipment mailboxes are not in room lists and the directory does not
// tell them from people, so only the selected ones are listed.
func (s *Source) Directory(ctx context.Context, scope config.Scope) (syncer.Directory, error) {
	var dir syncer.Directory
	lists, err := s.c.GetRoomLists(ctx)
	if err != nil {
		return dir, classify(err)
	}
	byID := map[string]int{}
	add := func(mb ews.Mailbox, listID, building string) {
		id := strings.ToLower(strings.TrimSpace(mb.EmailAddress))
		if id == "" {
			return
		}
		if _, ok := byID[id]; ok {
			return
		}
		byID[id] = len(dir.Rooms)
		dir.Rooms = append(dir.Rooms, room.Room{ID: id, Email: mb.EmailAddress, Name: firstNonEmpty(mb.Name, mb.EmailAddress),
			Kind: room.KindRoom, ListID: listID, Building: building})
	}
	for _, l := range lists {
		id := strings.ToLower(l.EmailAddress)
		dir.Lists = append(dir.Lists, room.RoomList{ID: id, Email: l.EmailAddress, Name: l.Name, Building: l.Name})
		rooms, err := s.c.GetRooms(ctx, l.EmailAddress)
		if err != nil {
			return syncer.Directory{}, classify(err)
		}
		for _, r := range rooms {
			add(r, id, l.Name)
		}
	}
	for _, q := range s.opts.RoomQueries {
		for offset := 0; ; {
			res, err := s.c.FindPeople(ctx, &ews.FindPeopleRequest{Query: q, Offset: offset, Max: 500})
			if err != nil {
				return syncer.Directory{}, classify(err)
			}
			for _, p := range res.People {
				if p.PersonaType == "Room" {
					add(p.EmailAddress, "", "")
				}
			}
			if !res.More() {
				break
			}
			offset = res.Offset + len(res.People)
		}
	}
	if scope.Rooms.Mode == config.SelectSelected {
		want := lowerSet(scope.Rooms.Selected)
		kept := dir.Rooms[:0]
		for _, r := range dir.Rooms {
			if want[r.ID] {
				kept = append(kept, r)
			}
		}
		dir.Rooms = kept
	}
	if scope.Equipment.Mode == config.SelectSelected {
		for _, e := range scope.Equipment.Selected {
			id := strings.ToLower(strings.TrimSpace(e))
			if id != "" {
				dir.Rooms = append(dir.Rooms, room.Room{ID: id, Email: e, Name: e, Kind: room.KindEquipment})
			}
		}
	}
	return dir, nil
}

func lowerSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[strings.ToLower(strings.TrimSpace(s))] = true
	}
	return m
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
