package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// The text board is the terminal stand-in for the room panels until the UI
// arrives: one line per room with its status at an instant, computed by
// core/room exactly as a panel will, and the current meeting masked by the
// room's policy. It is a pure function so that layout, zones and masking
// are table-tested without a cache or a clock.

// boardSubjectWidth caps the meeting column, in terminal columns, so that
// one long subject does not push every line past the screen's width.
const boardSubjectWidth = 40

// renderBoard lays out rooms (sorted by name) with their status at now.
// bookings maps a room ID to its bookings around now; rooms without an
// entry are free. Times are shown in each room's zone, named by its
// abbreviation, because a board may list rooms in several zones.
func renderBoard(rooms []room.Room, bookings map[string][]room.Booking, now time.Time) string {
	rs := slices.Clone(rooms)
	slices.SortStableFunc(rs, func(a, b room.Room) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var t table
	t.add("ROOM", "STATUS", "UNTIL", "MEETING")
	busy := 0
	for _, r := range rs {
		st := room.StatusAt(r, bookings[r.ID], now)
		if st.Current != nil {
			busy++
		}
		t.add(r.Name, statusWord(st.Status), untilText(st, now), meetingText(st, r.Policy))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Rooms at %s: %d of %d busy\n\n", now.Format("Mon 2 Jan 15:04 MST"), busy, len(rs))
	t.write(&b, "")
	return b.String()
}

// statusWord is the status as a panel's banner shows it.
func statusWord(s room.Status) string {
	switch s {
	case room.Free:
		return "FREE"
	case room.Busy:
		return "BUSY"
	case room.StartingSoon:
		return "STARTING SOON"
	case room.EndingSoon:
		return "ENDING SOON"
	case room.AwaitingCheckIn:
		return "CHECK IN"
	case room.CheckedIn:
		return "CHECKED IN"
	case room.Released:
		return "RELEASED"
	}
	return strings.ToUpper(s.String())
}

// untilText says how long the state lasts, in the room's zone: "free until
// 14:30 CET", with the day when it is not today in that zone.
func untilText(st room.State, now time.Time) string {
	switch {
	case !st.BusyUntil.IsZero():
		return "busy until " + clockIn(st.BusyUntil, now, st.Location)
	case !st.FreeUntil.IsZero():
		return "free until " + clockIn(st.FreeUntil, now, st.Location)
	}
	return "free, nothing booked later"
}

func clockIn(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

// meetingText is the current meeting (or, when the room is about to be
// taken, the next one) after the room's privacy policy has been applied.
func meetingText(st room.State, p room.Policy) string {
	b, prefix := st.Current, ""
	if b == nil && st.Status == room.StartingSoon {
		b, prefix = st.Next, "next: "
	}
	if b == nil {
		return ""
	}
	m := room.Mask(*b, p)
	text := strings.TrimSpace(m.Subject)
	switch {
	case text == "" && m.Private:
		text = "Private"
	case text == "" && m.Masked:
		text = "Booked"
	case text == "":
		text = "(no subject)"
	}
	if name := strings.TrimSpace(m.Organizer.Name); name != "" && !strings.EqualFold(name, text) {
		text += " (" + name + ")"
	}
	return prefix + truncateWidth(text, boardSubjectWidth)
}

// truncateWidth shortens s to at most w terminal columns, marking the cut
// with an ellipsis; wide (CJK) characters count two.
func truncateWidth(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := displayWidth(string(r))
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}
