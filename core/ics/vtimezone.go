package ics

import (
	"fmt"
	"time"

	"github.com/emersion/go-ical"
)

// vtimezone describes loc from the zone period in effect at lo up to the
// one in effect at hi, one STANDARD or DAYLIGHT observance per period with
// its onset as DTSTART and no RRULE. Explicit onsets taken from Go's zone
// data (embedded by core/room) are right for any year, including zones that
// changed their rules, where a guessed RRULE would not be.
func vtimezone(loc *time.Location, lo, hi time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	t := lo.In(loc)
	for {
		start, end := t.ZoneBounds()
		abbr, to := t.Zone()
		from := to
		onset := "19700101T000000"
		if !start.IsZero() {
			_, from = start.Add(-time.Nanosecond).Zone()
			// DTSTART of an observance is the local time just before the
			// transition (RFC 5545 3.6.5), so in the "from" offset.
			onset = start.UTC().Add(time.Duration(from) * time.Second).Format("20060102T150405")
		}
		kind := ical.CompTimezoneStandard
		if t.IsDST() {
			kind = ical.CompTimezoneDaylight
		}
		obs := ical.NewComponent(kind)
		dt := ical.NewProp(ical.PropDateTimeStart)
		dt.Value = onset
		obs.Props.Set(dt)
		obs.Props.Set(offsetProp(ical.PropTimezoneOffsetFrom, from))
		obs.Props.Set(offsetProp(ical.PropTimezoneOffsetTo, to))
		obs.Props.SetText(ical.PropTimezoneName, abbr)
		tz.Children = append(tz.Children, obs)
		// A DTEND exactly at the next transition is already in the next
		// period, so that one is needed too.
		if end.IsZero() || end.After(hi) {
			return tz
		}
		t = end
	}
}

// offsetProp formats a UTC offset in seconds as RFC 5545 utc-offset.
func offsetProp(name string, sec int) *ical.Prop {
	p := ical.NewProp(name)
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	p.Value = fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if s := sec % 60; s != 0 {
		p.Value += fmt.Sprintf("%02d", s)
	}
	return p
}
