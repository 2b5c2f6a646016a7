package kiosk

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

const zurichID = "saentis@example.ch"

// zurichRoom is a room with Latin-only text, for goldens that must not
// depend on which CJK fonts a machine has.
func zurichRoom(bookings ...hubproto.BookingView) hubproto.RoomView {
	day := at(zurich, 0, 0)
	return hubproto.RoomView{ID: zurichID, Name: "Sitzungszimmer Säntis", Kind: "room", Capacity: 10,
		Building: "Zürich HQ", Floor: "3", TimeZone: "Europe/Zurich", Equipment: []string{"Display", "Video", "Whiteboard"},
		CheckIn: hubproto.CheckInPolicy{Enabled: true}, From: day, To: day.AddDate(0, 0, 7), Bookings: bookings,
		SyncedAt: at(zurich, 9, 59)}
}

func booking(id, subject, organizer string, loc *time.Location, h1, m1, h2, m2 int) hubproto.BookingView {
	return hubproto.BookingView{ID: id, Subject: subject, Organizer: organizer, Start: at(loc, h1, m1), End: at(loc, h2, m2)}
}

// zurichDay is the rest of the day after the states' current meetings.
func zurichDay() []hubproto.BookingView {
	return []hubproto.BookingView{
		booking("b-11", "Sprint review", "Anna Müller", zurich, 11, 30, 12, 30),
		booking("b-14", "Kundentermin Bäckerei Flückiger", "Jürgen Weiß", zurich, 14, 0, 15, 0),
		{ID: "b-16", Start: at(zurich, 16, 0), End: at(zurich, 17, 0), Private: true, Masked: true},
	}
}

func online(now time.Time, rooms ...hubproto.RoomView) State {
	return State{Rooms: rooms, Online: true, Since: now}
}

// roomStates are the room player's states at 10:00 in Zurich.
func roomStates() map[string]State {
	now := at(zurich, 10, 0)
	day := zurichDay()
	with := func(b ...hubproto.BookingView) []hubproto.BookingView { return append(b, day...) }
	busy := zurichRoom(with(booking("b-9", "Quarterly planning", "Jürgen Weiß", zurich, 9, 30, 10, 45))...)
	busy.CheckIn.Enabled = false
	soon := zurichRoom(with(booking("b-10", "Design critique", "Zoë Brandt", zurich, 10, 5, 11, 0))...)
	due := zurichRoom(with(booking("b-10", "Budget 2027", "Lena Schäfer", zurich, 9, 55, 11, 0))...)
	rel := booking("b-9", "Stand-up", "Anna Müller", zurich, 9, 30, 10, 30)
	rel.ReleasedAt = at(zurich, 9, 40)
	released := zurichRoom(with(rel)...)
	priv := hubproto.BookingView{ID: "b-p", Start: at(zurich, 9, 0), End: at(zurich, 10, 50), Private: true, Masked: true}
	private := zurichRoom(with(priv)...)
	private.CheckIn.Enabled = false
	offline := online(now, zurichRoom(day...))
	offline.Online, offline.Since, offline.LastError = false, now.Add(-3*time.Minute), "dial tcp: connection refused"
	return map[string]State{
		"free":          online(now, zurichRoom(day...)),
		"busy":          online(now, busy),
		"starting-soon": online(now, soon),
		"check-in-due":  online(now, due),
		"released":      online(now, released),
		"private":       online(now, private),
		"offline":       offline,
	}
}

const taipeiID = "songshan-10a@example.com.tw"

// taipeiRoom has Chinese and Latin text, for the language goldens.
func taipeiRoom() hubproto.RoomView {
	day := at(taipei, 0, 0)
	return hubproto.RoomView{ID: taipeiID, Name: "松山會議室 10F-A", Kind: "room", Capacity: 12,
		Building: "台北總部", Floor: "10", TimeZone: "Asia/Taipei", Equipment: []string{"Display", "Video", "白板"},
		CheckIn: hubproto.CheckInPolicy{Enabled: true}, From: day, To: day.AddDate(0, 0, 7), SyncedAt: at(taipei, 9, 59),
		Bookings: []hubproto.BookingView{
			{ID: "t-1", Subject: "季度規劃會議", Organizer: "王小明", Start: at(taipei, 9, 30), End: at(taipei, 11, 0), CheckedInAt: at(taipei, 9, 31)},
			booking("t-2", "客户演示 Q2", "李娜", taipei, 11, 30, 12, 30),
			booking("t-3", "Design review", "Jürgen Weiß", taipei, 14, 0, 15, 0),
			{ID: "t-4", Start: at(taipei, 16, 0), End: at(taipei, 17, 0), Private: true, Masked: true},
		}}
}

// cjkFonts locates the CJK font for lang once per test binary. Without one
// the test is skipped, except under CI, where the missing package
// (fonts-noto-cjk) is a failure.
var cjkFonts = sync.OnceValues(func() (map[string]Fonts, error) {
	out := map[string]Fonts{}
	for _, l := range []string{"zh-TW", "zh-CN"} {
		f, err := LocateCJKFonts(l)
		if err != nil {
			return nil, err
		}
		out[l] = f
	}
	return out, nil
})

func needCJK(t *testing.T, lang string) Fonts {
	t.Helper()
	fs, err := cjkFonts()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: install the Debian package fonts-noto-cjk", err)
		}
		t.Skipf("%v (install fonts-noto-cjk)", err)
	}
	if lang == "zh-TW" {
		return fs["zh-TW"]
	}
	return fs["zh-CN"]
}
