package ewstest

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// Default sizes of a generated organisation.
const (
	defaultRooms     = 12
	defaultEquipment = 4
	defaultUsers     = 16
	defaultGroups    = 3
)

// site is an office: a building with floors, in one time zone and language.
type site struct {
	key      string // address tag
	city     string
	building string // room list display name
	zone     string
	floors   []string
	lang     string // de, zh-TW, zh-CN
	// roomName returns the display name and address tag of the n-th room.
	roomName func(n int, floor string) (string, string)
	equip    string // equipment display prefix and address tag
	equipTag string
	subjects []string
	private  []string
	allDay   string
}

var germanRoomNames = map[string][]string{
	"zrh": {"Limmat", "Üetliberg", "Sihl", "Großmünster", "Bürkliplatz", "Lindenhof", "Felsenegg", "Zürichberg"},
	"muc": {"Marienplatz", "Isartor", "Englischer Garten", "Viktualienmarkt", "Frauenkirche", "Nymphenburg", "Föhring"},
}

var shanghaiRoomNames = []string{"黄浦江", "外滩", "陆家嘴", "东方明珠", "世纪公园", "豫园", "静安寺"}

func numbered(base string, n, per int) string {
	if n < per {
		return base
	}
	return fmt.Sprintf("%s %d", base, n/per+1)
}

var sites = []*site{
	{
		key: "tpe", city: "台北", building: "台北 101 大樓", zone: "Asia/Taipei", floors: []string{"3", "5", "8", "35"}, lang: "zh-TW",
		roomName: func(n int, floor string) (string, string) {
			letter := string(rune('A' + n/4%6))
			suffix := ""
			if n >= 24 {
				suffix = fmt.Sprint(n / 24)
			}
			return "台北 101 會議室 " + floor + letter + suffix, strings.ToLower("tpe-" + floor + letter + suffix)
		},
		equip: "投影機 台北", equipTag: "proj-tpe",
		subjects: []string{"週會", "客戶簡報", "產品規劃會議", "季度檢討", "面試", "供應商會議"},
		private:  []string{"人事面談", "薪資討論"},
		allDay:   "會議室維護",
	},
	{
		key: "sha", city: "上海", building: "上海 浦东 大厦", zone: "Asia/Shanghai", floors: []string{"12", "15"}, lang: "zh-CN",
		roomName: func(n int, floor string) (string, string) {
			name := numbered(shanghaiRoomNames[n%len(shanghaiRoomNames)], n, len(shanghaiRoomNames))
			return "上海 浦东 会议室 " + name, fmt.Sprintf("sha-%02d", n+1)
		},
		equip: "视频会议设备 上海", equipTag: "vc-sha",
		subjects: []string{"周例会", "客户演示", "项目启动会", "预算评审", "培训", "部门会议"},
		private:  []string{"人事谈话", "绩效面谈"},
		allDay:   "会议室维护",
	},
	{
		key: "zrh", city: "Zürich", building: "Zürich Hauptsitz", zone: "Europe/Zurich", floors: []string{"EG", "1. OG", "2. OG"}, lang: "de",
		roomName: func(n int, floor string) (string, string) {
			names := germanRoomNames["zrh"]
			name := numbered(names[n%len(names)], n, len(names))
			return "Besprechungsraum Zürich " + name, "zrh-" + asciiFold(name)
		},
		equip: "Beamer Zürich", equipTag: "beamer-zrh",
		subjects: []string{"Wochenplanung", "Kundentermin Müller AG", "Sprint Review", "Budgetgespräch", "Quartalsabschluss", "Einarbeitung"},
		private:  []string{"Vertraulich: Personalgespräch", "Gehaltsgespräch"},
		allDay:   "Wartung Raumtechnik",
	},
	{
		key: "muc", city: "München", building: "München Werksviertel", zone: "Europe/Berlin", floors: []string{"3. OG", "4. OG"}, lang: "de",
		roomName: func(n int, floor string) (string, string) {
			names := germanRoomNames["muc"]
			name := numbered(names[n%len(names)], n, len(names))
			return "Besprechungsraum München " + name, "muc-" + asciiFold(name)
		},
		equip: "Poolfahrzeug München", equipTag: "car-muc",
		subjects: []string{"Teamrunde", "Lieferantengespräch Bäcker GmbH", "Architektur-Review", "Kick-off Großprojekt", "Schulung"},
		private:  []string{"Vertraulich: Betriebsrat", "Mitarbeitergespräch"},
		allDay:   "Umbau",
	},
}

type personName struct{ given, surname, display, givenASCII, surnameASCII string }

var namePools = map[string]func(r *mrand.Rand) personName{
	"de": func(r *mrand.Rand) personName {
		given := []string{"Jürgen", "Anna", "Lukas", "Sophie", "Jörg", "Maximilian", "Lena", "Björn", "Käthe", "Günther", "Renée", "Stefan"}
		sur := []string{"Weiß", "Müller", "Schröder", "Bäcker", "Köhler", "Groß", "Fuß", "Schäfer", "Hoffmann", "Krüger", "Wüst", "Möller"}
		g, s := given[r.IntN(len(given))], sur[r.IntN(len(sur))]
		return personName{g, s, g + " " + s, asciiFold(g), asciiFold(s)}
	},
	"zh-TW": func(r *mrand.Rand) personName {
		sur := [][2]string{{"陳", "Chen"}, {"林", "Lin"}, {"黃", "Huang"}, {"張", "Chang"}, {"李", "Lee"}, {"王", "Wang"}, {"吳", "Wu"}, {"劉", "Liu"}}
		given := [][2]string{{"美玲", "Meiling"}, {"志豪", "Chihhao"}, {"淑芬", "Shufen"}, {"家豪", "Chiahao"}, {"怡君", "Yichun"}, {"建宏", "Chienhung"}, {"雅婷", "Yating"}}
		s, g := sur[r.IntN(len(sur))], given[r.IntN(len(given))]
		return personName{g[0], s[0], s[0] + g[0], strings.ToLower(g[1]), strings.ToLower(s[1])}
	},
	"zh-CN": func(r *mrand.Rand) personName {
		sur := [][2]string{{"王", "Wang"}, {"李", "Li"}, {"张", "Zhang"}, {"刘", "Liu"}, {"陈", "Chen"}, {"杨", "Yang"}, {"赵", "Zhao"}, {"周", "Zhou"}}
		given := [][2]string{{"伟", "Wei"}, {"芳", "Fang"}, {"娜", "Na"}, {"敏", "Min"}, {"静", "Jing"}, {"强", "Qiang"}, {"磊", "Lei"}, {"晓燕", "Xiaoyan"}}
		s, g := sur[r.IntN(len(sur))], given[r.IntN(len(given))]
		return personName{g[0], s[0], s[0] + g[0], strings.ToLower(g[1]), strings.ToLower(s[1])}
	},
}

var departments = map[string][]string{
	"de":    {"Einkauf", "Entwicklung", "Vertrieb", "Facility Management", "Personal"},
	"zh-TW": {"行政部", "業務部", "研發部", "財務部"},
	"zh-CN": {"市场部", "研发部", "人事部", "财务部"},
}

// asciiFold spells a German name in ASCII the way mail addresses do.
func asciiFold(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss", "é", "e", " ", "-", ".", "")
	return strings.ToLower(r.Replace(s))
}

// generator builds an organisation from a seed.
type generator struct {
	o     *org
	r     *mrand.Rand
	users map[string][]*mailbox // by site key
	all   []*mailbox            // users
	rooms []*mailbox
	site  map[string]*site // mailbox address -> site
}

// newOrg generates a directory and calendars from opts.Seed around
// opts.Now(). The same seed and clock give the same organisation.
func newOrg(opts Options) *org {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	o := &org{domain: "contoso.com", mailboxes: map[string]*mailbox{}, items: map[string]*calItem{}, now: now}
	o.syncKey = make([]byte, 32)
	rand.Read(o.syncKey)
	g := &generator{o: o, r: mrand.New(mrand.NewPCG(uint64(opts.Seed), 0x726f6f6d626f6172)), users: map[string][]*mailbox{}, site: map[string]*site{}}
	g.directory(pick(opts.Rooms, defaultRooms), pick(opts.Equipment, defaultEquipment), pick(opts.Users, defaultUsers), pick(opts.Groups, defaultGroups))
	g.calendars()
	// Generation is history: nothing subscribed to it.
	o.pending = nil
	return o
}

func pick(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (g *generator) directory(rooms, equipment, users, groups int) {
	o := g.o
	uniq := map[string]int{}
	addr := func(local string) string {
		local = strings.Trim(local, "-.")
		a := local + "@" + o.domain
		if n := uniq[a]; n > 0 {
			a = fmt.Sprintf("%s%d@%s", local, n+1, o.domain)
		}
		uniq[local+"@"+o.domain]++
		return a
	}
	utc := time.UTC
	for _, svc := range []struct{ addr, name string }{{defaultAccount, "Roomboard Service"}, {"admin@" + o.domain, "Administrator"}} {
		uniq[svc.addr]++
		o.addMailbox(&mailbox{kind: KindUser, address: svc.addr, name: svc.name, given: svc.name, loc: utc, tzID: "UTC", department: "IT"})
	}
	for i := 0; i < users; i++ {
		s := sites[i%len(sites)]
		n := namePools[s.lang](g.r)
		loc := zoneByWindowsID(s.zone)
		deps := departments[s.lang]
		m := o.addMailbox(&mailbox{
			kind: KindUser, address: addr(n.givenASCII + "." + n.surnameASCII), name: n.display, given: n.given, surname: n.surname,
			department: deps[g.r.IntN(len(deps))], city: s.city, building: s.building, loc: loc, tzID: windowsIDOf(loc),
		})
		g.users[s.key] = append(g.users[s.key], m)
		g.all = append(g.all, m)
		g.site[m.address] = s
	}
	perSite := map[string]int{}
	caps := []int{4, 6, 8, 8, 10, 12, 12, 16, 20, 40}
	lists := map[string][]string{}
	floorLists := map[string][]string{}
	for i := 0; i < rooms; i++ {
		s := sites[i%len(sites)]
		n := perSite[s.key]
		perSite[s.key]++
		floor := s.floors[n%len(s.floors)]
		name, tag := s.roomName(n, floor)
		loc := zoneByWindowsID(s.zone)
		m := o.addMailbox(&mailbox{
			kind: KindRoom, address: addr("room-" + tag), name: name, city: s.city, building: s.building, floor: floor,
			capacity: caps[g.r.IntN(len(caps))], loc: loc, tzID: windowsIDOf(loc), processing: DefaultCalendarProcessing(),
		})
		// Some rooms keep the organizer's subject and privacy, as sites
		// that show meeting titles on the door configure them.
		if g.r.IntN(3) == 0 {
			m.processing = CalendarProcessing{AddOrganizerToSubject: false, DeleteSubject: false, DeleteComments: true, RemovePrivateProperty: false}
		}
		g.rooms = append(g.rooms, m)
		g.site[m.address] = s
		// Every seventh room was never added to a room list, as happens in
		// real directories; clients must still find it (FindPeople).
		if i%7 == 6 {
			continue
		}
		lists[s.key] = append(lists[s.key], m.address)
		if s.key == "zrh" {
			floorLists[floor] = append(floorLists[floor], m.address)
		}
	}
	for i := 0; i < equipment; i++ {
		s := sites[i%len(sites)]
		loc := zoneByWindowsID(s.zone)
		n := i/len(sites) + 1
		m := o.addMailbox(&mailbox{
			kind: KindEquipment, address: addr(fmt.Sprintf("%s-%d", s.equipTag, n)), name: fmt.Sprintf("%s %d", s.equip, n),
			city: s.city, building: s.building, loc: loc, tzID: windowsIDOf(loc), processing: DefaultCalendarProcessing(),
		})
		g.site[m.address] = s
	}
	for _, s := range sites {
		if len(lists[s.key]) == 0 {
			continue
		}
		o.addMailbox(&mailbox{kind: KindRoomList, address: addr("roomlist-" + s.key), name: s.building, city: s.city, building: s.building, members: lists[s.key]})
	}
	for _, f := range sites[2].floors {
		if len(floorLists[f]) == 0 {
			continue
		}
		o.addMailbox(&mailbox{kind: KindRoomList, address: addr("roomlist-zrh-" + asciiFold(f)), name: "Zürich Hauptsitz " + f, city: "Zürich", building: "Zürich Hauptsitz", floor: f, members: floorLists[f]})
	}
	groupDefs := []struct{ tag, name, site string }{
		{"allstaff", "All Staff", ""},
		{"facilities-zrh", "Facility Management Zürich", "zrh"},
		{"tpe-admin", "台北 行政部", "tpe"},
		{"sha-marketing", "上海 市场部", "sha"},
		{"dev-muc", "Entwicklung München", "muc"},
	}
	for i := 0; i < groups; i++ {
		d := groupDefs[i%len(groupDefs)]
		var members []string
		for _, u := range g.all {
			if d.site == "" || g.site[u.address].key == d.site {
				members = append(members, u.address)
			}
		}
		name := d.name
		if i >= len(groupDefs) {
			name = fmt.Sprintf("%s %d", d.name, i/len(groupDefs)+1)
		}
		o.addMailbox(&mailbox{kind: KindGroup, address: addr(d.tag), name: name, members: members})
	}
}

// organizerFor picks a person from the room's site, or anyone.
func (g *generator) organizerFor(s *site) *mailbox {
	if us := g.users[s.key]; len(us) > 0 {
		return us[g.r.IntN(len(us))]
	}
	if len(g.all) > 0 {
		return g.all[g.r.IntN(len(g.all))]
	}
	return g.o.mailboxes[defaultAccount]
}

func (g *generator) attendeesFor(organizer *mailbox, n int) []attendee {
	var out []attendee
	for i := 0; i < n && len(g.all) > 1; i++ {
		u := g.all[g.r.IntN(len(g.all))]
		if u == organizer || containsAttendee(out, u.address) {
			continue
		}
		out = append(out, attendee{address: u.address, name: u.name})
	}
	return out
}

func containsAttendee(l []attendee, addr string) bool {
	for _, a := range l {
		if a.address == addr {
			return true
		}
	}
	return false
}

// calendars books every room: an all-day event on some, a weekly series
// with a moved and a deleted occurrence, a monthly series on some, then
// single meetings over the weeks around now. Everything goes through the
// same delivery path as client requests, so rooms decline conflicts.
func (g *generator) calendars() {
	o := g.o
	now := o.nowUTC()
	for ri, room := range g.rooms {
		s := g.site[room.address]
		loc := room.loc
		today := civil(now.In(loc))
		at := func(day time.Time, hour, minute int) time.Time {
			return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, loc).UTC()
		}
		book := func(organizer *mailbox, it *calItem) *calItem {
			it.resources = append(it.resources, attendee{address: room.address, name: room.name})
			it.location = room.name
			it.loc = loc
			return o.createItem(organizer, it, true)
		}
		// A weekly series that started three weeks ago.
		seriesStart := today.AddDate(0, 0, -21)
		days := []time.Weekday{time.Monday, time.Thursday}
		if ri%2 == 1 {
			days = []time.Weekday{time.Tuesday}
		}
		weekly := book(g.organizerFor(s), &calItem{
			subject: s.subjects[0], start: at(seriesStart, 9, 0), end: at(seriesStart, 9, 30),
			required: g.attendeesFor(nil, 2),
			rec:      &Recurrence{Pattern: Weekly, Interval: 1, DaysOfWeek: days, FirstDayOfWeek: time.Monday},
		})
		if x, ok := g.nextOccurrence(weekly, now); ok {
			moved := s.subjects[0] + " (verschoben)"
			if s.lang != "de" {
				moved = s.subjects[0] + "（改期）"
			}
			weekly.exceptions = map[int64]*exception{x.orig.Unix(): {start: x.start.Add(time.Hour), end: x.end.Add(time.Hour), subject: &moved}}
			if y, ok := weekly.findOccurrence(time.Time{}, x.index+1); ok {
				weekly.deleted = map[int64]bool{y.orig.Unix(): true}
			}
			o.updateItem(weekly, true)
		}
		if ri%3 == 1 {
			first := today.AddDate(0, -1, 0)
			book(g.organizerFor(s), &calItem{
				subject: s.subjects[3], start: at(first, 14, 0), end: at(first, 15, 0),
				rec: &Recurrence{Pattern: RelativeMonthly, Interval: 1, DaysOfWeek: []time.Weekday{time.Tuesday}, WeekIndex: 2, Count: 6},
			})
		}
		// An all-day event on a Friday, a day the series above never use.
		if ri%5 == 0 {
			day := today.AddDate(0, 0, 2)
			for day.Weekday() != time.Friday {
				day = day.AddDate(0, 0, 1)
			}
			book(g.organizerFor(s), &calItem{subject: s.allDay, allDay: true, start: at(day, 0, 0), end: at(day.AddDate(0, 0, 1), 0, 0), freeBusy: "Busy"})
		}
		for d := -7; d <= 28; d++ {
			day := today.AddDate(0, 0, d)
			if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				continue
			}
			for n := g.r.IntN(5); n > 0; n-- {
				organizer := g.organizerFor(s)
				start := at(day, 8+g.r.IntN(10), 30*g.r.IntN(2))
				dur := []time.Duration{30, 60, 60, 90, 120}[g.r.IntN(5)] * time.Minute
				it := &calItem{subject: s.subjects[g.r.IntN(len(s.subjects))], start: start, end: start.Add(dur), required: g.attendeesFor(organizer, g.r.IntN(3))}
				if g.r.IntN(12) == 0 {
					it.subject = s.private[g.r.IntN(len(s.private))]
					it.sensitivity = "Private"
				}
				if g.r.IntN(3) == 0 {
					it.onlineURL = fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%016x%%40thread.v2/0", g.r.Uint64())
				}
				if g.r.IntN(4) == 0 {
					it.body = "Agenda: " + it.subject
				}
				created := book(organizer, it)
				if g.r.IntN(25) == 0 {
					o.deleteItem(created, true, true)
				}
			}
		}
	}
}

// nextOccurrence returns the first occurrence of a series starting after t.
func (g *generator) nextOccurrence(it *calItem, t time.Time) (occ, bool) {
	for _, x := range it.occurrences(t, t.AddDate(0, 0, 21)) {
		if x.start.After(t) {
			return x, true
		}
	}
	return occ{}, false
}

// normalizeSeries moves a master's start to its first occurrence, as
// Exchange stores it.
func normalizeSeries(it *calItem) {
	if it.rec == nil {
		return
	}
	if first, ok := it.rec.firstStart(it.start, it.loc); ok && !first.Equal(it.start) {
		d := it.duration()
		it.start, it.end = first, first.Add(d)
	}
}
