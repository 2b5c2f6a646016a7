package room

import "time"

// before and after return the check-in window bounds with defaults applied.
func (c CheckInPolicy) before() time.Duration {
	if c.Before <= 0 {
		return DefaultCheckInBefore
	}
	return c.Before
}

func (c CheckInPolicy) after() time.Duration {
	if c.After <= 0 {
		return DefaultCheckInAfter
	}
	return c.After
}

// Exempt reports whether b needs no check-in under c: all-day bookings when
// ExemptAllDay is set, and bookings longer than ExemptLongerThan. Such
// bookings are never released.
func (c CheckInPolicy) Exempt(b Booking) bool {
	if c.ExemptAllDay && b.AllDay {
		return true
	}
	return c.ExemptLongerThan > 0 && b.End.Sub(b.Start) > c.ExemptLongerThan
}

// applies reports whether check-in is asked of b at all: the policy is on,
// b is not exempt, and b still occupies its slot (not cancelled or
// released, and not empty or inverted).
func (c CheckInPolicy) applies(b Booking) bool {
	return c.Enabled && !b.Cancelled && b.ReleasedAt.IsZero() && b.End.After(b.Start) && !c.Exempt(b)
}

// CheckInWindow returns when check-in at the room opens and closes for b:
// Before ahead of its start until After past it (10 minutes each by
// default), never past its end. ok is false when check-in does not apply:
// the policy is off, b is exempt, cancelled or released.
//
// All-day bookings are taken as stored: pass them through InZone first.
func CheckInWindow(b Booking, p Policy) (open, close time.Time, ok bool) {
	c := p.CheckIn
	if !c.applies(b) {
		return time.Time{}, time.Time{}, false
	}
	open, close = b.Start.Add(-c.before()), b.Start.Add(c.after())
	if close.After(b.End) {
		close = b.End
	}
	return open, close, true
}

// CanCheckIn reports whether someone at the room may check in to b at now:
// the window is open (open <= now < close) and nobody has checked in yet.
func CanCheckIn(b Booking, p Policy, now time.Time) bool {
	open, close, ok := CheckInWindow(b, p)
	return ok && b.CheckedInAt.IsZero() && !now.Before(open) && now.Before(close)
}

// ReleaseAt returns when b is released if nobody checks in: ReleaseAfter
// past its start, but never while the check-in window is still open, so a
// zero ReleaseAfter means "when the window closes". A negative
// ReleaseAfter turns auto-release off (check-in is then informational).
// ok is false when b is never released.
func ReleaseAt(b Booking, p Policy) (time.Time, bool) {
	_, close, ok := CheckInWindow(b, p)
	if !ok || p.CheckIn.ReleaseAfter < 0 {
		return time.Time{}, false
	}
	at := b.Start.Add(p.CheckIn.ReleaseAfter)
	if at.Before(close) {
		at = close
	}
	if !at.Before(b.End) {
		// A booking shorter than the window ends before anyone could
		// release it; releasing at its end would only add noise.
		return time.Time{}, false
	}
	return at, true
}

// ShouldRelease reports whether the hub should release b at now: check-in
// applies, nobody checked in, the release time has come and b has not ended
// yet (a hub that was down does not cancel meetings after the fact). The hub then
// sets ReleasedAt (the booking stays in history but no longer occupies the
// room) and cancels or declines it in Exchange.
func ShouldRelease(b Booking, p Policy, now time.Time) bool {
	at, ok := ReleaseAt(b, p)
	return ok && b.CheckedInAt.IsZero() && !now.Before(at) && now.Before(b.End)
}
