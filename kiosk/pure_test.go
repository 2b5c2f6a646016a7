package kiosk

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

func TestPresent(t *testing.T) {
	l := i18n.New("en")
	type want struct {
		Headline, Detail, Meeting, Banner string
		Book                              []string
		Extend                            []string
		End, CheckIn                      string
	}
	tests := []struct {
		state string
		want  want
	}{
		{"free", want{Headline: "Free", Detail: "Free until 11:30 AM",
			Book: []string{"15 min", "30 min", "45 min", "60 min", "Until 11:30 AM"}}},
		{"busy", want{Headline: "Busy", Detail: "Busy until 10:45 AM", Meeting: "Quarterly planning/Jürgen Weiß/9:30 AM – 10:45 AM/45 min left",
			Extend: []string{"Extend 15 min", "Extend 30 min"}, End: "b-9"}},
		{"starting-soon", want{Headline: "Starting soon", Detail: "Next meeting starts in 5 min", Book: []string{"Until 10:05 AM"}, CheckIn: "b-10"}},
		{"check-in-due", want{Headline: "Check in now", Detail: "Check in by 10:05 AM or the room will be released",
			Meeting: "Budget 2027/Lena Schäfer/9:55 AM – 11:00 AM/1 h left", Extend: []string{"Extend 15 min", "Extend 30 min"}, End: "b-10", CheckIn: "b-10"}},
		{"released", want{Headline: "Free again", Detail: "The meeting at 9:30 AM was released because nobody checked in",
			Book: []string{"15 min", "30 min", "45 min", "60 min", "Until 11:30 AM"}}},
		{"private", want{Headline: "Busy", Detail: "Busy until 10:50 AM", Meeting: "Private meeting//9:00 AM – 10:50 AM/50 min left",
			Extend: []string{"Extend 15 min", "Extend 30 min"}, End: "b-p"}},
		{"offline", want{Headline: "Free", Detail: "Free until 11:30 AM", Banner: "Offline — showing data from 3 min ago",
			Book: []string{"15 min", "30 min", "45 min", "60 min", "Until 11:30 AM"}}},
	}
	states := roomStates()
	for _, tc := range tests {
		t.Run(tc.state, func(t *testing.T) {
			m := present(l, states[tc.state], zurichID, at(zurich, 10, 0), DefaultOfficeHours)
			got := want{Headline: m.Headline, Detail: m.Detail, Banner: m.Banner}
			if m.Meeting != nil {
				got.Meeting = m.Meeting.Title + "/" + m.Meeting.Organizer + "/" + m.Meeting.Range + "/" + m.Meeting.Remaining
			}
			for _, b := range m.Book {
				got.Book = append(got.Book, b.Label)
			}
			for _, e := range m.Extend {
				got.Extend = append(got.Extend, e.Label)
			}
			if m.End != nil {
				got.End = m.End.ID
			}
			if m.CheckIn != nil {
				got.CheckIn = m.CheckIn.ID
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestBookCappedByNextMeeting checks that no offer runs into the next
// meeting and that extend stops at the next booking.
func TestBookCappedByNextMeeting(t *testing.T) {
	l := i18n.New("en")
	rv := zurichRoom(booking("n", "Next", "", zurich, 10, 40, 11, 0), booking("c", "Cur", "", zurich, 11, 0, 11, 20),
		booking("z", "After", "", zurich, 11, 35, 12, 0))
	rv.CheckIn.Enabled = false
	m := present(l, online(at(zurich, 10, 0), rv), zurichID, at(zurich, 10, 0), DefaultOfficeHours)
	var labels []string
	for _, b := range m.Book {
		labels = append(labels, b.Label)
	}
	if diff := cmp.Diff([]string{"15 min", "30 min", "Until 10:40 AM"}, labels); diff != "" {
		t.Errorf("book offers (-want +got):\n%s", diff)
	}
	m = present(l, online(at(zurich, 11, 5), rv), zurichID, at(zurich, 11, 5), DefaultOfficeHours)
	if len(m.Extend) != 1 || m.Extend[0].Minutes != 15 {
		t.Errorf("extend offers = %+v, want only 15 min (11:35 is booked)", m.Extend)
	}
	rv.Bookings = append(rv.Bookings, booking("y", "Back to back", "", zurich, 11, 20, 11, 30))
	m = present(l, online(at(zurich, 11, 5), rv), zurichID, at(zurich, 11, 5), DefaultOfficeHours)
	if len(m.Extend) != 0 {
		t.Errorf("extend offered before a back-to-back meeting: %+v", m.Extend)
	}
}

func TestNearestFree(t *testing.T) {
	now := at(zurich, 10, 0)
	mk := func(id, building, floor string, bookings ...hubproto.BookingView) hubproto.RoomView {
		rv := zurichRoom(bookings...)
		rv.ID, rv.Name, rv.Building, rv.Floor = id, id, building, floor
		return rv
	}
	freeUntil := func(h int) hubproto.BookingView { return booking("x", "x", "", zurich, h, 0, h+1, 0) }
	busyNow := booking("b", "b", "", zurich, 9, 0, 11, 0)
	soon := booking("s", "s", "", zurich, 10, 5, 11, 0)
	equipment := mk("beamer", "HQ", "3")
	equipment.Kind = "equipment"
	tests := []struct {
		name   string
		rooms  []hubproto.RoomView
		want   string
		wantOK bool
	}{
		{"same floor beats longer elsewhere", []hubproto.RoomView{mk("other-building", "Annex", "3"), mk("same-building", "HQ", "4"), mk("same-floor", "HQ", "3", freeUntil(11))}, "same-floor", true},
		{"same building beats other building", []hubproto.RoomView{mk("other-building", "Annex", "3"), mk("same-building", "HQ", "5", freeUntil(11))}, "same-building", true},
		{"longest free on the floor", []hubproto.RoomView{mk("a", "HQ", "3", freeUntil(11)), mk("b", "HQ", "3", freeUntil(15)), mk("c", "HQ", "3", freeUntil(12))}, "b", true},
		{"free all day beats free until", []hubproto.RoomView{mk("a", "HQ", "3", freeUntil(17)), mk("b", "HQ", "3")}, "b", true},
		{"ties by name", []hubproto.RoomView{mk("b", "HQ", "3"), mk("a", "HQ", "3")}, "a", true},
		{"busy and starting soon do not count", []hubproto.RoomView{mk("busy", "HQ", "3", busyNow), mk("soon", "HQ", "3", soon), mk("far", "Annex", "1")}, "far", true},
		{"excluded room and equipment", []hubproto.RoomView{mk("here", "HQ", "3"), equipment}, "", false},
		{"none", []hubproto.RoomView{mk("busy", "HQ", "3", busyNow)}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := NearestFree(tc.rooms, "HQ", "3", "here", now)
			if ok != tc.wantOK || s.Room.ID != tc.want {
				t.Errorf("NearestFree = %q, %v; want %q, %v", s.Room.ID, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestContrast checks the WCAG contrast of every text colour pair: status
// text on status colours, and text on the panels. High contrast must meet
// AA for normal text (4.5:1) everywhere and AAA (7:1) for body text; the
// other themes meet AA.
func TestContrast(t *testing.T) {
	if got := Contrast(rgb(0xffffff), rgb(0x000000)); got < 20.99 || got > 21.01 {
		t.Fatalf("Contrast(white, black) = %.2f, want 21", got)
	}
	if got := Contrast(rgb(0x777777), rgb(0xffffff)); got < 4.47 || got > 4.49 {
		t.Fatalf("Contrast(#777, white) = %.3f, want 4.48", got)
	}
	for _, v := range []Variant{Dark, Light, HighContrast} {
		th := NewTheme(Settings{Theme: v})
		for tn := toneUnknown; tn <= toneReleased; tn++ {
			bg := th.toneColor(tn)
			if c := Contrast(OnColor(bg), bg); c < 4.5 {
				t.Errorf("variant %d tone %d: text contrast %.2f < 4.5", v, tn, c)
			}
		}
		for name, p := range map[string][2]any{
			"foreground/panel":      {th.pal.foreground, th.pal.panel},
			"foreground/background": {th.pal.foreground, th.pal.background},
			"muted/panel":           {th.pal.muted, th.pal.panel},
			"accent text/panel":     {th.accentText(), th.pal.panel},
			"banner":                {OnColor(th.toneColor(toneSoon)), th.toneColor(toneSoon)},
		} {
			a, b := p[0].(interface{ RGBA() (r, g, b, a uint32) }), p[1].(interface{ RGBA() (r, g, b, a uint32) })
			min := 4.5
			if v == HighContrast && name == "foreground/panel" {
				min = 7
			}
			if c := Contrast(a, b); c < min {
				t.Errorf("variant %d %s: contrast %.2f < %.1f", v, name, c, min)
			}
		}
	}
}

func TestStatusTone(t *testing.T) {
	th := NewTheme(Settings{})
	if th.StatusColor(room.Free) == th.StatusColor(room.Busy) || th.StatusColor(room.StartingSoon) == th.StatusColor(room.AwaitingCheckIn) {
		t.Error("statuses that need different action share a colour")
	}
	if th.StatusColor(room.EndingSoon) != th.StatusColor(room.Busy) {
		t.Error("ending soon is still busy")
	}
}

func TestOfficeHours(t *testing.T) {
	o := OfficeHours{Start: 8 * time.Hour, End: 18 * time.Hour}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{at(zurich, 7, 59), false}, {at(zurich, 8, 0), true}, {at(zurich, 17, 59), true}, {at(zurich, 18, 0), false},
		{time.Date(2026, 3, 7, 12, 0, 0, 0, zurich), false}, // Saturday
	}
	for _, tc := range tests {
		if got := o.Contains(tc.at); got != tc.want {
			t.Errorf("Contains(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	// The DST day in Zurich (29 March 2026) still opens at 08:00 local.
	from, _ := o.window(time.Date(2026, 3, 29, 12, 0, 0, 0, zurich))
	if from.Hour() != 8 {
		t.Errorf("window on the DST day starts at %v", from)
	}
}

func TestWrapLines(t *testing.T) {
	width := func(s string) float32 { return float32(len([]rune(s))) }
	tests := []struct {
		in    string
		width float32
		want  []string
	}{
		{"That time is no longer free", 10, []string{"That time", "is no", "longer", "free"}},
		{"此時段已被他人預約", 6, []string{"此時段已被他", "人預約"}},
		{"Bitte kurz warten", 100, []string{"Bitte kurz warten"}},
		{"", 10, nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, wrapLines(tc.in, width, tc.width)); diff != "" {
			t.Errorf("wrapLines(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
