package room

import (
	"testing"
	"time"
)

// Zones used across the tests. LoadLocation cannot fail here: the package
// embeds time/tzdata.
var (
	zurich   = mustLoad("Europe/Zurich")
	taipei   = mustLoad("Asia/Taipei")
	shanghai = mustLoad("Asia/Shanghai")
)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at parses "2006-01-02 15:04" in loc; for the ambiguous hour of a DST
// change use an RFC 3339 time via rfc.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func rfc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// day returns an all-day booking for the date as a source without zone
// information delivers it: midnight UTC to midnight UTC.
func day(id, date string, days int) Booking {
	s, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	return Booking{ID: id, Start: s, End: s.AddDate(0, 0, days), AllDay: true, Subject: "all day " + id}
}

func bk(id string, start, end time.Time) Booking {
	return Booking{ID: id, RoomID: "sitzung-3@example.ch", Start: start, End: end, Subject: "meeting " + id}
}

// fmtTime renders t for comparisons: the offset shows which zone the
// result is in, zero renders as "".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func id(b *Booking) string {
	if b == nil {
		return ""
	}
	return b.ID
}

func TestHelpers(t *testing.T) {
	if got := at(zurich, "2026-03-29 03:00").Sub(at(zurich, "2026-03-29 01:00")); got != time.Hour {
		t.Fatalf("Europe/Zurich 2026-03-29 01:00→03:00 lasts %v, want 1h: tzdata is not what the tests expect", got)
	}
}
