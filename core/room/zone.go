package room

import (
	"fmt"
	"sync"
	"time"

	// Kiosks run on Windows PCs without a zoneinfo database; embedding it
	// (about 450 kB) makes IANA names resolve the same everywhere and with
	// CGO_ENABLED=0.
	_ "time/tzdata"
)

// ZoneError reports a room time zone that is not a known IANA name, for
// example a Windows name ("W. Europe Standard Time") that the source did
// not translate, or a misspelling ("Europe/Zürich").
type ZoneError struct {
	RoomID string
	Zone   string
	Err    error
}

// Error names the room and the zone it could not load.
func (e *ZoneError) Error() string {
	return fmt.Sprintf("room %s: unknown time zone %q (want an IANA name such as Europe/Zurich)", e.RoomID, e.Zone)
}

// Unwrap returns time.LoadLocation's error.
func (e *ZoneError) Unwrap() error { return e.Err }

// zones caches loaded locations: time.LoadLocation parses the zone file on
// every call, and StatusAt runs for every room on every tick. The cache only
// ever grows by distinct zone names, a few dozen in practice.
var zones sync.Map // string -> *time.Location

// Location returns the room's time zone. An empty TimeZone is UTC; an
// unknown name gives a *ZoneError.
func (r Room) Location() (*time.Location, error) {
	if r.TimeZone == "" {
		return time.UTC, nil
	}
	if l, ok := zones.Load(r.TimeZone); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, &ZoneError{RoomID: r.ID, Zone: r.TimeZone, Err: err}
	}
	zones.Store(r.TimeZone, l)
	return l, nil
}

// location is Location with the documented fallback to UTC, for the rules
// that must always give an answer; the admin console reports the
// *ZoneError from Location.
func (r Room) location() *time.Location {
	l, err := r.Location()
	if err != nil {
		return time.UTC
	}
	return l
}

// InZone returns b with Start and End expressed in loc. For all-day
// bookings it also moves both bounds to midnight in loc, so an all-day
// booking covers the room's local day, which is 23 or 25 hours long on a
// DST change.
//
// Sources disagree on how they hand over an all-day date: as midnight in
// the mailbox's zone (EWS), or as a floating date that ends up as midnight
// UTC. InZone accepts both: a bound that already is midnight in loc keeps
// its date; any other bound takes the calendar date it has in its own
// Location. The two readings only coincide in zones at UTC+0, where they
// give the same day anyway.
func InZone(b Booking, loc *time.Location) Booking {
	if loc == nil {
		loc = time.UTC
	}
	if !b.AllDay {
		b.Start, b.End = b.Start.In(loc), b.End.In(loc)
		return b
	}
	b.Start = localMidnight(b.Start, loc)
	end := localMidnight(b.End, loc)
	if !end.After(b.Start) {
		// A corrupt or zero-length all-day item still means "that day".
		end = b.Start.AddDate(0, 0, 1)
	}
	b.End = end
	return b
}

// localMidnight returns midnight in loc of the calendar date t stands for.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	in := t.In(loc)
	if in.Hour() == 0 && in.Minute() == 0 && in.Second() == 0 && in.Nanosecond() == 0 {
		return in
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
