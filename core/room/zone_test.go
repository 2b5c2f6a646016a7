package room

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone    string
		want    string
		wantErr bool
	}{
		{"", "UTC", false},
		{"Europe/Zurich", "Europe/Zurich", false},
		{"Asia/Taipei", "Asia/Taipei", false},
		{"Asia/Shanghai", "Asia/Shanghai", false},
		{"Europe/Zürich", "", true},
		{"W. Europe Standard Time", "", true},
		{"../../etc/passwd", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			t.Parallel()
			// Twice: the second call is served from the cache.
			for range 2 {
				loc, err := Room{ID: "r@example.ch", TimeZone: tc.zone}.Location()
				if tc.wantErr {
					var ze *ZoneError
					if !errors.As(err, &ze) || ze.Zone != tc.zone || ze.RoomID != "r@example.ch" {
						t.Fatalf("Location(%q) error = %v, want *ZoneError for it", tc.zone, err)
					}
					if errors.Unwrap(err) == nil {
						t.Errorf("ZoneError does not wrap the cause")
					}
					continue
				}
				if err != nil || loc.String() != tc.want {
					t.Fatalf("Location(%q) = %v, %v; want %s", tc.zone, loc, err, tc.want)
				}
			}
		})
	}
}

func TestInZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		b          Booking
		loc        *time.Location
		start, end string
		hours      float64
	}{
		{"UTC date, Zurich spring day has 23 hours", day("d", "2026-03-29", 1), zurich,
			"2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23},
		{"UTC date, Zurich autumn day has 25 hours", day("d", "2026-10-25", 1), zurich,
			"2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 25},
		{"UTC date, Taipei", day("d", "2026-06-15", 2), taipei,
			"2026-06-15T00:00:00+08:00", "2026-06-17T00:00:00+08:00", 48},
		{"local midnight stored as UTC keeps its local date", Booking{AllDay: true,
			Start: at(shanghai, "2026-06-15 00:00").UTC(), End: at(shanghai, "2026-06-16 00:00").UTC()}, shanghai,
			"2026-06-15T00:00:00+08:00", "2026-06-16T00:00:00+08:00", 24},
		{"date carried in its own zone", Booking{AllDay: true,
			Start: at(zurich, "2026-03-29 00:00"), End: at(zurich, "2026-03-30 00:00")}, taipei,
			"2026-03-29T00:00:00+08:00", "2026-03-30T00:00:00+08:00", 24},
		{"inverted all-day means that one day", Booking{AllDay: true,
			Start: rfc("2026-06-15T00:00:00Z"), End: rfc("2026-06-14T00:00:00Z")}, zurich,
			"2026-06-15T00:00:00+02:00", "2026-06-16T00:00:00+02:00", 24},
		{"timed booking only changes zone", bk("m", rfc("2026-03-29T00:30:00Z"), rfc("2026-03-29T01:30:00Z")), zurich,
			"2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", 1},
		{"nil location is UTC", bk("m", at(zurich, "2026-06-15 10:00"), at(zurich, "2026-06-15 11:00")), nil,
			"2026-06-15T08:00:00Z", "2026-06-15T09:00:00Z", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := InZone(tc.b, tc.loc)
			want := []any{tc.start, tc.end, tc.hours}
			have := []any{fmtTime(got.Start), fmtTime(got.End), got.End.Sub(got.Start).Hours()}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("InZone (-want +got):\n%s", diff)
			}
		})
	}
}
