package room

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFreeSlots(t *testing.T) {
	t.Parallel()
	z := func(s string) time.Time { return at(zurich, "2026-06-15 "+s) }
	a := bk("a", z("09:00"), z("10:00"))
	b := bk("b", z("10:00"), z("11:00"))
	c := bk("c", z("10:30"), z("12:00"))
	d := bk("d", z("14:00"), z("14:20"))
	cancelled := bk("x", z("12:00"), z("13:00"))
	cancelled.Cancelled = true
	released := bk("r", z("15:00"), z("16:00"))
	released.ReleasedAt = z("15:10")

	tests := []struct {
		name     string
		bs       []Booking
		from, to time.Time
		min      time.Duration
		want     [][2]string
	}{
		{"empty day", nil, z("08:00"), z("18:00"), 0, [][2]string{{"08:00", "18:00"}}},
		{"empty range", []Booking{a}, z("10:00"), z("10:00"), 0, nil},
		{"inverted range", nil, z("11:00"), z("10:00"), 0, nil},
		{"merged overlaps and back-to-back", []Booking{c, a, b, d}, z("08:00"), z("18:00"), 0,
			[][2]string{{"08:00", "09:00"}, {"12:00", "14:00"}, {"14:20", "18:00"}}},
		{"min length drops short gaps", []Booking{a, bk("e", z("10:10"), z("11:00"))}, z("09:00"), z("11:30"), 15 * time.Minute,
			[][2]string{{"11:00", "11:30"}}},
		{"min length is inclusive", []Booking{a, bk("e", z("10:15"), z("11:00"))}, z("09:00"), z("11:00"), 15 * time.Minute,
			[][2]string{{"10:00", "10:15"}}},
		{"clipped to the range", []Booking{a, c}, z("09:30"), z("11:00"), 0, [][2]string{{"10:00", "10:30"}}},
		{"busy whole range", []Booking{a}, z("09:15"), z("09:45"), 0, nil},
		{"cancelled is free, released frees from ReleasedAt", []Booking{cancelled, released}, z("12:00"), z("16:30"), 0,
			[][2]string{{"12:00", "15:00"}, {"15:10", "16:30"}}},
		{"book now: free until the next booking", []Booking{d}, z("13:37"), z("15:37"), 30 * time.Minute,
			[][2]string{{"14:20", "15:37"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got [][2]string
			for _, s := range FreeSlots(tc.bs, tc.from, tc.to, tc.min) {
				got = append(got, [2]string{s.Start.Format("15:04"), s.End.Format("15:04")})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FreeSlots (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFreeSlotsDST checks that slots are measured in real time and
// reported in the caller's zone across both Zurich changes in 2026.
func TestFreeSlotsDST(t *testing.T) {
	t.Parallel()
	spring := []Booking{bk("a", rfc("2026-03-29T01:00:00+01:00"), rfc("2026-03-29T01:30:00+01:00"))}
	got := FreeSlots(spring, rfc("2026-03-29T00:00:00+01:00").In(zurich), rfc("2026-03-29T04:00:00+02:00").In(zurich), 0)
	want := []string{"2026-03-29T00:00:00+01:00 1h0m0s", "2026-03-29T01:30:00+01:00 1h30m0s"}
	var have []string
	for _, s := range got {
		have = append(have, fmtTime(s.Start)+" "+s.Duration().String())
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("spring (-want +got):\n%s", diff)
	}

	autumn := []Booking{InZone(day("d", "2026-10-24", 1), zurich)}
	got = FreeSlots(autumn, at(zurich, "2026-10-24 00:00"), at(zurich, "2026-10-27 00:00"), 0)
	want = []string{"2026-10-25T00:00:00+02:00 49h0m0s"}
	have = nil
	for _, s := range got {
		have = append(have, fmtTime(s.Start)+" "+s.Duration().String())
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("autumn (-want +got):\n%s", diff)
	}
}
