package room

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckIn(t *testing.T) {
	t.Parallel()
	z := func(s string) time.Time { return at(zurich, "2026-06-15 "+s) }
	on := Policy{CheckIn: CheckInPolicy{Enabled: true}}
	custom := Policy{CheckIn: CheckInPolicy{Enabled: true, Before: 5 * time.Minute, After: 15 * time.Minute, ReleaseAfter: 20 * time.Minute}}
	shortRelease := Policy{CheckIn: CheckInPolicy{Enabled: true, ReleaseAfter: 2 * time.Minute}}
	noRelease := Policy{CheckIn: CheckInPolicy{Enabled: true, ReleaseAfter: -1}}
	exempt := Policy{CheckIn: CheckInPolicy{Enabled: true, ExemptAllDay: true, ExemptLongerThan: 4 * time.Hour}}

	a := bk("a", z("10:00"), z("11:00"))
	short := bk("short", z("10:00"), z("10:05"))
	checked := a
	checked.CheckedInAt = z("09:55")
	cancelled := a
	cancelled.Cancelled = true
	released := a
	released.ReleasedAt = z("10:10")
	workshop := bk("workshop", z("08:00"), z("17:00"))
	allDay := InZone(day("d", "2026-06-15", 1), zurich)
	// Across the spring change: the window is in real minutes.
	dst := bk("dst", rfc("2026-03-29T01:55:00+01:00"), rfc("2026-03-29T04:00:00+02:00"))

	type result struct {
		Open, Close, ReleaseAt  string
		OK, CanCheckIn, Release bool
	}
	tests := []struct {
		name string
		b    Booking
		p    Policy
		now  time.Time
		want result
	}{
		{"off", a, Policy{}, z("10:00"), result{}},
		{"before the window", a, on, z("09:49"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, false, false}},
		{"window opens (inclusive)", a, on, z("09:50"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, true, false}},
		{"last second of the window", a, on, z("10:10").Add(-time.Second), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, true, false}},
		{"window closed, release due", a, on, z("10:10"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, false, true}},
		{"no release after the end", a, on, z("11:00"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, false, false}},
		{"checked in: never released", checked, on, z("10:30"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, false, false}},
		{"custom window and release", a, custom, z("10:17"), result{"2026-06-15T09:55:00+02:00", "2026-06-15T10:15:00+02:00", "2026-06-15T10:20:00+02:00", true, false, false}},
		{"custom release due", a, custom, z("10:20"), result{"2026-06-15T09:55:00+02:00", "2026-06-15T10:15:00+02:00", "2026-06-15T10:20:00+02:00", true, false, true}},
		{"release never inside the window", a, shortRelease, z("10:05"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "2026-06-15T10:10:00+02:00", true, true, false}},
		{"auto-release off", a, noRelease, z("10:30"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:10:00+02:00", "", true, false, false}},
		{"short meeting: window ends with it, no release", short, on, z("10:04"), result{"2026-06-15T09:50:00+02:00", "2026-06-15T10:05:00+02:00", "", true, true, false}},
		{"cancelled", cancelled, on, z("10:00"), result{}},
		{"released", released, on, z("10:30"), result{}},
		{"long meeting exempt", workshop, exempt, z("08:30"), result{}},
		{"long meeting without exemption", workshop, on, z("08:30"), result{"2026-06-15T07:50:00+02:00", "2026-06-15T08:10:00+02:00", "2026-06-15T08:10:00+02:00", true, false, true}},
		{"all-day exempt", allDay, exempt, z("00:30"), result{}},
		{"all-day not exempt: window at local midnight", allDay, on, z("00:05"), result{"2026-06-14T23:50:00+02:00", "2026-06-15T00:10:00+02:00", "2026-06-15T00:10:00+02:00", true, true, false}},
		{"across the spring change", dst, on, rfc("2026-03-29T03:04:00+02:00"), result{"2026-03-29T01:45:00+01:00", "2026-03-29T03:05:00+02:00", "2026-03-29T03:05:00+02:00", true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			open, close, ok := CheckInWindow(tc.b, tc.p)
			rel, _ := ReleaseAt(tc.b, tc.p)
			got := result{
				Open: fmtTime(open.In(zurich)), Close: fmtTime(close.In(zurich)), ReleaseAt: fmtTime(rel.In(zurich)),
				OK: ok, CanCheckIn: CanCheckIn(tc.b, tc.p, tc.now), Release: ShouldRelease(tc.b, tc.p, tc.now),
			}
			if open.IsZero() {
				got.Open = ""
			}
			if close.IsZero() {
				got.Close = ""
			}
			if rel.IsZero() {
				got.ReleaseAt = ""
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("check-in at %s (-want +got):\n%s", tc.now, diff)
			}
		})
	}
}

// TestReleaseFreesRoom follows one booking through auto-release: the hub
// sets ReleasedAt and the room is free, while the booking stays in the
// list (history) and is reported as Released.
func TestReleaseFreesRoom(t *testing.T) {
	t.Parallel()
	r := Room{ID: "r", TimeZone: "Europe/Zurich", Policy: Policy{CheckIn: CheckInPolicy{Enabled: true}}}
	now := at(zurich, "2026-06-15 10:10")
	bs := []Booking{bk("a", at(zurich, "2026-06-15 10:00"), at(zurich, "2026-06-15 11:00"))}
	if !ShouldRelease(bs[0], r.Policy, now) {
		t.Fatal("ShouldRelease = false at the release time")
	}
	bs[0].ReleasedAt = now
	st := StatusAt(r, bs, now)
	if st.Status != Released || id(st.Released) != "a" || st.Current != nil {
		t.Errorf("after release: %+v, want Released with the booking", summarize(st))
	}
	if ShouldRelease(bs[0], r.Policy, now.Add(time.Minute)) {
		t.Error("ShouldRelease = true for an already released booking")
	}
	if slots := FreeSlots(bs, now, at(zurich, "2026-06-15 11:00"), 0); len(slots) != 1 || !slots[0].Start.Equal(now) {
		t.Errorf("FreeSlots after release = %v, want the rest of the slot", slots)
	}
}
