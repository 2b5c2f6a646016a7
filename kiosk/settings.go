package kiosk

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
)

// Variant is a display theme.
type Variant int

const (
	// Dark is the default: dark panels, status in saturated colour.
	Dark Variant = iota
	// Light uses light panels.
	Light
	// HighContrast uses black, white and deep status colours; every text
	// colour pair meets WCAG AA (4.5:1).
	HighContrast
)

// OffHoursMode says what the screen does outside office hours.
type OffHoursMode int

const (
	// OffHoursDim darkens the screen but keeps it readable.
	OffHoursDim OffHoursMode = iota
	// OffHoursBlank blacks the screen out except for a small clock.
	OffHoursBlank
	// OffHoursOn keeps the screen as in office hours.
	OffHoursOn
)

// OfficeHours are the room's working hours in its own time zone.
type OfficeHours struct {
	// Start and End are offsets from local midnight, e.g. 8h and 18h.
	Start, End time.Duration
	// Days are the working days; empty means Monday to Friday.
	Days []time.Weekday
	// Outside is what the screen does outside the hours.
	Outside OffHoursMode
}

// DefaultOfficeHours are 08:00–18:00, Monday to Friday, dimmed outside.
var DefaultOfficeHours = OfficeHours{Start: 8 * time.Hour, End: 18 * time.Hour}

// Contains reports whether the local time t is inside the office hours.
func (o OfficeHours) Contains(t time.Time) bool {
	days := o.Days
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	working := false
	for _, d := range days {
		working = working || d == t.Weekday()
	}
	if !working {
		return false
	}
	since := t.Sub(midnight(t))
	return since >= o.Start && since < o.End
}

// window returns the office hours of t's local day as instants, falling
// back to 08:00–18:00 when the hours are unset or inverted.
func (o OfficeHours) window(t time.Time) (from, to time.Time) {
	start, end := o.Start, o.End
	if end <= start {
		start, end = DefaultOfficeHours.Start, DefaultOfficeHours.End
	}
	m := midnight(t)
	return addClock(m, start), addClock(m, end)
}

// midnight returns the start of t's calendar day in t's location.
func midnight(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
}

// addClock adds a wall-clock offset to a local midnight, so that "08:00"
// stays 08:00 on a DST day.
func addClock(m time.Time, d time.Duration) time.Time {
	h, min := int(d/time.Hour), int(d%time.Hour/time.Minute)
	return time.Date(m.Year(), m.Month(), m.Day(), h, min, 0, 0, m.Location())
}

// Settings are the display settings of a kiosk. The zero value is a dark
// English display with default office hours and no logo.
type Settings struct {
	// Language is "en", "zh-TW", "zh-CN" or "de" (see kiosk/i18n).
	Language string
	Theme    Variant
	// Accent colours buttons and highlights; nil means Roomboard blue.
	Accent color.Color
	// Logo is the operator's logo, shown in the header; nil for none.
	Logo fyne.Resource
	// OfficeHours dim or blank the screen outside them; a zero value means
	// DefaultOfficeHours.
	OfficeHours OfficeHours
	// Fonts render CJK text; see LocateCJKFonts. Empty means Fyne's
	// bundled font, which has no CJK glyphs.
	Fonts Fonts
	// Building and Floor are where a floor player stands, for the nearest
	// free room suggestion.
	Building, Floor string
	// PageInterval is how long the floor player shows a page before it
	// advances; zero means 20 seconds.
	PageInterval time.Duration

	// AdminPINHash is the hash of the administrator PIN, as HashPIN writes
	// it ("pbkdf2-sha256$ITERATIONS$SALT$KEY"). Holding the header for
	// HoldDuration asks for the PIN; the right one opens a panel with the
	// theme, the language, "pair again" and "exit". Five wrong PINs lock
	// the pad for 30 seconds. Empty disables admin access: the long press
	// then only says that no PIN is set.
	AdminPINHash string
	// OnExit is called on the UI goroutine when an administrator chooses
	// "exit"; nil hides the button.
	OnExit func()
	// OnRepair is called on the UI goroutine when an administrator chooses
	// "pair again"; nil hides the button.
	OnRepair func()
	// OnChange is called on the UI goroutine with the new settings after an
	// administrator changed the theme or language, so that the caller can
	// keep them; nil ignores changes beyond the running player.
	OnChange func(Settings)
	// Trace, when set, is called on the UI goroutine with what a player
	// shows after every State it renders and every settings change (not on
	// clock ticks): tests and the Xvfb screenshot run check the screen with
	// it. See TraceFrame.
	Trace func(TraceFrame)
}

func (s Settings) officeHours() OfficeHours {
	if s.OfficeHours.End <= s.OfficeHours.Start {
		o := DefaultOfficeHours
		o.Days, o.Outside = s.OfficeHours.Days, s.OfficeHours.Outside
		return o
	}
	return s.OfficeHours
}

func (s Settings) pageInterval() time.Duration {
	if s.PageInterval <= 0 {
		return 20 * time.Second
	}
	return s.PageInterval
}
