package ewssource_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// freeEvening returns a slot days ahead, late in the evening (after all
// generated meetings), that room has free for n weekly occurrences.
func freeEvening(t *testing.T, r *rig, roomID string, days, n int) time.Time {
	t.Helper()
	start := r.sim.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, days).Add(21 * time.Hour)
	for i := range n {
		s := start.AddDate(0, 0, 7*i)
		if busy := r.sim.Truth(roomID, s.Add(-time.Hour), s.Add(2*time.Hour)); len(busy) != 0 {
			t.Fatalf("test slot %v not free: %+v", s, busy)
		}
	}
	return start
}

// roomResponse is room's response as the organizer's items over
// [start, end) show it, per item.
func roomResponse(sim *ewstest.Server, organizer, roomID string, start, end time.Time) []string {
	var out []string
	for _, o := range sim.Truth(organizer, start, end) {
		for _, a := range o.Attendees {
			if a.Address == roomID {
				out = append(out, a.Response)
			}
		}
	}
	return out
}

// TestReleaseOthersMeeting releases meetings booked from Outlook by people
// (not the booking delegate): the room declines them.
func TestReleaseOthersMeeting(t *testing.T) {
	tests := []struct {
		name      string
		opts      ewssource.Options
		organizer string
		subject   string
	}{
		{"impersonation, Chinese organizer", ewssource.Options{Impersonation: true, Delegate: "svc-roomboard@contoso.com"}, "wang.xiaoming@contoso.com", "季度規劃 / 季度规划"},
		{"delegate access, German organizer", ewssource.Options{}, "juergen.mueller@contoso.com", "Übergabe Größenänderung"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, ewstest.Options{Seed: 31 + int64(i), Rooms: 3}, tc.opts, syncer.Options{})
			roomID := r.sim.Rooms()[1].Address
			start := freeEvening(t, r, roomID, 12, 1)
			orgID, err := r.sim.AddBooking(roomID, ewstest.Booking{Organizer: tc.organizer, Subject: tc.subject, Start: start, End: start.Add(time.Hour),
				Attendees: []string{"admin@contoso.com"}})
			if err != nil {
				t.Fatal(err)
			}
			r.start(t)
			converge(t, r)
			cached := cachedBooking(t, r, roomID, start)
			if cached.Organizer.Email != tc.organizer {
				t.Fatalf("cached organizer %q, want %q", cached.Organizer.Email, tc.organizer)
			}

			if err := r.syncer.Release(context.Background(), "kiosk-3", cached.ID); err != nil {
				t.Fatalf("Release: %v", err)
			}
			if got := r.sim.Truth(roomID, start, start.Add(time.Hour)); len(got) != 0 {
				t.Errorf("room calendar still has it: %+v", got)
			}
			if diff := cmp.Diff([]string{"Decline"}, roomResponse(r.sim, tc.organizer, roomID, start, start.Add(time.Hour))); diff != "" {
				t.Errorf("organizer's item, room response (-want +got):\n%s", diff)
			}
			rs := r.sim.Responses(tc.organizer)
			if len(rs) != 1 || rs[0].From != roomID || rs[0].Kind != "Decline" || rs[0].ItemID != orgID || !strings.Contains(rs[0].Body, "nobody checked in") {
				t.Errorf("organizer's responses: %+v", rs)
			}
			// The next sync drops it from the cache: nothing left in the slot.
			converge(t, r)
			if got := storeRows(t, r.db, roomID, r.sim.Now()); len(got) != len(truthRows(r.sim, roomID)) {
				t.Errorf("store and simulator differ after release")
			}
			bs, err := r.db.BookingsBetween(context.Background(), roomID, start, start.Add(time.Hour))
			if err != nil || len(bs) != 0 {
				t.Errorf("cache after release: %+v, %v", bs, err)
			}
		})
	}
}

func TestReleaseOneOccurrence(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 33, Rooms: 3}, ewssource.Options{Impersonation: true}, syncer.Options{})
	roomID := r.sim.Rooms()[2].Address
	const organizer = "chen.jing@contoso.com"
	start := freeEvening(t, r, roomID, 9, 4)
	if _, err := r.sim.AddBooking(roomID, ewstest.Booking{Organizer: organizer, Subject: "週會 Wochenrunde", Start: start, End: start.Add(time.Hour), TimeZone: time.UTC,
		Recurrence: &ewstest.Recurrence{Pattern: ewstest.Weekly, Interval: 1, DaysOfWeek: []time.Weekday{start.Weekday()}, Count: 4}}); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	converge(t, r)
	second := start.AddDate(0, 0, 7)
	cached := cachedBooking(t, r, roomID, second)
	if err := r.syncer.Release(context.Background(), "kiosk-3", cached.ID); err != nil {
		t.Fatalf("Release: %v", err)
	}
	seriesStarts := func() []time.Time {
		var out []time.Time
		for _, o := range r.sim.Truth(roomID, start, start.AddDate(0, 1, 0)) {
			if o.Organizer == organizer {
				out = append(out, o.Start)
			}
		}
		return out
	}
	want := []time.Time{start, start.AddDate(0, 0, 14), start.AddDate(0, 0, 21)}
	if diff := cmp.Diff(want, seriesStarts()); diff != "" {
		t.Errorf("room's series after releasing one occurrence (-want +got):\n%s", diff)
	}
	rs := r.sim.Responses(organizer)
	if len(rs) != 1 || !rs[0].OccurrenceStart.Equal(second) {
		t.Errorf("organizer's responses: %+v", rs)
	}
	converge(t, r)
	for _, s := range want {
		cachedBooking(t, r, roomID, s) // the other occurrences stay cached
	}
	if bs, err := r.db.BookingsBetween(context.Background(), roomID, second, second.Add(time.Minute)); err != nil || len(bs) != 0 {
		t.Errorf("released occurrence still cached: %+v, %v", bs, err)
	}
}

// TestEndAndExtendOthersMeeting: ending someone else's meeting early
// declines it as the room (free at once, organizer told); extending it is
// refused with ErrNotOrganizer and changes nothing.
func TestEndAndExtendOthersMeeting(t *testing.T) {
	r := newRig(t, ewstest.Options{Seed: 34, Rooms: 3}, ewssource.Options{Impersonation: true, Delegate: "svc-roomboard@contoso.com"}, syncer.Options{})
	roomID := r.sim.Rooms()[0].Address
	const organizer = "lena.fuss@contoso.com"
	start := freeEvening(t, r, roomID, 15, 1)
	if _, err := r.sim.AddBooking(roomID, ewstest.Booking{Organizer: organizer, Subject: "Straßenfest Planung", Start: start, End: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	converge(t, r)
	ctx := context.Background()
	cached := cachedBooking(t, r, roomID, start)

	err := r.syncer.Extend(ctx, "kiosk-4", cached.ID, start.Add(90*time.Minute))
	if !errors.Is(err, syncer.ErrNotOrganizer) || !strings.Contains(err.Error(), "book the following slot") {
		t.Fatalf("Extend of someone else's meeting: %v, want ErrNotOrganizer", err)
	}
	if got := r.sim.Truth(roomID, start, start.Add(2*time.Hour)); len(got) != 1 || !got[0].End.Equal(start.Add(time.Hour)) {
		t.Fatalf("refused extend changed the room: %+v", got)
	}

	if err := r.syncer.End(ctx, "kiosk-4", cached.ID, start.Add(20*time.Minute)); err != nil {
		t.Fatalf("End: %v", err)
	}
	if got := r.sim.Truth(roomID, start, start.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("room not free after end: %+v", got)
	}
	org := r.sim.Truth(organizer, start, start.Add(2*time.Hour))
	if len(org) != 1 || !org[0].End.Equal(start.Add(time.Hour)) {
		t.Errorf("organizer's meeting must stay as it was: %+v", org)
	}
	if diff := cmp.Diff([]string{"Decline"}, roomResponse(r.sim, organizer, roomID, start, start.Add(time.Hour))); diff != "" {
		t.Errorf("room response (-want +got):\n%s", diff)
	}
	if rs := r.sim.Responses(organizer); len(rs) != 1 || !strings.Contains(rs[0].Body, "Ended early") {
		t.Errorf("organizer's responses: %+v", rs)
	}
	converge(t, r)
}

// TestDelegateReleaseStillCancels: the delegate's own booking is still
// cancelled by the delegate, not declined by the room.
func TestDelegateReleaseStillCancels(t *testing.T) {
	const delegate = "svc-roomboard@contoso.com"
	r := newRig(t, ewstest.Options{Seed: 35, Rooms: 3}, ewssource.Options{Impersonation: true, Delegate: delegate}, syncer.Options{})
	roomID := r.sim.Rooms()[1].Address
	start := freeEvening(t, r, roomID, 20, 1)
	r.start(t)
	converge(t, r)
	ctx := context.Background()
	if _, err := r.syncer.Book(ctx, "kiosk-5", syncer.BookRequest{RoomID: roomID, Subject: "Spontan 臨時", Start: start, End: start.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	converge(t, r)
	cached := cachedBooking(t, r, roomID, start)
	if err := r.syncer.Release(ctx, "kiosk-5", cached.ID); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := r.sim.Truth(delegate, start, start.Add(time.Hour)); len(got) != 0 {
		t.Errorf("delegate's meeting not cancelled: %+v", got)
	}
	if got := r.sim.Truth(roomID, start, start.Add(time.Hour)); len(got) != 0 {
		t.Errorf("room still booked: %+v", got)
	}
	if rs := r.sim.Responses(delegate); len(rs) != 0 {
		t.Errorf("the room declined the delegate's own meeting: %+v", rs)
	}
	converge(t, r)
}
