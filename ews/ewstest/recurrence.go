package ewstest

import (
	"errors"
	"time"
)

// RecurrencePattern names an EWS recurrence pattern element.
type RecurrencePattern string

// Recurrence patterns (the element names of t:RecurrencePatternTypes).
const (
	Daily           RecurrencePattern = "DailyRecurrence"
	Weekly          RecurrencePattern = "WeeklyRecurrence"
	AbsoluteMonthly RecurrencePattern = "AbsoluteMonthlyRecurrence"
	RelativeMonthly RecurrencePattern = "RelativeMonthlyRecurrence"
	AbsoluteYearly  RecurrencePattern = "AbsoluteYearlyRecurrence"
	RelativeYearly  RecurrencePattern = "RelativeYearlyRecurrence"
)

// A Recurrence is a calendar item's repeat rule, as EWS describes it. Dates
// are civil dates in the item's time zone; only their year, month and day
// are used.
type Recurrence struct {
	Pattern RecurrencePattern
	// Interval is the step in days, weeks or months; yearly patterns ignore
	// it. Zero means 1.
	Interval int
	// DaysOfWeek lists the days of Weekly, and the single day of the
	// relative patterns. RelativeMonthly/Yearly also accept WeekdayAny,
	// WeekdayWork and WeekdayWeekend through DayKind.
	DaysOfWeek []time.Weekday
	// DayKind, when set on a relative pattern, replaces DaysOfWeek with
	// EWS's "Day", "Weekday" or "WeekendDay".
	DayKind string
	// FirstDayOfWeek anchors Weekly intervals (EWS default Sunday).
	FirstDayOfWeek time.Weekday
	// DayOfMonth is for the absolute patterns; a day past the month's end
	// falls on its last day, as Outlook does.
	DayOfMonth int
	// WeekIndex is 1..4 (First..Fourth) or 5 (Last) for relative patterns.
	WeekIndex int
	// Month is for the yearly patterns.
	Month time.Month

	// StartDate is the first day the pattern may produce; zero means the
	// item's start date.
	StartDate time.Time
	// EndDate (inclusive) ends the series, or Count does; neither means no end.
	EndDate time.Time
	Count   int
}

// maxOccurrences bounds expansion so a hostile rule cannot spin the server.
const maxOccurrences = 20000

var errBadRecurrence = errors.New("invalid recurrence")

// validate reports whether r can be expanded.
func (r *Recurrence) validate() error {
	if r.Interval < 0 || r.Interval > 999 || r.Count < 0 || r.Count > 999 {
		return errBadRecurrence
	}
	for _, d := range r.DaysOfWeek {
		if d < time.Sunday || d > time.Saturday {
			return errBadRecurrence
		}
	}
	switch r.DayKind {
	case "", "Day", "Weekday", "WeekendDay":
	default:
		return errBadRecurrence
	}
	switch r.Pattern {
	case Daily:
	case Weekly:
		if len(r.DaysOfWeek) == 0 {
			return errBadRecurrence
		}
	case AbsoluteMonthly:
		if r.DayOfMonth < 1 || r.DayOfMonth > 31 {
			return errBadRecurrence
		}
	case AbsoluteYearly:
		if r.DayOfMonth < 1 || r.DayOfMonth > 31 || r.Month < 1 || r.Month > 12 {
			return errBadRecurrence
		}
	case RelativeMonthly, RelativeYearly:
		if r.WeekIndex < 1 || r.WeekIndex > 5 || (len(r.DaysOfWeek) == 0 && r.DayKind == "") {
			return errBadRecurrence
		}
		if r.Pattern == RelativeYearly && (r.Month < 1 || r.Month > 12) {
			return errBadRecurrence
		}
	default:
		return errBadRecurrence
	}
	if !r.EndDate.IsZero() && !r.StartDate.IsZero() && civil(r.EndDate).Before(civil(r.StartDate)) {
		return errBadRecurrence
	}
	return nil
}

func (r *Recurrence) interval() int {
	if r.Interval <= 0 {
		return 1
	}
	return r.Interval
}

// civil drops everything but the calendar date, as a UTC midnight.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// expand calls fn for every occurrence of a series whose first occurrence
// starts at first (its wall clock time in loc is kept for every occurrence,
// across daylight-saving changes), in order, with its 1-based index and
// start, until fn returns false, the range ends, or an occurrence would
// start at or after until.
func (r *Recurrence) expand(first time.Time, loc *time.Location, until time.Time, fn func(index int, start time.Time) bool) {
	wall := first.In(loc)
	hh, mm, ss := wall.Clock()
	startDate := civil(wall)
	if !r.StartDate.IsZero() {
		startDate = civil(r.StartDate)
	}
	endDate := time.Time{}
	if !r.EndDate.IsZero() {
		endDate = civil(r.EndDate)
	}
	n := 0
	emit := func(d time.Time) bool {
		if d.Before(startDate) {
			return true
		}
		if !endDate.IsZero() && d.After(endDate) {
			return false
		}
		if r.Count > 0 && n >= r.Count {
			return false
		}
		// time.Date normalises a wall time that does not exist (the hour
		// skipped in spring) forward by the gap, as Exchange shows it.
		s := time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, 0, loc)
		if !s.Before(until) || n >= maxOccurrences {
			return false
		}
		n++
		return fn(n, s.UTC())
	}
	step := r.interval()
	switch r.Pattern {
	case Daily:
		for d := startDate; ; d = d.AddDate(0, 0, step) {
			if !emit(d) {
				return
			}
		}
	case Weekly:
		weekStart := startDate.AddDate(0, 0, -((int(startDate.Weekday()) - int(r.FirstDayOfWeek) + 7) % 7))
		for w := weekStart; ; w = w.AddDate(0, 0, 7*step) {
			for i := 0; i < 7; i++ {
				d := w.AddDate(0, 0, i)
				if !hasDay(r.DaysOfWeek, d.Weekday()) {
					continue
				}
				if !emit(d) {
					return
				}
			}
		}
	case AbsoluteMonthly, RelativeMonthly:
		for m := 0; ; m += step {
			ms := time.Date(startDate.Year(), startDate.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			d := r.dayIn(ms.Year(), ms.Month())
			if !emit(d) {
				return
			}
		}
	case AbsoluteYearly, RelativeYearly:
		for y := startDate.Year(); ; y++ {
			if !emit(r.dayIn(y, r.Month)) {
				return
			}
		}
	}
}

// dayIn returns the day the monthly or yearly pattern picks in a month.
func (r *Recurrence) dayIn(y int, m time.Month) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if r.Pattern == AbsoluteMonthly || r.Pattern == AbsoluteYearly {
		return time.Date(y, m, min(r.DayOfMonth, last), 0, 0, 0, 0, time.UTC)
	}
	var matches []int
	for d := 1; d <= last; d++ {
		if r.matchesRelative(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) {
			matches = append(matches, d)
		}
	}
	i := r.WeekIndex - 1
	if r.WeekIndex == 5 || i >= len(matches) {
		i = len(matches) - 1
	}
	return time.Date(y, m, matches[i], 0, 0, 0, 0, time.UTC)
}

func (r *Recurrence) matchesRelative(wd time.Weekday) bool {
	switch r.DayKind {
	case "Day":
		return true
	case "Weekday":
		return wd != time.Saturday && wd != time.Sunday
	case "WeekendDay":
		return wd == time.Saturday || wd == time.Sunday
	}
	return hasDay(r.DaysOfWeek, wd)
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// firstStart returns the start of the first occurrence at or after the
// series' nominal start, or false when the rule produces none.
func (r *Recurrence) firstStart(start time.Time, loc *time.Location) (time.Time, bool) {
	var got time.Time
	ok := false
	r.expand(start, loc, start.AddDate(50, 0, 0), func(_ int, s time.Time) bool {
		got, ok = s, true
		return false
	})
	return got, ok
}

// lastStart returns the start of the last occurrence of a bounded series.
func (r *Recurrence) lastStart(first time.Time, loc *time.Location) (time.Time, int, bool) {
	if r.Count == 0 && r.EndDate.IsZero() {
		return time.Time{}, 0, false
	}
	var last time.Time
	n := 0
	r.expand(first, loc, first.AddDate(100, 0, 0), func(i int, s time.Time) bool {
		last, n = s, i
		return true
	})
	return last, n, n > 0
}

var weekdayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func parseWeekday(s string) (time.Weekday, bool) {
	for i, n := range weekdayNames {
		if n == s {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

var weekIndexNames = [...]string{"", "First", "Second", "Third", "Fourth", "Last"}

func parseWeekIndex(s string) int {
	for i, n := range weekIndexNames {
		if i > 0 && n == s {
			return i
		}
	}
	return 0
}

func parseMonth(s string) time.Month {
	for m := time.January; m <= time.December; m++ {
		if m.String() == s {
			return m
		}
	}
	return 0
}
