package ics

import (
	"strings"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// Rooms of the sample export: two zones with and one without DST, one room
// without a zone, and policies that hide fields.
var (
	zurich = room.Room{ID: "zh-zuerichsee@example.ch", Email: "ZH-Zuerichsee@example.ch",
		Name: "Sitzungszimmer Zürichsee (3. OG, Größe M)", TimeZone: "Europe/Zurich", Capacity: 12}
	taipei = room.Room{ID: "tpe-101@example.tw", Email: "TPE-101@example.tw",
		Name: "台北101 會議室「玉山」", TimeZone: "Asia/Taipei", Policy: room.Policy{HideOrganizer: true}}
	shanghai = room.Room{ID: "sha-pudong@example.cn", Email: "SHA-Pudong@example.cn",
		Name: "上海浦东会议室", TimeZone: "Asia/Shanghai", Policy: room.Policy{HideSubject: true, HideAttendees: true}}
	london = room.Room{ID: "lon-thames@example.com", Email: "LON-Thames@example.com", Name: "Thames"}
)

func at(loc string, y int, mo time.Month, d, h, mi int) time.Time {
	l, err := time.LoadLocation(loc)
	if err != nil {
		panic(err)
	}
	return time.Date(y, mo, d, h, mi, 0, 0, l)
}

// Secrets of private or hidden bookings: none may appear in any export.
var secrets = []string{
	"Übernahme der Käserei AG", "Vertraulich Vögeli", "v.voegeli@example.ch", "Geheimrat Grün", "grun@example.ch",
	"機密：併購案", "陳秘書", "chen.mishu@example.tw",
	"机密项目", "李总", "li.zong@example.cn",
	"Lin Organizer", "lin.organizer@example.tw", // taipei hides organizers
}

func sampleCalendar() Calendar {
	muller := room.Mailbox{Name: "Jürg Müller", Email: "juerg.mueller@example.ch"}
	bookings := []room.Booking{
		{ID: "b01", RoomID: zurich.ID, ICalUID: "040000008200E00074C5B7101A82E008-quartal",
			Subject:   "Quartalsplanung – Überblick; Budget, Ziele und Maßnahmen für Zürich, Genève & Lugano (Q3/2026)",
			Organizer: muller,
			Attendees: []room.Attendee{
				{Name: "Zoë Bäcker", Email: "zoe.baecker@example.ch", Response: room.ResponseAccepted},
				{Name: "王小明", Email: "wang.xiaoming@example.cn", Response: room.ResponseTentative},
				{Name: `Max "Mäxchen" Öztürk`, Email: "max.oeztuerk@example.ch", Response: room.ResponseNone},
			},
			Start: at("Europe/Zurich", 2026, 3, 10, 9, 0), End: at("Europe/Zurich", 2026, 3, 10, 10, 30),
			Updated: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
		// Spans the spring-forward night: 22:00 CET to 10:00 CEST is 11 hours.
		{ID: "b02", RoomID: zurich.ID, ICalUID: "uid-fruehling@example.ch", Subject: "Nachtschicht Serverumzug",
			Organizer: muller, Start: at("Europe/Zurich", 2026, 3, 28, 22, 0), End: at("Europe/Zurich", 2026, 3, 29, 10, 0)},
		// Spans the fall-back night; both bounds are unambiguous.
		{ID: "b03", RoomID: zurich.ID, ICalUID: "uid-herbst@example.ch", Subject: "Wartungsfenster Herbst",
			Organizer: muller, Start: at("Europe/Zurich", 2026, 10, 24, 20, 0), End: at("Europe/Zurich", 2026, 10, 25, 8, 0)},
		// 02:30 happens twice on 25 October 2026 in Zurich: these are
		// 00:30Z (CEST) and 01:30Z (CET) and must stay an hour apart.
		{ID: "b04", RoomID: zurich.ID, ICalUID: "uid-doppelt-1@example.ch", Subject: "Erste 02:30",
			Start: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 0, 45, 0, 0, time.UTC)},
		{ID: "b05", RoomID: zurich.ID, ICalUID: "uid-doppelt-2@example.ch", Subject: "Zweite 02:30",
			Start: time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), End: time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC)},
		{ID: "b06", RoomID: zurich.ID, ICalUID: "uid-geheim@example.ch", Subject: "Übernahme der Käserei AG",
			Organizer: room.Mailbox{Name: "Vertraulich Vögeli", Email: "v.voegeli@example.ch"},
			Attendees: []room.Attendee{{Name: "Geheimrat Grün", Email: "grun@example.ch"}},
			Location:  "Übernahme der Käserei AG", Private: true,
			Start: at("Europe/Zurich", 2026, 3, 11, 14, 0), End: at("Europe/Zurich", 2026, 3, 11, 15, 0)},
		{ID: "b07", RoomID: zurich.ID, ICalUID: "uid-abgesagt@example.ch", Subject: "Abgesagt: Apéro", Cancelled: true,
			Organizer: muller, Start: at("Europe/Zurich", 2026, 3, 12, 17, 0), End: at("Europe/Zurich", 2026, 3, 12, 18, 0)},
		// Taipei all-day, as EWS gives it (local midnights) ...
		{ID: "b08", RoomID: taipei.ID, ICalUID: "uid-chunjie@example.tw",
			Subject:   "農曆新年團拜暨年終檢討會議（全體同仁請準時出席，會後於一樓大廳舉行春酒餐敘）",
			Organizer: room.Mailbox{Name: "Lin Organizer", Email: "lin.organizer@example.tw"},
			AllDay:    true, Start: at("Asia/Taipei", 2026, 2, 16, 0, 0), End: at("Asia/Taipei", 2026, 2, 17, 0, 0)},
		// ... and as a floating date that arrived as midnight UTC (Graph).
		{ID: "b09", RoomID: taipei.ID, ICalUID: "uid-buxiu@example.tw", Subject: "補休（兩天）",
			AllDay: true, Start: time.Date(2026, 2, 18, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)},
		{ID: "b10", RoomID: taipei.ID, ICalUID: "uid-jimi@example.tw", Subject: "機密：併購案",
			Organizer: room.Mailbox{Name: "陳秘書", Email: "chen.mishu@example.tw"}, Private: true,
			AllDay: true, Start: at("Asia/Taipei", 2026, 2, 23, 0, 0), End: at("Asia/Taipei", 2026, 2, 24, 0, 0)},
		// Two occurrences of a weekly series share the series' iCalUID.
		{ID: "b11", RoomID: taipei.ID, ICalUID: "uid-weekly@example.tw", Subject: "每週站立會議", Recurring: true, SeriesID: "s1",
			Start: at("Asia/Taipei", 2026, 3, 2, 9, 30), End: at("Asia/Taipei", 2026, 3, 2, 9, 45)},
		{ID: "b12", RoomID: taipei.ID, ICalUID: "uid-weekly@example.tw", Subject: "每週站立會議", Recurring: true, SeriesID: "s1",
			Start: at("Asia/Taipei", 2026, 3, 9, 9, 30), End: at("Asia/Taipei", 2026, 3, 9, 9, 45)},
		{ID: "b13", RoomID: shanghai.ID, ICalUID: "uid-jimi-sh@example.cn", Subject: "机密项目",
			Organizer: room.Mailbox{Name: "张伟", Email: "zhang.wei@example.cn"},
			Attendees: []room.Attendee{{Name: "李总", Email: "li.zong@example.cn"}},
			Start:     at("Asia/Shanghai", 2026, 3, 3, 14, 0), End: at("Asia/Shanghai", 2026, 3, 3, 15, 0)},
		// One meeting booked in two rooms: Exchange gives both copies the
		// same iCalUID.
		{ID: "b14", RoomID: zurich.ID, ICalUID: "uid-video@example.ch", Subject: "Videokonferenz Zürich–台北",
			Organizer: muller, Start: at("Europe/Zurich", 2026, 3, 4, 8, 0), End: at("Europe/Zurich", 2026, 3, 4, 9, 0)},
		{ID: "b15", RoomID: taipei.ID, ICalUID: "uid-video@example.ch", Subject: "Videokonferenz Zürich–台北",
			Organizer: muller, Start: at("Europe/Zurich", 2026, 3, 4, 8, 0), End: at("Europe/Zurich", 2026, 3, 4, 9, 0)},
		{ID: "b16", RoomID: london.ID, ICalUID: "uid-thames@example.com", Subject: "=HYPERLINK(\"http://x\") board, \"quoted\"\r\nline two",
			Organizer: room.Mailbox{Name: "Ann Smith", Email: "ann@example.com"},
			Start:     time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC)},
		{ID: "b17", RoomID: london.ID, Subject: "No iCalUID",
			Start: time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 6, 11, 0, 0, 0, time.UTC)},
		// Outside the range: not exported.
		{ID: "b18", RoomID: london.ID, ICalUID: "uid-old@example.com", Subject: "Old",
			Start: time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC), End: time.Date(2025, 12, 1, 11, 0, 0, 0, time.UTC)},
	}
	return Calendar{
		Name:     "Roomboard – Zürich, 台北, 上海, London",
		Rooms:    []room.Room{zurich, taipei, shanghai, london},
		Bookings: bookings,
		From:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		To:       time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Stamp:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

// unfold joins folded lines and drops backslash escapes, so that a scan for
// a secret finds it however the writer folded or escaped it.
func unfold(s string) string {
	s = strings.ReplaceAll(s, "\r\n ", "")
	return strings.ReplaceAll(s, `\`, "")
}

func TestSampleHasSecrets(t *testing.T) {
	// Guard the privacy scan: every secret is in the input, so its absence
	// from output means masking removed it.
	var all strings.Builder
	for _, b := range sampleCalendar().Bookings {
		all.WriteString(b.Subject + b.Organizer.Name + b.Organizer.Email + b.Location)
		for _, a := range b.Attendees {
			all.WriteString(a.Name + a.Email)
		}
	}
	for _, s := range secrets {
		if !strings.Contains(all.String(), s) {
			t.Errorf("secret %q is not in the sample input", s)
		}
	}
}
