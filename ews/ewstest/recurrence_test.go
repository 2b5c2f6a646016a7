package ewstest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestRecurrenceExpand(t *testing.T) {
	zurich := mustZone(t, "Europe/Zurich")
	taipei := mustZone(t, "Asia/Taipei")
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		r     Recurrence
		first time.Time // wall time of the first occurrence, in loc
		loc   *time.Location
		until time.Time
		want  []string // UTC starts
	}{
		{
			// Europe switches to summer time on 29 March 2026: 09:00 stays
			// 09:00 on the wall, so the instant moves an hour earlier.
			name: "weekly across spring DST", loc: zurich,
			r:     Recurrence{Pattern: Weekly, Interval: 1, DaysOfWeek: []time.Weekday{time.Friday}},
			first: time.Date(2026, 3, 20, 9, 0, 0, 0, zurich), until: d(2026, 4, 4),
			want: []string{"2026-03-20T08:00:00Z", "2026-03-27T08:00:00Z", "2026-04-03T07:00:00Z"},
		},
		{
			name: "daily across autumn DST", loc: zurich,
			r:     Recurrence{Pattern: Daily, Interval: 1, Count: 3},
			first: time.Date(2026, 10, 24, 9, 0, 0, 0, zurich), until: d(2027, 1, 1),
			want: []string{"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"},
		},
		{
			// 02:30 does not exist on 29 March; the occurrence starts at the
			// first wall time that does, 03:30 summer time.
			name: "daily at a skipped hour", loc: zurich,
			r:     Recurrence{Pattern: Daily, Interval: 1, Count: 3},
			first: time.Date(2026, 3, 28, 2, 30, 0, 0, zurich), until: d(2027, 1, 1),
			want: []string{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
		},
		{
			// 02:30 happens twice on 25 October; like Windows, the
			// simulator takes the standard-time instance.
			name: "daily at a repeated hour", loc: zurich,
			r:     Recurrence{Pattern: Daily, Interval: 1, Count: 2},
			first: time.Date(2026, 10, 25, 2, 30, 0, 0, zurich), until: d(2027, 1, 1),
			want: []string{"2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"},
		},
		{
			name: "every second week Monday and Wednesday", loc: taipei,
			r:     Recurrence{Pattern: Weekly, Interval: 2, DaysOfWeek: []time.Weekday{time.Monday, time.Wednesday}, FirstDayOfWeek: time.Sunday},
			first: time.Date(2026, 3, 2, 10, 0, 0, 0, taipei), until: d(2026, 3, 31),
			want: []string{"2026-03-02T02:00:00Z", "2026-03-04T02:00:00Z", "2026-03-16T02:00:00Z", "2026-03-18T02:00:00Z", "2026-03-30T02:00:00Z"},
		},
		{
			name: "weekly end date inclusive", loc: time.UTC,
			r:     Recurrence{Pattern: Weekly, Interval: 1, DaysOfWeek: []time.Weekday{time.Tuesday}, EndDate: d(2026, 3, 17)},
			first: time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), until: d(2027, 1, 1),
			want: []string{"2026-03-03T12:00:00Z", "2026-03-10T12:00:00Z", "2026-03-17T12:00:00Z"},
		},
		{
			name: "absolute monthly on the 31st", loc: time.UTC,
			r:     Recurrence{Pattern: AbsoluteMonthly, Interval: 1, DayOfMonth: 31, Count: 4},
			first: time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), until: d(2027, 1, 1),
			want: []string{"2026-01-31T09:00:00Z", "2026-02-28T09:00:00Z", "2026-03-31T09:00:00Z", "2026-04-30T09:00:00Z"},
		},
		{
			name: "second Tuesday monthly", loc: zurich,
			r:     Recurrence{Pattern: RelativeMonthly, Interval: 1, DaysOfWeek: []time.Weekday{time.Tuesday}, WeekIndex: 2, Count: 3},
			first: time.Date(2026, 3, 10, 14, 0, 0, 0, zurich), until: d(2027, 1, 1),
			want: []string{"2026-03-10T13:00:00Z", "2026-04-14T12:00:00Z", "2026-05-12T12:00:00Z"},
		},
		{
			name: "last weekday of the month", loc: time.UTC,
			r:     Recurrence{Pattern: RelativeMonthly, Interval: 1, DayKind: "Weekday", WeekIndex: 5, Count: 3},
			first: time.Date(2026, 1, 30, 16, 0, 0, 0, time.UTC), until: d(2027, 1, 1),
			want: []string{"2026-01-30T16:00:00Z", "2026-02-27T16:00:00Z", "2026-03-31T16:00:00Z"},
		},
		{
			name: "yearly on 29 February", loc: time.UTC,
			r:     Recurrence{Pattern: AbsoluteYearly, DayOfMonth: 29, Month: time.February, Count: 3},
			first: time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC), until: d(2040, 1, 1),
			want: []string{"2028-02-29T09:00:00Z", "2029-02-28T09:00:00Z", "2030-02-28T09:00:00Z"},
		},
		{
			name: "relative yearly: last Sunday of March", loc: zurich,
			r:     Recurrence{Pattern: RelativeYearly, DaysOfWeek: []time.Weekday{time.Sunday}, WeekIndex: 5, Month: time.March, Count: 2},
			first: time.Date(2026, 3, 29, 12, 0, 0, 0, zurich), until: d(2040, 1, 1),
			want: []string{"2026-03-29T10:00:00Z", "2027-03-28T10:00:00Z"},
		},
		{
			name: "start date later than the item", loc: time.UTC,
			r:     Recurrence{Pattern: Daily, Interval: 3, StartDate: d(2026, 3, 5), Count: 2},
			first: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), until: d(2027, 1, 1),
			want: []string{"2026-03-05T08:00:00Z", "2026-03-08T08:00:00Z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.r.validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			var got []string
			tc.r.expand(tc.first, tc.loc, tc.until, func(i int, s time.Time) bool {
				if i != len(got)+1 {
					t.Errorf("index %d for occurrence %d", i, len(got)+1)
				}
				got = append(got, s.Format(time.RFC3339))
				return true
			})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecurrenceInvalid(t *testing.T) {
	tests := []Recurrence{
		{Pattern: Weekly, Interval: 1},
		{Pattern: AbsoluteMonthly, Interval: 1, DayOfMonth: 32},
		{Pattern: RelativeMonthly, Interval: 1, WeekIndex: 0, DaysOfWeek: []time.Weekday{time.Monday}},
		{Pattern: Weekly, Interval: 1, DaysOfWeek: []time.Weekday{9}},
		{Pattern: "HourlyRecurrence"},
		{Pattern: Daily, Interval: -1},
		{Pattern: Daily, StartDate: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), EndDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, r := range tests {
		if err := r.validate(); err == nil {
			t.Errorf("%+v validated", r)
		}
	}
}

func TestSeriesWithExceptions(t *testing.T) {
	zurich := mustZone(t, "Europe/Zurich")
	first := time.Date(2026, 3, 23, 9, 0, 0, 0, zurich).UTC() // Monday
	it := &calItem{id: "m", start: first, end: first.Add(30 * time.Minute), loc: zurich, subject: "Daily",
		rec: &Recurrence{Pattern: Daily, Interval: 1, Count: 5}}
	second, third := first.Add(24*time.Hour), first.Add(48*time.Hour)
	moved := "Daily (später)"
	it.exceptions = map[int64]*exception{second.Unix(): {start: second.Add(2 * time.Hour), end: second.Add(3 * time.Hour), subject: &moved}}
	it.deleted = map[int64]bool{third.Unix(): true}
	var got []string
	for _, o := range it.occurrences(first, first.AddDate(0, 0, 10)) {
		got = append(got, o.kind()+" "+o.subject+" "+o.start.Format(time.RFC3339))
	}
	want := []string{
		"Occurrence Daily 2026-03-23T08:00:00Z",
		"Exception Daily (später) 2026-03-24T10:00:00Z",
		"Occurrence Daily 2026-03-26T08:00:00Z",
		"Occurrence Daily 2026-03-27T08:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok := it.findOccurrence(third, 0); ok {
		t.Error("deleted occurrence still resolves")
	}
	if o, ok := it.findOccurrence(time.Time{}, 5); !ok || !o.start.Equal(first.AddDate(0, 0, 4)) {
		t.Errorf("occurrence 5 = %+v, %v", o, ok)
	}
}
