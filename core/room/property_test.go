package room

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Generated cases centre on the 2026 Zurich autumn change (01:00 UTC), so
// DST edges come up often; the table tests cover the spring change.
var (
	genBase  = time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)
	genZones = []string{"Europe/Zurich", "Asia/Taipei", "Asia/Shanghai", "America/Santiago", "", "Not/AZone"}
)

// decode turns fuzz bytes into a room, bookings, an instant and a minimum
// slot length. Every byte string decodes to something.
func decode(data []byte) (Room, []Booking, time.Time, time.Duration) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		v := int(data[0])
		data = data[1:]
		return v
	}
	// offset spans about ±32 hours around genBase at minute resolution.
	offset := func() time.Duration {
		return time.Duration(int(int8(next()))*15+next()%15) * time.Minute
	}
	r := Room{ID: "r", TimeZone: genZones[next()%len(genZones)]}
	flags := next()
	r.Policy.CheckIn = CheckInPolicy{Enabled: flags&1 != 0, ExemptAllDay: flags&2 != 0,
		ReleaseAfter: time.Duration(next()-64) * time.Minute, ExemptLongerThan: time.Duration(next()) * 10 * time.Minute}
	now := genBase.Add(offset())
	minLen := time.Duration(next()) * time.Minute
	var bs []Booking
	for len(data) > 0 && len(bs) < 64 {
		s := genBase.Add(offset())
		b := Booking{ID: string(rune('a' + len(bs)%26)), Start: s, End: s.Add(time.Duration(next()*5-20) * time.Minute)}
		f := next()
		b.Cancelled = f&1 != 0
		b.AllDay = f&2 != 0
		if f&4 != 0 {
			b.ReleasedAt = s.Add(time.Duration(next()-32) * time.Minute)
		}
		if f&8 != 0 {
			b.CheckedInAt = s.Add(time.Duration(next()-32) * time.Minute)
		}
		bs = append(bs, b)
	}
	return r, bs, now, minLen
}

// checkProperties asserts the documented invariants of StatusAt and
// FreeSlots for one case.
func checkProperties(t *testing.T, r Room, bs []Booking, now time.Time, minLen time.Duration) {
	t.Helper()
	st := StatusAt(r, bs, now)
	loc := r.location()
	norm := make([]Booking, len(bs))
	for i, b := range bs {
		norm[i] = InZone(b, loc)
	}
	busyStatus := st.Status == Busy || st.Status == EndingSoon || st.Status == AwaitingCheckIn || st.Status == CheckedIn
	if busyStatus != (st.Current != nil) {
		t.Fatalf("status %v with Current %v", st.Status, st.Current)
	}
	if st.Next != nil && !st.Next.Start.After(now) {
		t.Fatalf("Next starts %v, not after now %v", st.Next.Start, now)
	}
	if st.Current != nil {
		s, e, ok := occupied(*st.Current)
		if !ok || s.After(now) || !e.After(now) {
			t.Fatalf("Current %v does not occupy now %v", st.Current, now)
		}
		if !st.BusyUntil.After(now) || !st.FreeUntil.IsZero() {
			t.Fatalf("busy: BusyUntil %v FreeUntil %v at %v", st.BusyUntil, st.FreeUntil, now)
		}
		if gaps := FreeSlots(norm, now, st.BusyUntil, 0); len(gaps) != 0 {
			t.Fatalf("free slot %v inside the busy block ending %v", gaps, st.BusyUntil)
		}
		if after := StatusAt(r, bs, st.BusyUntil); after.Current != nil {
			t.Fatalf("room still busy at BusyUntil %v with %v", st.BusyUntil, after.Current)
		}
	} else {
		if !st.BusyUntil.IsZero() {
			t.Fatalf("free with BusyUntil %v", st.BusyUntil)
		}
		want := time.Time{}
		if st.Next != nil {
			want = st.Next.Start
		}
		if !st.FreeUntil.Equal(want) {
			t.Fatalf("FreeUntil %v, want Next.Start %v", st.FreeUntil, want)
		}
		end := st.FreeUntil
		if end.IsZero() {
			end = now.Add(time.Hour)
		}
		gaps := FreeSlots(norm, now, end, 0)
		if len(gaps) != 1 || !gaps[0].Start.Equal(now) || !gaps[0].End.Equal(end) {
			t.Fatalf("free until %v but FreeSlots from now = %v", st.FreeUntil, gaps)
		}
		if st.Status == StartingSoon && st.Next.Start.Sub(now) > SoonWindow {
			t.Fatalf("StartingSoon with Next at %v", st.Next.Start)
		}
	}

	from, to := now.Add(-36*time.Hour), now.Add(36*time.Hour)
	slots := FreeSlots(norm, from, to, minLen)
	for i, s := range slots {
		if !s.End.After(s.Start) || s.Duration() < minLen || s.Start.Before(from) || s.End.After(to) {
			t.Fatalf("bad slot %v (min %v, range %v–%v)", s, minLen, from, to)
		}
		if i > 0 && s.Start.Before(slots[i-1].End) {
			t.Fatalf("slots overlap or are unsorted: %v then %v", slots[i-1], s)
		}
		for _, b := range norm {
			if bs, be, ok := occupied(b); ok && bs.Before(s.End) && s.Start.Before(be) {
				t.Fatalf("slot %v overlaps booking %v–%v", s, bs, be)
			}
		}
	}
	// With no minimum, free and busy time add up to the whole range.
	var free time.Duration
	for _, s := range FreeSlots(norm, from, to, 0) {
		free += s.Duration()
	}
	if free+busyTime(norm, from, to) != to.Sub(from) {
		t.Fatalf("free %v + busy %v != %v", free, busyTime(norm, from, to), to.Sub(from))
	}
}

// busyTime is the length of the union of occupied intervals within
// [from, to), computed independently of FreeSlots.
func busyTime(bs []Booking, from, to time.Time) time.Duration {
	type span struct{ s, e time.Time }
	var sp []span
	for _, b := range bs {
		s, e, ok := occupied(b)
		if !ok {
			continue
		}
		s, e = later(s, from), earlier(e, to)
		if e.After(s) {
			sp = append(sp, span{s, e})
		}
	}
	slices.SortFunc(sp, func(a, b span) int { return a.s.Compare(b.s) })
	var total time.Duration
	var cur span
	for i, x := range sp {
		if i == 0 || x.s.After(cur.e) {
			total += cur.e.Sub(cur.s)
			cur = x
			continue
		}
		cur.e = later(cur.e, x.e)
	}
	return total + cur.e.Sub(cur.s)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func FuzzStatusAt(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 64, 0, 128, 0, 0, 128, 0, 16, 60, 0})
	f.Add([]byte{1, 3, 70, 30, 127, 255, 15, 127, 250, 16, 100, 2, 127, 255, 16, 4, 5, 30})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, bs, now, minLen := decode(data)
		checkProperties(t, r, bs, now, minLen)
	})
}

// TestProperties runs the fuzz checks over a fixed set of random cases on
// every `go test`.
func TestProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 2026))
	for range 3000 {
		data := make([]byte, 6+rng.IntN(60))
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		r, bs, now, minLen := decode(data)
		checkProperties(t, r, bs, now, minLen)
		if t.Failed() {
			t.Logf("data: %x", data)
			return
		}
	}
}
