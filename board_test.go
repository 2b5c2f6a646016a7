package main

import (
	"strings"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

func TestRenderBoard(t *testing.T) {
	// 09:55 in Zürich (CET) is 16:55 in Shanghai and Taipei.
	now := time.Date(2026, 11, 23, 8, 55, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		room     room.Room
		bookings []room.Booking
		// want is the room's line after its name, with runs of spaces
		// collapsed to one.
		want string
	}{
		{"free all day", room.Room{ID: "a@contoso.com", Name: "Besprechungsraum Zürich Limmat", TimeZone: "Europe/Zurich"}, nil,
			"FREE free, nothing booked later"},
		{"busy in its own zone", room.Room{ID: "b@contoso.com", Name: "上海 浦东 会议室 外滩", TimeZone: "Asia/Shanghai"},
			[]room.Booking{{Subject: "季度复盘 Quartalsrückblick", Organizer: room.Mailbox{Name: "刘静"}, Start: at(8, 0), End: at(10, 0)}},
			"BUSY busy until 18:00 CST 季度复盘 Quartalsrückblick (刘静)"},
		{"private is masked", room.Room{ID: "c@contoso.com", Name: "台北 101 會議室 3A", TimeZone: "Asia/Taipei"},
			[]room.Booking{{Subject: "Personalgespräch Müller", Organizer: room.Mailbox{Name: "Jörg Müller"}, Private: true, Start: at(8, 30), End: at(9, 30)}},
			"BUSY busy until 17:30 CST Private"},
		{"policy hides the subject", room.Room{ID: "d@contoso.com", Name: "Vorstandszimmer", TimeZone: "Europe/Berlin",
			Policy: room.Policy{HideSubject: true, HideOrganizer: true}},
			[]room.Booking{{Subject: "Übernahme", Organizer: room.Mailbox{Name: "Anna Hübner"}, Start: at(8, 0), End: at(11, 0)}},
			"BUSY busy until 12:00 CET Booked"},
		{"starting soon shows the next", room.Room{ID: "e@contoso.com", Name: "Besprechungsraum München Isartor", TimeZone: "Europe/Berlin"},
			[]room.Booking{{Subject: "Stand-up", Start: at(9, 0), End: at(9, 15)}},
			"STARTING SOON free until 10:00 CET next: Stand-up"},
		{"back-to-back is not ending soon", room.Room{ID: "f@contoso.com", Name: "Sihl", TimeZone: "Europe/Zurich"},
			[]room.Booking{{Subject: "A", Start: at(8, 0), End: at(9, 0)}, {Subject: "B", Start: at(9, 0), End: at(9, 30)}},
			"BUSY busy until 10:30 CET A"},
		{"free until tomorrow, in UTC when the zone is unknown", room.Room{ID: "g@contoso.com", Name: "Raum ohne Zone"},
			[]room.Booking{{Subject: "Morgen", Start: at(8, 0).AddDate(0, 0, 1), End: at(9, 0).AddDate(0, 0, 1)}},
			"FREE free until Tue 24 Nov 08:00 UTC"},
		{"cancelled does not occupy", room.Room{ID: "h@contoso.com", Name: "Üetliberg", TimeZone: "Europe/Zurich"},
			[]room.Booking{{Subject: "Abgesagt", Cancelled: true, Start: at(8, 0), End: at(10, 0)}},
			"FREE free, nothing booked later"},
	}
	var rooms []room.Room
	bookings := map[string][]room.Booking{}
	for _, tc := range tests {
		rooms = append(rooms, tc.room)
		bookings[tc.room.ID] = tc.bookings
	}
	out := renderBoard(rooms, bookings, now)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if want := "Rooms at Mon 23 Nov 08:55 UTC: 4 of 8 busy"; lines[0] != want {
		t.Errorf("header = %q, want %q", lines[0], want)
	}
	statusCol := -1
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var line string
			for _, l := range lines {
				if strings.HasPrefix(l, tc.room.Name+" ") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no line for %s:\n%s", tc.room.Name, out)
			}
			rest := strings.Join(strings.Fields(strings.TrimPrefix(line, tc.room.Name)), " ")
			if rest != tc.want {
				t.Errorf("line = %q\nwant %q", rest, tc.want)
			}
			// Columns line up by display width, CJK names included.
			col := displayWidth(line[:len(line)-len(strings.TrimLeft(strings.TrimPrefix(line, tc.room.Name), " "))])
			if statusCol == -1 {
				statusCol = col
			} else if col != statusCol {
				t.Errorf("status starts at column %d, want %d like the other rooms:\n%s", col, statusCol, out)
			}
		})
	}
	// Sorted by name: German before Chinese (by code point).
	if i, j := strings.Index(out, "Besprechungsraum München"), strings.Index(out, "上海"); i < 0 || j < 0 || i > j {
		t.Errorf("rooms not sorted by name:\n%s", out)
	}
}

func TestTruncateWidth(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"Stand-up", 10, "Stand-up"},
		{"Quartalsrückblick Vertrieb", 10, "Quartalsr…"},
		{"季度复盘会议", 7, "季度复…"},
		{"季度复盘会议", 12, "季度复盘会议"},
	}
	for _, tc := range tests {
		got := truncateWidth(tc.in, tc.w)
		if got != tc.want || displayWidth(got) > tc.w {
			t.Errorf("truncateWidth(%q, %d) = %q (width %d), want %q", tc.in, tc.w, got, displayWidth(got), tc.want)
		}
	}
}
