package ewssource

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
)

// DefaultEquipmentQueries find equipment named the usual ways when
// Options.EquipmentQueries is empty.
var DefaultEquipmentQueries = []string{"Equipment", "Projector", "Beamer", "投影機", "投影机"}

// DefaultPeopleQueries cover every directory entry whose alias, address or
// name starts with a letter or digit, which is every mailbox with an
// ASCII alias; used when Options.PeopleQueries is empty.
var DefaultPeopleQueries = strings.Split("a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9", " ")

// MaxGroupDepth bounds the expansion of nested groups: members of groups
// nested deeper are not collected.
const MaxGroupDepth = 10

// peoplePage is the FindPeople page size of directory sweeps.
const peoplePage = 500

// Persona types of FindPeople that discovery tells apart.
const (
	personaRoom = "Room"
	personaDL   = "DistributionList"
)

// Directory implements syncer.Source: the rooms of every room list plus
// rooms in no list found through the directory, equipment, people and
// groups, each narrowed to scope, and the time zone of every room and
// piece of equipment. Any failed listing fails the whole call, so the
// syncer keeps its catalogue; only time zones are best effort (a room
// whose zone cannot be read comes back with TimeZone "").
//
// A zero Rooms mode means all rooms; a zero Equipment or Users mode means
// none.
func (s *Source) Directory(ctx context.Context, scope config.Scope) (syncer.Directory, error) {
	d := &discovery{s: s, byID: map[string]int{}}
	if err := d.rooms(ctx); err != nil {
		return syncer.Directory{}, classify(err)
	}
	if err := d.equipment(ctx, scope); err != nil {
		return syncer.Directory{}, classify(err)
	}
	if err := d.selectRooms(ctx, scope.Rooms); err != nil {
		return syncer.Directory{}, classify(err)
	}
	if err := d.users(ctx, scope.Users); err != nil {
		return syncer.Directory{}, classify(err)
	}
	d.dir.Rooms = d.kept()
	s.timeZones(ctx, d.dir.Rooms, d.listNames())
	return d.dir, nil
}

// discovery is the state of one Directory call.
type discovery struct {
	s    *Source
	dir  syncer.Directory
	all  []room.Room    // rooms and equipment found, before the scope
	byID map[string]int // index into all
	drop map[string]bool
	// dls are the distribution lists the directory searches met, by ID.
	dls map[string]ews.Mailbox
	// expanded caches ExpandDL answers for this call.
	expanded map[string][]ews.Mailbox
}

func lowerID(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (d *discovery) add(r room.Room) {
	if r.ID = lowerID(r.Email); r.ID == "" {
		return
	}
	if _, ok := d.byID[r.ID]; ok {
		return
	}
	r.Name = firstNonEmpty(r.Name, r.Email)
	d.byID[r.ID] = len(d.all)
	d.all = append(d.all, r)
}

// kept returns the rooms and equipment that stay in scope.
func (d *discovery) kept() []room.Room {
	out := make([]room.Room, 0, len(d.all))
	for _, r := range d.all {
		if !d.drop[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

func (d *discovery) listNames() map[string]string {
	m := map[string]string{}
	for _, l := range d.dir.Lists {
		m[l.ID] = l.Name
	}
	return m
}

// rooms lists the room lists and their rooms, then the rooms the room
// queries find outside every list.
func (d *discovery) rooms(ctx context.Context) error {
	c := d.s.c
	lists, err := c.GetRoomLists(ctx)
	if err != nil {
		return err
	}
	for _, l := range lists {
		id := lowerID(l.EmailAddress)
		if id == "" {
			continue
		}
		d.dir.Lists = append(d.dir.Lists, room.RoomList{ID: id, Email: l.EmailAddress, Name: l.Name, Building: l.Name})
		rooms, err := c.GetRooms(ctx, l.EmailAddress)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			d.add(room.Room{Email: r.EmailAddress, Name: r.Name, Kind: room.KindRoom, ListID: id, Building: l.Name})
		}
	}
	return d.search(ctx, d.s.opts.RoomQueries, func(p ews.Persona) {
		if p.PersonaType == personaRoom {
			d.add(room.Room{Email: p.EmailAddress.EmailAddress, Name: p.DisplayName, Kind: room.KindRoom, Building: p.OfficeLocation})
		}
	})
}

// search runs each directory query over all its pages and hands every
// persona to fn.
func (d *discovery) search(ctx context.Context, queries []string, fn func(ews.Persona)) error {
	for _, q := range queries {
		if strings.TrimSpace(q) == "" {
			continue
		}
		for offset := 0; ; {
			res, err := d.s.c.FindPeople(ctx, &ews.FindPeopleRequest{Query: q, Offset: offset, Max: peoplePage})
			if err != nil {
				return err
			}
			for _, p := range res.People {
				if p.PersonaType == personaDL {
					d.noteDL(p.EmailAddress)
				}
				fn(p)
			}
			if !res.More() {
				break
			}
			offset = res.Offset + len(res.People)
		}
	}
	return nil
}

func (d *discovery) noteDL(mb ews.Mailbox) {
	if d.dls == nil {
		d.dls = map[string]ews.Mailbox{}
	}
	if id := lowerID(mb.EmailAddress); id != "" {
		d.dls[id] = mb
	}
}

// equipment finds equipment: by the equipment queries when the scope
// takes all of it, or when people are synced (equipment must not be
// mistaken for people); and the selected ones by name resolution.
func (d *discovery) equipment(ctx context.Context, scope config.Scope) error {
	if scope.Equipment.Mode == config.SelectAll || (scope.Users.Mode != "" && scope.Users.Mode != config.UsersNone) {
		queries := d.s.opts.EquipmentQueries
		if len(queries) == 0 {
			queries = DefaultEquipmentQueries
		}
		err := d.search(ctx, queries, func(p ews.Persona) {
			// Resources carry no given name or surname; a hit that has
			// one is a person whose name happens to match.
			if p.PersonaType == personaRoom || p.PersonaType == personaDL || p.GivenName != "" || p.Surname != "" {
				return
			}
			d.add(room.Room{Email: p.EmailAddress.EmailAddress, Name: p.DisplayName, Kind: room.KindEquipment, Building: p.OfficeLocation})
		})
		if err != nil {
			return err
		}
	}
	if scope.Equipment.Mode == config.SelectSelected {
		for _, e := range scope.Equipment.Selected {
			if err := d.resolve(ctx, e, room.KindEquipment); err != nil {
				return err
			}
		}
	}
	if scope.Equipment.Mode != config.SelectAll {
		want := lowerSet(scope.Equipment.Selected)
		for _, r := range d.all {
			if r.Kind == room.KindEquipment && (scope.Equipment.Mode != config.SelectSelected || !want[r.ID]) {
				d.dropID(r.ID)
			}
		}
	}
	return nil
}

func (d *discovery) dropID(id string) {
	if d.drop == nil {
		d.drop = map[string]bool{}
	}
	d.drop[id] = true
}

// resolve adds a selected mailbox that discovery did not find, if the
// directory knows it as a mailbox; one it does not know has left the
// directory and is not added.
func (d *discovery) resolve(ctx context.Context, addr string, kind room.Kind) error {
	id := lowerID(addr)
	if _, ok := d.byID[id]; ok || id == "" {
		return nil
	}
	res, err := d.s.c.ResolveNames(ctx, "SMTP:"+id, true)
	if err != nil {
		return err
	}
	for _, r := range res {
		if lowerID(r.Mailbox.EmailAddress) != id || (r.Mailbox.MailboxType != "" && r.Mailbox.MailboxType != "Mailbox") {
			continue
		}
		rm := room.Room{Email: r.Mailbox.EmailAddress, Name: r.Mailbox.Name, Kind: kind}
		if r.Contact != nil {
			rm.Name = firstNonEmpty(r.Contact.DisplayName, rm.Name)
			rm.Building = r.Contact.OfficeLocation
		}
		d.add(rm)
		return nil
	}
	return nil
}

// selectRooms narrows rooms to the selection, resolving selected rooms
// that discovery did not find.
func (d *discovery) selectRooms(ctx context.Context, sel config.Selection) error {
	if sel.Mode != config.SelectSelected {
		return nil
	}
	for _, a := range sel.Selected {
		if err := d.resolve(ctx, a, room.KindRoom); err != nil {
			return err
		}
	}
	want := lowerSet(sel.Selected)
	for _, r := range d.all {
		if r.Kind == room.KindRoom && !want[r.ID] {
			d.dropID(r.ID)
		}
	}
	return nil
}

// users fills People and Groups as the user scope asks.
func (d *discovery) users(ctx context.Context, us config.UserScope) error {
	resource := func(id string) bool { _, ok := d.byID[id]; return ok }
	lists := map[string]bool{}
	for _, l := range d.dir.Lists {
		lists[l.ID] = true
	}
	people := map[string]room.Person{}
	addPerson := func(p room.Person) {
		if p.ID = lowerID(p.Email); p.ID != "" && !resource(p.ID) {
			if _, ok := people[p.ID]; !ok {
				people[p.ID] = p
			}
		}
	}
	var groupIDs []string
	switch us.Mode {
	case config.UsersAll, config.UsersAllGroups:
		queries := d.s.opts.PeopleQueries
		if len(queries) == 0 {
			queries = DefaultPeopleQueries
		}
		err := d.search(ctx, queries, func(p ews.Persona) {
			if p.PersonaType == personaRoom || p.PersonaType == personaDL {
				return
			}
			addPerson(room.Person{Email: p.EmailAddress.EmailAddress, Name: firstNonEmpty(p.DisplayName, p.EmailAddress.Name),
				Department: p.Department, Title: p.Title})
		})
		if err != nil {
			return err
		}
		if us.Mode == config.UsersAllGroups {
			for id := range d.dls {
				if !lists[id] {
					groupIDs = append(groupIDs, id)
				}
			}
		}
	case config.UsersGroups:
		for _, g := range us.Groups {
			if id := lowerID(g); id != "" && !slices.Contains(groupIDs, id) {
				groupIDs = append(groupIDs, id)
			}
		}
	default:
		return nil
	}
	slices.Sort(groupIDs)
	for _, id := range groupIDs {
		g, found, err := d.expandGroup(ctx, id, resource)
		if err != nil {
			return err
		}
		if !found {
			continue // the group left the directory
		}
		d.dir.Groups = append(d.dir.Groups, g.Group)
		if us.Mode == config.UsersGroups {
			for _, m := range g.members {
				addPerson(room.Person{Email: m.EmailAddress, Name: firstNonEmpty(m.Name, m.EmailAddress)})
			}
		}
	}
	for _, p := range people {
		d.dir.People = append(d.dir.People, p)
	}
	slices.SortFunc(d.dir.People, func(a, b room.Person) int { return strings.Compare(a.ID, b.ID) })
	return nil
}

type expandedGroup struct {
	room.Group
	members []ews.Mailbox // the people, for their names
}

// expandGroup collects the people in group id and in the groups nested in
// it, breadth first, each group once (a cycle ends there) and at most
// MaxGroupDepth levels deep. found is false when the directory does not
// know the group.
func (d *discovery) expandGroup(ctx context.Context, id string, resource func(string) bool) (g expandedGroup, found bool, err error) {
	g.ID, g.Email = id, id
	if dl, ok := d.dls[id]; ok {
		g.Email, g.Name = firstNonEmpty(dl.EmailAddress, id), dl.Name
	} else {
		// A selected group no search met: its name comes from the
		// directory (ExpandDL below tells whether it still exists).
		res, err := d.s.c.ResolveNames(ctx, "SMTP:"+id, false)
		if err != nil {
			return g, false, err
		}
		for _, r := range res {
			if lowerID(r.Mailbox.EmailAddress) == id {
				g.Email, g.Name = r.Mailbox.EmailAddress, r.Mailbox.Name
			}
		}
	}
	seen := map[string]bool{id: true}
	people := map[string]bool{}
	level := []string{id}
	for depth := 0; depth < MaxGroupDepth && len(level) > 0; depth++ {
		var next []string
		for _, gid := range level {
			ms, ok, err := d.expand(ctx, gid)
			if err != nil {
				return g, false, err
			}
			if !ok {
				if gid == id {
					return g, false, nil
				}
				continue
			}
			for _, m := range ms {
				mid := lowerID(m.EmailAddress)
				switch {
				case mid == "":
				case m.MailboxType == "PublicDL" || m.MailboxType == "PrivateDL":
					if !seen[mid] {
						seen[mid] = true
						next = append(next, mid)
					}
				case !resource(mid) && !people[mid]:
					people[mid] = true
					g.members = append(g.members, m)
					g.Members = append(g.Members, mid)
				}
			}
		}
		level = next
	}
	if g.Name == "" {
		g.Name = g.Email
	}
	slices.Sort(g.Members)
	return g, true, nil
}

// expand returns the direct members of a group, once per Directory call;
// ok is false when the directory does not know it.
func (d *discovery) expand(ctx context.Context, id string) ([]ews.Mailbox, bool, error) {
	if ms, ok := d.expanded[id]; ok {
		return ms, ms != nil, nil
	}
	if d.expanded == nil {
		d.expanded = map[string][]ews.Mailbox{}
	}
	ms, err := d.s.c.ExpandDL(ctx, id)
	if ews.Code(err) == "ErrorNameResolutionNoResults" {
		d.expanded[id] = nil
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if ms == nil {
		ms = []ews.Mailbox{}
	}
	d.expanded[id] = ms
	return ms, true, nil
}

// timeZones sets the IANA zone of each room from its working hours, in
// batches of MaxAvailabilityMailboxes. Failures are logged and leave
// TimeZone empty, which keeps the stored zone.
func (s *Source) timeZones(ctx context.Context, rooms []room.Room, listNames map[string]string) {
	now := time.Now()
	memo := map[zoneKey][]string{}
	for lo := 0; lo < len(rooms); lo += ews.MaxAvailabilityMailboxes {
		batch := rooms[lo:min(lo+ews.MaxAvailabilityMailboxes, len(rooms))]
		addrs := make([]string, len(batch))
		for i, r := range batch {
			addrs[i] = r.Email
		}
		av, err := s.c.GetUserAvailability(ctx, &ews.AvailabilityRequest{Mailboxes: addrs, Start: now, End: now.Add(time.Hour), View: "FreeBusy"})
		if err != nil {
			s.opts.Logf("ewssource: time zones of %d rooms: %v", len(batch), err)
			continue
		}
		for i := range batch {
			if i >= len(av) || av[i].Err != nil || av[i].WorkingHours == nil {
				continue
			}
			r := &batch[i]
			r.TimeZone = ianaZone(memo, av[i].WorkingHours, now, r.Name, r.Building, listNames[r.ListID], r.Email)
		}
	}
}

// zoneCandidates are the IANA zones a legacy zone is matched against, in
// order of preference when several match and no hint decides: the zones
// of Roomboard's customers first, then common ones.
var zoneCandidates = []string{
	"Asia/Taipei", "Asia/Shanghai", "Europe/Zurich", "Europe/Berlin",
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Vienna", "Europe/Amsterdam",
	"Europe/Brussels", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw", "Europe/Prague",
	"Europe/Budapest", "Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Istanbul", "Europe/Moscow",
	"Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi",
	"Asia/Kolkata", "Asia/Bangkok", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Perth", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
	"America/Sao_Paulo", "America/New_York", "America/Toronto", "America/Chicago", "America/Mexico_City",
	"America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
}

// zoneHints are words (lower case) in a room's name, building or room
// list that point to one zone among several with the same rules.
var zoneHints = map[string][]string{
	"Asia/Taipei":      {"taipei", "台北", "臺北", "新竹", "hsinchu", "taichung", "台中", "臺中", "kaohsiung", "高雄", "taiwan", "台灣", "臺灣"},
	"Asia/Shanghai":    {"shanghai", "上海", "beijing", "北京", "shenzhen", "深圳", "guangzhou", "广州", "suzhou", "苏州", "中国"},
	"Asia/Hong_Kong":   {"hong kong", "香港"},
	"Asia/Singapore":   {"singapore", "新加坡"},
	"Europe/Zurich":    {"zürich", "zurich", "zuerich", "zrh", "basel", "bern", "genf", "geneva", "lausanne", "luzern", "schweiz", "suisse"},
	"Europe/Berlin":    {"berlin", "münchen", "muenchen", "munich", "hamburg", "frankfurt", "köln", "koeln", "stuttgart", "düsseldorf", "deutschland"},
	"Europe/Vienna":    {"wien", "vienna", "graz", "linz", "österreich"},
	"Europe/Paris":     {"paris", "lyon"},
	"Europe/Amsterdam": {"amsterdam", "rotterdam"},
	"Europe/Brussels":  {"brussels", "brüssel", "bruxelles"},
	"Europe/Madrid":    {"madrid", "barcelona"},
	"Europe/Rome":      {"rome", "roma", "milan", "milano", "mailand"},
	"Europe/Stockholm": {"stockholm"},
	"Europe/Warsaw":    {"warsaw", "warszawa", "warschau"},
	"Europe/Prague":    {"prague", "praha", "prag"},
	"Europe/Dublin":    {"dublin"},
	"Europe/Lisbon":    {"lisbon", "lisboa"},
	"Asia/Tokyo":       {"tokyo", "東京"},
	"Asia/Seoul":       {"seoul", "서울"},
	"America/Toronto":  {"toronto"},
	"America/Phoenix":  {"phoenix"},
}

type zoneKey struct {
	std, dst          time.Duration
	toDaylight, toStd ews.ZoneTransition
	hasDST            bool
	year              int
}

// IANAZone returns the IANA zone that keeps the same UTC offsets as the
// legacy zone in wh over the year from now, or "" when none does. When
// several do (Asia/Taipei and Asia/Shanghai; Europe/Zurich and
// Europe/Berlin), a candidate whose city appears in one of hints (room
// name, building, room list) wins, else the first in preference order.
// A zone without daylight saving time and no matching candidate falls
// back to a fixed-offset Etc/GMT zone.
func IANAZone(wh *ews.WorkingHours, now time.Time, hints ...string) string {
	return ianaZone(nil, wh, now, hints...)
}

// ianaZone is IANAZone with a memo of the matching per legacy zone: a
// directory of a thousand rooms has a handful of distinct zones.
func ianaZone(memo map[zoneKey][]string, wh *ews.WorkingHours, now time.Time, hints ...string) string {
	if wh == nil {
		return ""
	}
	key := zoneKey{std: wh.StandardOffset, dst: wh.DaylightOffset, year: now.UTC().Year()}
	if wh.ToDaylight != nil && wh.ToStandard != nil {
		key.hasDST, key.toDaylight, key.toStd = true, *wh.ToDaylight, *wh.ToStandard
	}
	var matches []string
	if m, ok := memo[key]; ok {
		matches = m
	} else {
		// From the start of this year to the end of the next covers the
		// year from now whatever now is, and keeps the memo per year.
		start := time.Date(key.year, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, name := range zoneCandidates {
			loc, err := time.LoadLocation(name)
			if err == nil && sameOffsets(key, loc, start, start.AddDate(2, 0, 0)) {
				matches = append(matches, name)
			}
		}
		if memo != nil {
			memo[key] = matches
		}
	}
	if len(matches) == 0 {
		return fixedZone(key)
	}
	text := strings.ToLower(strings.Join(hints, " "))
	for _, m := range matches {
		for _, h := range zoneHints[m] {
			if strings.Contains(text, h) {
				return m
			}
		}
	}
	return matches[0]
}

// fixedZone names a whole-hour offset without daylight saving time as an
// Etc/GMT zone (whose sign is inverted, as POSIX has it), or "".
func fixedZone(k zoneKey) string {
	if k.hasDST || k.std%time.Hour != 0 || k.std < -12*time.Hour || k.std > 14*time.Hour {
		return ""
	}
	h := int(k.std / time.Hour)
	switch {
	case h == 0:
		return "UTC"
	case h > 0:
		return "Etc/GMT-" + strconv.Itoa(h)
	default:
		return "Etc/GMT+" + strconv.Itoa(-h)
	}
}

// sameOffsets compares loc with the legacy zone over [from, to): daily,
// which catches a different offset or a change on another day, and an
// hour either side of each legacy change, which catches a change at
// another time of the same day.
func sameOffsets(k zoneKey, loc *time.Location, from, to time.Time) bool {
	same := func(t time.Time) bool {
		_, off := t.In(loc).Zone()
		return time.Duration(off)*time.Second == legacyOffset(k, t)
	}
	for t := from.Add(12 * time.Hour); t.Before(to); t = t.AddDate(0, 0, 1) {
		if !same(t) {
			return false
		}
	}
	if !k.hasDST {
		return true
	}
	for y := from.Year(); y <= to.Year(); y++ {
		on := transitionIn(k.toDaylight, y).Add(-k.std)
		off := transitionIn(k.toStd, y).Add(-k.dst)
		for _, t := range []time.Time{on.Add(-time.Hour), on, off.Add(-time.Hour), off} {
			if !same(t) {
				return false
			}
		}
	}
	return true
}

// legacyOffset is the legacy zone's offset east of UTC at instant u.
func legacyOffset(k zoneKey, u time.Time) time.Duration {
	if !k.hasDST {
		return k.std
	}
	y := u.Add(k.std).Year()
	// Each change happens at a wall time in the offset in force before it.
	on := transitionIn(k.toDaylight, y).Add(-k.std)
	off := transitionIn(k.toStd, y).Add(-k.dst)
	inDST := !u.Before(on) && u.Before(off)
	if off.Before(on) { // southern hemisphere: daylight time spans new year
		inDST = u.Before(off) || !u.Before(on)
	}
	if inDST {
		return k.dst
	}
	return k.std
}

// transitionIn returns the wall-clock moment (as UTC fields) of t in
// year y.
func transitionIn(t ews.ZoneTransition, y int) time.Time {
	first := time.Date(y, t.Month, 1, 0, 0, 0, 0, time.UTC)
	day := first.AddDate(0, 0, (int(t.Weekday)-int(first.Weekday())+7)%7)
	for i := 1; i < t.DayOrder; i++ {
		if n := day.AddDate(0, 0, 7); n.Month() == t.Month {
			day = n
		}
	}
	return day.Add(t.Time)
}

func lowerSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[lowerID(s)] = true
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
