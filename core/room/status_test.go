package room

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// summary is State in comparable form.
type summary struct {
	Status                     string
	Current, Next, Released    string
	FreeUntil, BusyUntil, Zone string
}

func summarize(s State) summary {
	return summary{
		Status: s.Status.String(), Current: id(s.Current), Next: id(s.Next), Released: id(s.Released),
		FreeUntil: fmtTime(s.FreeUntil), BusyUntil: fmtTime(s.BusyUntil), Zone: s.Location.String(),
	}
}

func TestStatusAt(t *testing.T) {
	t.Parallel()
	room := Room{ID: "sitzung-3@example.ch", Name: "Sitzungszimmer Zürich 3", TimeZone: "Europe/Zurich"}
	checkIn := room
	checkIn.Policy.CheckIn = CheckInPolicy{Enabled: true, ExemptAllDay: true}
	noRelease := checkIn
	noRelease.Policy.CheckIn.ReleaseAfter = -1

	z := func(s string) time.Time { return at(zurich, "2026-06-15 "+s) }
	a := bk("a", z("10:00"), z("11:00"))
	b := bk("b", z("11:00"), z("12:00"))
	late := bk("late", z("11:05"), z("12:00"))
	long := bk("long", z("10:00"), z("11:30"))
	cancelled := a
	cancelled.Cancelled = true
	released := a
	released.ReleasedAt = z("10:10")
	releasedEarly := a
	releasedEarly.ReleasedAt = z("09:00")
	checked := a
	checked.CheckedInAt = z("10:03")
	allDay := day("d", "2026-06-15", 1)
	empty := bk("empty", z("10:00"), z("10:00"))
	inverted := bk("inv", z("11:00"), z("10:00"))

	tests := []struct {
		name string
		room Room
		bs   []Booking
		now  time.Time
		want summary
	}{
		{"no bookings", room, nil, z("09:00"), summary{Status: "free"}},
		{"free before", room, []Booking{a}, z("09:00"), summary{Status: "free", Next: "a", FreeUntil: "2026-06-15T10:00:00+02:00"}},
		{"starting soon edge inclusive", room, []Booking{a}, z("09:50"), summary{Status: "starting-soon", Next: "a", FreeUntil: "2026-06-15T10:00:00+02:00"}},
		{"just outside soon", room, []Booking{a}, z("09:50").Add(-time.Second), summary{Status: "free", Next: "a", FreeUntil: "2026-06-15T10:00:00+02:00"}},
		{"start inclusive", room, []Booking{a}, z("10:00"), summary{Status: "busy", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"ending soon", room, []Booking{a}, z("10:50"), summary{Status: "ending-soon", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"end exclusive", room, []Booking{a}, z("11:00"), summary{Status: "free"}},
		{"back-to-back extends busy", room, []Booking{b, a}, z("10:50"), summary{Status: "busy", Current: "a", Next: "b", BusyUntil: "2026-06-15T12:00:00+02:00"}},
		{"gap ends the block", room, []Booking{a, late}, z("10:55"), summary{Status: "ending-soon", Current: "a", Next: "late", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"overlap: started first", room, []Booking{long, b}, z("10:30"), summary{Status: "busy", Current: "long", Next: "b", BusyUntil: "2026-06-15T12:00:00+02:00"}},
		{"overlap: latest start is current", room, []Booking{long, b}, z("11:15"), summary{Status: "busy", Current: "b", BusyUntil: "2026-06-15T12:00:00+02:00"}},
		{"cancelled frees", room, []Booking{cancelled}, z("10:30"), summary{Status: "free"}},
		{"released: busy until the release", room, []Booking{released}, z("10:05"), summary{Status: "ending-soon", Current: "a", BusyUntil: "2026-06-15T10:10:00+02:00"}},
		{"released frees", room, []Booking{released}, z("10:30"), summary{Status: "released", Released: "a"}},
		{"starting soon beats released", room, []Booking{released, b}, z("10:55"), summary{Status: "starting-soon", Next: "b", Released: "a", FreeUntil: "2026-06-15T11:00:00+02:00"}},
		{"released before start", room, []Booking{releasedEarly}, z("09:55"), summary{Status: "free"}},
		{"released before start, during slot", room, []Booking{releasedEarly}, z("10:30"), summary{Status: "released", Released: "a"}},
		{"empty and inverted ignored", room, []Booking{empty, inverted}, z("10:00"), summary{Status: "free"}},
		{"all-day in room zone", room, []Booking{allDay}, at(zurich, "2026-06-15 00:30"), summary{Status: "busy", Current: "d", BusyUntil: "2026-06-16T00:00:00+02:00"}},
		{"all-day not the day before", room, []Booking{allDay}, at(zurich, "2026-06-14 23:30"), summary{Status: "free", Next: "d", FreeUntil: "2026-06-15T00:00:00+02:00"}},
		{"timed meeting inside all-day is current", room, []Booking{allDay, a}, z("10:30"), summary{Status: "busy", Current: "a", BusyUntil: "2026-06-16T00:00:00+02:00"}},
		{"awaiting check-in", checkIn, []Booking{a}, z("10:05"), summary{Status: "awaiting-check-in", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"check-in not shown before start", checkIn, []Booking{a}, z("09:55"), summary{Status: "starting-soon", Next: "a", FreeUntil: "2026-06-15T10:00:00+02:00"}},
		{"checked in", checkIn, []Booking{checked}, z("10:05"), summary{Status: "checked-in", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"checked in and ending soon", checkIn, []Booking{checked}, z("10:55"), summary{Status: "ending-soon", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"past release time, not yet released by the hub", checkIn, []Booking{a}, z("10:15"), summary{Status: "busy", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"auto-release off: awaiting inside window", noRelease, []Booking{a}, z("10:09"), summary{Status: "awaiting-check-in", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"auto-release off: busy after window", noRelease, []Booking{a}, z("10:10"), summary{Status: "busy", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
		{"all-day exempt from check-in", checkIn, []Booking{allDay}, z("00:05"), summary{Status: "busy", Current: "d", BusyUntil: "2026-06-16T00:00:00+02:00"}},
		{"check-in policy off", room, []Booking{a}, z("10:05"), summary{Status: "busy", Current: "a", BusyUntil: "2026-06-15T11:00:00+02:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.want.Zone = "Europe/Zurich"
			got := summarize(StatusAt(tc.room, tc.bs, tc.now))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("StatusAt at %s (-want +got):\n%s", tc.now, diff)
			}
		})
	}
}

// TestStatusAtZones covers DST changes and rooms in different zones. The
// instants are written in UTC where the local time is ambiguous or absent.
func TestStatusAtZones(t *testing.T) {
	t.Parallel()
	zh := Room{ID: "zh", TimeZone: "Europe/Zurich"}
	tp := Room{ID: "tp", Name: "會議室 台北 101", TimeZone: "Asia/Taipei"}
	sh := Room{ID: "sh", Name: "上海会议室", TimeZone: "Asia/Shanghai"}

	// 2026-03-29 Zurich: 02:00 CET becomes 03:00 CEST. 01:30 CET–03:30
	// CEST is one hour.
	springBk := bk("spring", rfc("2026-03-29T01:30:00+01:00"), rfc("2026-03-29T03:30:00+02:00"))
	// 2026-10-25 Zurich: 03:00 CEST becomes 02:00 CET; 01:00 CEST–04:00
	// CET is four hours and contains 02:30 twice.
	autumnBk := bk("autumn", rfc("2026-10-25T01:00:00+02:00"), rfc("2026-10-25T04:00:00+01:00"))
	// EWS hands all-day items over as midnight in the requested zone.
	shDay := Booking{ID: "shday", AllDay: true, Start: at(shanghai, "2026-06-15 00:00").UTC(), End: at(shanghai, "2026-06-16 00:00").UTC()}

	tests := []struct {
		name string
		room Room
		bs   []Booking
		now  time.Time
		want summary
	}{
		{"spring: all-day lasts 23 hours, busy late", zh, []Booking{day("d", "2026-03-29", 1)}, rfc("2026-03-29T23:30:00+02:00"),
			summary{Status: "busy", Current: "d", BusyUntil: "2026-03-30T00:00:00+02:00", Zone: "Europe/Zurich"}},
		{"spring: all-day starts at local midnight", zh, []Booking{day("d", "2026-03-29", 1)}, rfc("2026-03-28T23:55:00+01:00"),
			summary{Status: "starting-soon", Next: "d", FreeUntil: "2026-03-29T00:00:00+01:00", Zone: "Europe/Zurich"}},
		{"spring: last second of CET", zh, []Booking{springBk}, rfc("2026-03-29T00:59:59Z"),
			summary{Status: "busy", Current: "spring", BusyUntil: "2026-03-29T03:30:00+02:00", Zone: "Europe/Zurich"}},
		{"spring: ending soon counted in real minutes", zh, []Booking{springBk}, rfc("2026-03-29T03:20:00+02:00"),
			summary{Status: "ending-soon", Current: "spring", BusyUntil: "2026-03-29T03:30:00+02:00", Zone: "Europe/Zurich"}},
		{"spring: free at 01:29 CET", zh, []Booking{springBk}, rfc("2026-03-29T01:29:00+01:00"),
			summary{Status: "starting-soon", Next: "spring", FreeUntil: "2026-03-29T01:30:00+01:00", Zone: "Europe/Zurich"}},
		{"autumn: first 02:30 (CEST)", zh, []Booking{autumnBk}, rfc("2026-10-25T00:30:00Z"),
			summary{Status: "busy", Current: "autumn", BusyUntil: "2026-10-25T04:00:00+01:00", Zone: "Europe/Zurich"}},
		{"autumn: second 02:30 (CET)", zh, []Booking{autumnBk}, rfc("2026-10-25T01:30:00Z"),
			summary{Status: "busy", Current: "autumn", BusyUntil: "2026-10-25T04:00:00+01:00", Zone: "Europe/Zurich"}},
		{"autumn: ending soon in real minutes", zh, []Booking{autumnBk}, rfc("2026-10-25T03:50:00+01:00"),
			summary{Status: "ending-soon", Current: "autumn", BusyUntil: "2026-10-25T04:00:00+01:00", Zone: "Europe/Zurich"}},
		{"autumn: all-day lasts 25 hours", zh, []Booking{day("d", "2026-10-25", 1)}, rfc("2026-10-25T23:30:00+01:00"),
			summary{Status: "busy", Current: "d", BusyUntil: "2026-10-26T00:00:00+01:00", Zone: "Europe/Zurich"}},
		{"Taipei: all-day by local date, not UTC", tp, []Booking{day("d", "2026-06-15", 1)}, rfc("2026-06-14T20:00:00Z"),
			summary{Status: "busy", Current: "d", BusyUntil: "2026-06-16T00:00:00+08:00", Zone: "Asia/Taipei"}},
		{"same instant in Zurich: not yet that day", zh, []Booking{day("d", "2026-06-15", 1)}, rfc("2026-06-14T20:00:00Z"),
			summary{Status: "free", Next: "d", FreeUntil: "2026-06-15T00:00:00+02:00", Zone: "Europe/Zurich"}},
		{"Taipei: all-day ends at local midnight", tp, []Booking{day("d", "2026-06-15", 1)}, rfc("2026-06-16T00:00:00+08:00"),
			summary{Status: "free", Zone: "Asia/Taipei"}},
		{"Shanghai: EWS local-midnight all-day, last minute", sh, []Booking{shDay}, rfc("2026-06-15T23:59:00+08:00"),
			summary{Status: "ending-soon", Current: "shday", BusyUntil: "2026-06-16T00:00:00+08:00", Zone: "Asia/Shanghai"}},
		{"Shanghai: timed meeting in local time", sh, []Booking{bk("m", at(shanghai, "2026-06-15 09:00"), at(shanghai, "2026-06-15 10:00"))}, rfc("2026-06-15T01:30:00Z"),
			summary{Status: "busy", Current: "m", BusyUntil: "2026-06-15T10:00:00+08:00", Zone: "Asia/Shanghai"}},
		{"unknown zone falls back to UTC", Room{ID: "x", TimeZone: "Europe/Zürich"}, []Booking{day("d", "2026-06-15", 1)}, rfc("2026-06-14T23:30:00Z"),
			summary{Status: "free", Next: "d", FreeUntil: "2026-06-15T00:00:00Z", Zone: "UTC"}},
		{"empty zone is UTC", Room{ID: "x"}, []Booking{day("d", "2026-06-15", 1)}, rfc("2026-06-15T00:00:00Z"),
			summary{Status: "busy", Current: "d", BusyUntil: "2026-06-16T00:00:00Z", Zone: "UTC"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := summarize(StatusAt(tc.room, tc.bs, tc.now))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("StatusAt at %s (-want +got):\n%s", tc.now.UTC(), diff)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	want := []string{
		"free", "busy", "starting-soon", "ending-soon", "awaiting-check-in", "checked-in", "released", "unknown",
		"room", "equipment", "unknown",
		"unknown", "none", "accepted", "tentative", "declined", "organizer", "unknown",
		"unknown", "subject-replaced", "organizer-prefixed", "subject-deleted", "private-flag-removed", "unknown",
	}
	var got []string
	for s := Free; s <= Released+1; s++ {
		got = append(got, s.String())
	}
	for k := KindRoom; k <= KindEquipment+1; k++ {
		got = append(got, k.String())
	}
	for r := ResponseUnknown; r <= ResponseOrganizer+1; r++ {
		got = append(got, r.String())
	}
	for k := FindingKind(0); k <= PrivateFlagRemoved+1; k++ {
		got = append(got, k.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String methods (-want +got):\n%s", diff)
	}
}
