package ewssource_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// Equipment in the simulator is named "投影機 台北 n", "视频会议设备 上海 n",
// "Beamer Zürich n" and "Poolfahrzeug München n".
var simEquipmentQueries = []string{"投影機", "视频会议设备", "Beamer", "Poolfahrzeug"}

// directoryRig is a simulator with nested groups (one nesting cycle) and a
// room in a DST-free zone with the same standard offset as Zürich.
func directoryRig(t *testing.T) (*ewstest.Server, *ewssource.Source) {
	t.Helper()
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 7, Rooms: 14, Equipment: 8, Users: 16, Groups: 5})
	t.Cleanup(ts.Close)
	users := sim.Mailboxes(ewstest.KindUser)
	groups := sim.Mailboxes(ewstest.KindGroup)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Nesting: Geschäftsleitung ⊃ 台北 行政部 (existing) and Projekt Größe;
	// Projekt Größe ⊃ 黄浦江 项目组 ⊃ Projekt Größe (a cycle).
	must(sim.AddGroup(ewstest.Mailbox{Address: "projekt-groesse@contoso.com", Name: "Projekt Größe", Members: []string{users[3].Address}}))
	must(sim.AddGroup(ewstest.Mailbox{Address: "huangpu-team@contoso.com", Name: "黄浦江 项目组",
		Members: []string{users[4].Address, users[5].Address, "projekt-groesse@contoso.com"}}))
	must(sim.SetGroupMembers("projekt-groesse@contoso.com", []string{users[3].Address, "huangpu-team@contoso.com"}))
	must(sim.AddGroup(ewstest.Mailbox{Address: "geschaeftsleitung@contoso.com", Name: "Geschäftsleitung",
		Members: []string{users[6].Address, groups[2].Address, "projekt-groesse@contoso.com"}}))
	lagos, err := time.LoadLocation("Africa/Lagos")
	must(err)
	must(sim.AddRoom(ewstest.Mailbox{Address: "room-lagos-eko@contoso.com", Name: "Eko Boardroom Lagos", Capacity: 12, TimeZone: lagos}))
	src := ewssource.New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), ewssource.Options{EquipmentQueries: simEquipmentQueries, Logf: t.Logf})
	return sim, src
}

// entry is what the tests compare of a room or piece of equipment.
type entry struct {
	Name, Kind, TimeZone, ListID string
}

func gotRooms(d syncer.Directory) map[string]entry {
	out := map[string]entry{}
	for _, r := range d.Rooms {
		out[r.ID] = entry{r.Name, r.Kind.String(), r.TimeZone, r.ListID}
	}
	return out
}

func truthRooms(sim *ewstest.Server, kind ewstest.MailboxKind, keep func(string) bool) map[string]entry {
	out := map[string]entry{}
	for _, m := range sim.Mailboxes(kind) {
		if !keep(m.Address) {
			continue
		}
		e := entry{Name: m.Name, Kind: "room", TimeZone: m.TimeZone.String()}
		if kind == ewstest.KindEquipment {
			e.Kind = "equipment"
		}
		if len(m.RoomLists) > 0 {
			e.ListID = m.RoomLists[0]
		}
		out[m.Address] = e
	}
	return out
}

// truthGroup is the simulator's group with the people in it, nested
// groups expanded.
func truthGroup(sim *ewstest.Server, addr string) room.Group {
	byAddr := map[string]ewstest.Mailbox{}
	for _, m := range sim.Mailboxes(0) {
		byAddr[m.Address] = m
	}
	g := room.Group{ID: addr, Email: addr, Name: byAddr[addr].Name}
	seen := map[string]bool{}
	var walk func(a string)
	walk = func(a string) {
		if seen[a] {
			return
		}
		seen[a] = true
		m := byAddr[a]
		if m.Kind == ewstest.KindGroup {
			for _, x := range m.Members {
				walk(x)
			}
			return
		}
		g.Members = append(g.Members, a)
	}
	walk(addr)
	slices.Sort(g.Members)
	return g
}

func truthPeople(sim *ewstest.Server, keep func(string) bool) []room.Person {
	var out []room.Person
	for _, m := range sim.Mailboxes(ewstest.KindUser) {
		if keep(m.Address) {
			out = append(out, room.Person{ID: m.Address, Email: m.Address, Name: m.Name})
		}
	}
	slices.SortFunc(out, func(a, b room.Person) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func all(string) bool { return true }

func in(ss ...string) func(string) bool { return func(s string) bool { return slices.Contains(ss, s) } }

func union(ms ...map[string]entry) map[string]entry {
	out := map[string]entry{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestDirectoryScopesEqualTruth(t *testing.T) {
	sim, src := directoryRig(t)
	rooms := sim.Rooms()
	var listed, unlisted string
	for _, r := range rooms {
		if len(r.RoomLists) == 0 && unlisted == "" {
			unlisted = r.Address
		} else if len(r.RoomLists) > 0 && listed == "" {
			listed = r.Address
		}
	}
	equipment := sim.Mailboxes(ewstest.KindEquipment)
	var allGroups []room.Group
	for _, g := range sim.Mailboxes(ewstest.KindGroup) {
		allGroups = append(allGroups, truthGroup(sim, g.Address))
	}
	slices.SortFunc(allGroups, func(a, b room.Group) int { return strings.Compare(a.ID, b.ID) })
	cycle := truthGroup(sim, "projekt-groesse@contoso.com")
	if len(cycle.Members) != 3 {
		t.Fatalf("cycle group has %v, want the 3 people of both groups", cycle.Members)
	}
	boss := truthGroup(sim, "geschaeftsleitung@contoso.com")

	tests := []struct {
		name       string
		scope      config.Scope
		wantRooms  map[string]entry
		wantPeople []room.Person
		wantGroups []room.Group
	}{
		{
			name:      "rooms all, no equipment, no users",
			scope:     config.Scope{Rooms: config.Selection{Mode: config.SelectAll}, Users: config.UserScope{Mode: config.UsersNone}},
			wantRooms: truthRooms(sim, ewstest.KindRoom, all),
		},
		{
			name: "selected rooms, all equipment, all users",
			scope: config.Scope{Rooms: config.Selection{Mode: config.SelectSelected, Selected: []string{strings.ToUpper(listed), unlisted, "room-abgerissen@contoso.com"}},
				Equipment: config.Selection{Mode: config.SelectAll}, Users: config.UserScope{Mode: config.UsersAll}},
			wantRooms:  union(truthRooms(sim, ewstest.KindRoom, in(listed, unlisted)), truthRooms(sim, ewstest.KindEquipment, all)),
			wantPeople: truthPeople(sim, all),
		},
		{
			name: "all rooms, selected equipment, all users and their groups",
			scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll},
				Equipment: config.Selection{Mode: config.SelectSelected, Selected: []string{equipment[1].Address, "beamer-verschrottet@contoso.com"}},
				Users:     config.UserScope{Mode: config.UsersAllGroups}},
			wantRooms:  union(truthRooms(sim, ewstest.KindRoom, all), truthRooms(sim, ewstest.KindEquipment, in(equipment[1].Address))),
			wantPeople: truthPeople(sim, all),
			wantGroups: allGroups,
		},
		{
			name: "members of selected groups (nested, with a cycle)",
			scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll},
				Users: config.UserScope{Mode: config.UsersGroups, Groups: []string{"Geschaeftsleitung@contoso.com", "gibt-es-nicht@contoso.com"}}},
			wantRooms:  truthRooms(sim, ewstest.KindRoom, all),
			wantPeople: truthPeople(sim, in(boss.Members...)),
			wantGroups: []room.Group{boss},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := src.Directory(context.Background(), tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantRooms, gotRooms(d)); diff != "" {
				t.Errorf("rooms (-want +got):\n%s", diff)
			}
			people := make([]room.Person, 0, len(d.People))
			for _, p := range d.People {
				people = append(people, room.Person{ID: p.ID, Email: p.Email, Name: p.Name})
			}
			if diff := cmp.Diff(tc.wantPeople, people, cmpEmpty); diff != "" {
				t.Errorf("people (-want +got):\n%s", diff)
			}
			groups := slices.Clone(d.Groups)
			slices.SortFunc(groups, func(a, b room.Group) int { return strings.Compare(a.ID, b.ID) })
			if diff := cmp.Diff(tc.wantGroups, groups, cmpEmpty); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmpopts.EquateEmpty()

func TestDirectoryFailureIsAnError(t *testing.T) {
	for _, op := range []string{"GetRoomLists", "GetRooms", "FindPeople", "ExpandDL"} {
		t.Run(op, func(t *testing.T) {
			sim, src := directoryRig(t)
			sim.Inject(ewstest.Fault{Op: op, HTTPStatus: 500})
			_, err := src.Directory(context.Background(), config.Scope{Rooms: config.Selection{Mode: config.SelectAll},
				Equipment: config.Selection{Mode: config.SelectAll}, Users: config.UserScope{Mode: config.UsersAllGroups}})
			if err == nil {
				t.Fatalf("Directory with failing %s succeeded", op)
			}
		})
	}
}

func TestDirectoryTimeZoneFailureLeavesZoneEmpty(t *testing.T) {
	sim, src := directoryRig(t)
	sim.Inject(ewstest.Fault{Op: "GetUserAvailabilityRequest", HTTPStatus: 503})
	d, err := src.Directory(context.Background(), config.Scope{Rooms: config.Selection{Mode: config.SelectAll}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Rooms {
		if r.TimeZone != "" {
			t.Errorf("room %s has zone %q without availability", r.ID, r.TimeZone)
		}
	}
}

func TestIANAZone(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cet := &ews.WorkingHours{StandardOffset: time.Hour, DaylightOffset: 2 * time.Hour,
		ToDaylight: &ews.ZoneTransition{Month: time.March, DayOrder: 5, Weekday: time.Sunday, Time: 2 * time.Hour},
		ToStandard: &ews.ZoneTransition{Month: time.October, DayOrder: 5, Weekday: time.Sunday, Time: 3 * time.Hour}}
	us := &ews.WorkingHours{StandardOffset: -5 * time.Hour, DaylightOffset: -4 * time.Hour,
		ToDaylight: &ews.ZoneTransition{Month: time.March, DayOrder: 2, Weekday: time.Sunday, Time: 2 * time.Hour},
		ToStandard: &ews.ZoneTransition{Month: time.November, DayOrder: 1, Weekday: time.Sunday, Time: 2 * time.Hour}}
	// CET rules with the change an hour late match no IANA zone.
	late := *cet
	late.ToStandard = &ews.ZoneTransition{Month: time.October, DayOrder: 5, Weekday: time.Sunday, Time: 4 * time.Hour}
	fixed := func(off time.Duration) *ews.WorkingHours {
		return &ews.WorkingHours{StandardOffset: off, DaylightOffset: off}
	}
	tests := []struct {
		name  string
		wh    *ews.WorkingHours
		hints []string
		want  string
	}{
		{"CET, no hint", cet, nil, "Europe/Zurich"},
		{"CET in Zürich", cet, []string{"Besprechungsraum Zürich Limmat"}, "Europe/Zurich"},
		{"CET in München", cet, []string{"Besprechungsraum München Isartor", "München Werksviertel"}, "Europe/Berlin"},
		{"+1 without DST", fixed(time.Hour), []string{"Besprechungsraum Zürich"}, "Africa/Lagos"},
		{"+8 in 台北", fixed(8 * time.Hour), []string{"台北 101 會議室 35A"}, "Asia/Taipei"},
		{"+8 in 上海", fixed(8 * time.Hour), []string{"上海 浦东 会议室 外滩"}, "Asia/Shanghai"},
		{"US Eastern", us, []string{"Boardroom"}, "America/New_York"},
		{"CET with a late change", &late, nil, ""},
		{"+13 without DST", fixed(13 * time.Hour), nil, "Etc/GMT-13"},
		{"+5:45 without DST", fixed(5*time.Hour + 45*time.Minute), nil, ""},
		{"no working hours", nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ewssource.IANAZone(tc.wh, now, tc.hints...); got != tc.want {
				t.Errorf("IANAZone = %q, want %q", got, tc.want)
			}
		})
	}
}

// logs collects log lines for tests that wait for a logged failure.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, format)
}

func (l *logs) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func TestDirectoryRefreshStoresCatalogue(t *testing.T) {
	var lg logs
	r := newRig(t, ewstest.Options{Seed: 11, Rooms: 8, Equipment: 4, Users: 10, Groups: 3},
		ewssource.Options{Impersonation: true, EquipmentQueries: simEquipmentQueries},
		syncer.Options{DirectoryInterval: 100 * time.Millisecond, MinBackOff: 50 * time.Millisecond, MaxBackOff: 100 * time.Millisecond,
			Logf: lg.logf, Scope: config.Scope{Equipment: config.Selection{Mode: config.SelectAll}, Users: config.UserScope{Mode: config.UsersAllGroups}}})
	ctx := context.Background()
	r.start(t)
	nRooms := len(r.sim.Rooms()) + len(r.sim.Mailboxes(ewstest.KindEquipment))
	nPeople, nGroups := len(r.sim.Mailboxes(ewstest.KindUser)), len(r.sim.Mailboxes(ewstest.KindGroup))
	catalogue := func() (rooms []room.Room, people []room.Person, groups []room.Group) {
		rooms, _ = r.db.Rooms(ctx)
		people, _ = r.db.People(ctx)
		groups, _ = r.db.Groups(ctx)
		return
	}
	eventually(t, func() bool {
		rooms, people, groups := catalogue()
		return len(rooms) == nRooms && len(people) == nPeople && len(groups) == nGroups && rooms[0].TimeZone != ""
	}, func() string { rooms, people, groups := catalogue(); return fmtCounts(rooms, people, groups) })

	rooms, _, _ := catalogue()
	for _, rm := range rooms {
		if _, err := time.LoadLocation(rm.TimeZone); err != nil || rm.TimeZone == "" || rm.TimeZone == "UTC" {
			t.Errorf("room %s has zone %q", rm.ID, rm.TimeZone)
		}
	}

	// An operator's policy survives the directory's next refreshes, and a
	// renamed room is renamed.
	target := rooms[0]
	policy := room.Policy{HideSubject: true, HideAttendees: true, CheckIn: room.CheckInPolicy{Enabled: true}}
	target.Policy = policy
	if err := r.db.UpsertRooms(ctx, []room.Room{target}); err != nil {
		t.Fatal(err)
	}
	if target.Kind == room.KindRoom {
		if err := r.sim.RenameRoom(target.ID, "會議室 Größe"); err != nil {
			t.Fatal(err)
		}
	}
	gone := r.sim.Rooms()[2].Address
	if gone == target.ID {
		gone = r.sim.Rooms()[3].Address
	}
	if err := r.sim.RemoveRoom(gone); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool {
		_, err := r.db.Room(ctx, gone)
		got, _ := r.db.Room(ctx, target.ID)
		return err != nil && (target.Kind != room.KindRoom || got.Name == "會議室 Größe")
	}, func() string { return "room " + gone + " still stored or not renamed" })
	got, err := r.db.Room(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(policy, got.Policy); diff != "" {
		t.Errorf("policy after directory refresh (-want +got):\n%s", diff)
	}
	if got.TimeZone != target.TimeZone {
		t.Errorf("zone %q became %q", target.TimeZone, got.TimeZone)
	}

	// A failing listing keeps everything, even what left the directory.
	beforeRooms, beforePeople, beforeGroups := catalogue()
	remove := r.sim.Inject(ewstest.Fault{Op: "ExpandDL", HTTPStatus: 500})
	if err := r.sim.RemoveRoom(r.sim.Rooms()[0].Address); err != nil {
		t.Fatal(err)
	}
	start := lg.count("syncer: directory")
	eventually(t, func() bool { return lg.count("syncer: directory") >= start+2 }, func() string { return "no failed directory refresh" })
	afterRooms, afterPeople, afterGroups := catalogue()
	if diff := cmp.Diff(beforeRooms, afterRooms); diff != "" {
		t.Errorf("rooms changed by a failed refresh (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforePeople, afterPeople); diff != "" {
		t.Errorf("people changed by a failed refresh (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforeGroups, afterGroups); diff != "" {
		t.Errorf("groups changed by a failed refresh (-before +after):\n%s", diff)
	}
	remove()
	eventually(t, func() bool { rooms, _, _ := catalogue(); return len(rooms) == len(beforeRooms)-1 },
		func() string { return "room not removed after the fault ended" })
}

func fmtCounts(rooms []room.Room, people []room.Person, groups []room.Group) string {
	zone := ""
	if len(rooms) > 0 {
		zone = rooms[0].TimeZone
	}
	return fmt.Sprintf("%d rooms, %d people, %d groups, first zone %q", len(rooms), len(people), len(groups), zone)
}
