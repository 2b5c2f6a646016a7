package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/room"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
func isInvalid(err error) bool  { return errors.Is(err, ErrInvalid) }

const saal = "grosser-saal@contoso.com"

func testBooking(t testing.TB, sourceID, subject string, start time.Time, d time.Duration) room.Booking {
	return room.Booking{
		ID: "id-" + sourceID, RoomID: saal, SourceID: sourceID, ChangeKey: "CK1-" + sourceID,
		ICalUID: "040000008200E00074C5B7101A82E008-" + sourceID, Subject: subject,
		Organizer: room.Mailbox{Name: "Jürgen Groß", Email: "juergen.gross@contoso.com"},
		Attendees: []room.Attendee{
			{Name: "王小明", Email: "wang.xiaoming@contoso.com", Response: room.ResponseTentative},
			{Name: "Zoë Müller", Email: "zoe.mueller@contoso.com", Response: room.ResponseDeclined},
		},
		Start: start, End: start.Add(d), Location: "Großer Saal", OnlineMeetingURL: "https://teams.example/l/meetup-join/abc",
		Updated: start.Add(-24 * time.Hour),
	}
}

func TestApplyBookingChanges(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	// Local times in, UTC out.
	a := testBooking(t, "AAMk-a", "Quartalsbericht Ü3", time.Date(2026, 3, 29, 1, 30, 0, 0, zurich), 2*time.Hour) // across the DST change
	a.Private, a.Recurring, a.SeriesID = true, true, "series-1"
	b := testBooking(t, "AAMk-b", "年度預算會議（简体：年度预算会议）", time.Date(2026, 3, 30, 9, 0, 0, 0, zurich), time.Hour)
	b.ID = "" // the store derives one
	c := testBooking(t, "AAMk-c", "Betriebsausflug", time.Date(2026, 3, 31, 0, 0, 0, 0, zurich), 24*time.Hour)
	c.AllDay, c.Attendees = true, nil

	st1 := SyncState{Integration: "onprem-zuerich", State: "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt/SvV", LastSuccess: mustTime(t, "2026-03-28T10:00:00Z")}
	err = db.ApplyBookingChanges(ctx, "Grosser-Saal@contoso.com", []Change{
		{Op: OpCreate, Booking: a}, {Op: OpCreate, Booking: b}, {Op: OpCreate, Booking: c},
	}, st1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.BookingsBetween(ctx, saal, mustTime(t, "2026-03-29T00:00:00Z"), mustTime(t, "2026-04-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	b.ID = BookingID(saal, b.SourceID)
	want := []room.Booking{a, b, c}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("bookings (-want +got):\n%s", diff)
	}
	for _, g := range got {
		if g.Start.Location() != time.UTC || g.End.Location() != time.UTC || g.Updated.Location() != time.UTC {
			t.Errorf("booking %s: times not in UTC: %v %v %v", g.SourceID, g.Start, g.End, g.Updated)
		}
	}
	if got[0].End.Sub(got[0].Start) != 2*time.Hour {
		t.Errorf("DST-crossing booking lasts %v", got[0].End.Sub(got[0].Start))
	}

	// A check-in recorded at the hub survives an update from Exchange,
	// which never carries one.
	checkIn := mustTime(t, "2026-03-29T00:32:00Z")
	if err := db.MarkCheckedIn(ctx, a.ID, checkIn); err != nil {
		t.Fatal(err)
	}
	a2 := a
	a2.Subject, a2.ChangeKey, a2.ID = "Quartalsbericht Ü3 (verschoben)", "CK2", "ignored-on-update"
	a2.Start = a.Start.Add(30 * time.Minute)
	c2 := c
	c2.Cancelled = true
	st2 := st1
	st2.State = "H4sIAAAAAAAEAO29B2-second"
	err = db.ApplyBookingChanges(ctx, "grosser-saal@contoso.com", []Change{
		{Op: OpUpdate, Booking: a2},
		{Op: OpDelete, Booking: room.Booking{SourceID: "AAMk-b"}}, // RoomID from the mailbox
		{Op: OpDelete, Booking: room.Booking{SourceID: "never-seen"}},
		{Op: OpCreate, Booking: c2}, // a create for a stored item updates it
	}, st2)
	if err != nil {
		t.Fatal(err)
	}
	got, err = db.BookingsBetween(ctx, saal, mustTime(t, "2026-03-29T00:00:00Z"), mustTime(t, "2026-04-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	a2.ID, a2.CheckedInAt = a.ID, checkIn
	if diff := cmp.Diff([]room.Booking{a2, c2}, got, equateEmpty); diff != "" {
		t.Errorf("bookings after update (-want +got):\n%s", diff)
	}
	st, err := db.SyncState(ctx, "grosser-saal@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	st2.Mailbox = "grosser-saal@contoso.com"
	if diff := cmp.Diff(st2, st); diff != "" {
		t.Errorf("sync state (-want +got):\n%s", diff)
	}
}

// TestApplyBookingChangesIsAtomic: one bad change rolls back the whole
// batch and its sync state.
func TestApplyBookingChangesIsAtomic(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	start := mustTime(t, "2026-03-02T09:00:00Z")
	if err := db.ApplyBookingChanges(ctx, saal, []Change{{Op: OpCreate, Booking: testBooking(t, "s1", "Erste", start, time.Hour)}},
		SyncState{State: "state-1"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		bad  Change
	}{
		{"unknown room", Change{Op: OpCreate, Booking: func() room.Booking {
			b := testBooking(t, "s3", "Wohin?", start, time.Hour)
			b.RoomID = "no-such-room@contoso.com"
			return b
		}()}},
		{"no source ID", Change{Op: OpCreate, Booking: testBooking(t, "", "Ohne ID", start, time.Hour)}},
		{"end before start", Change{Op: OpUpdate, Booking: testBooking(t, "s4", "Rückwärts", start, -time.Hour)}},
		{"unknown op", Change{Op: 0, Booking: testBooking(t, "s5", "Was?", start, time.Hour)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.ApplyBookingChanges(ctx, saal, []Change{
				{Op: OpCreate, Booking: testBooking(t, "s2", "Zweite", start.Add(time.Hour), time.Hour)},
				{Op: OpDelete, Booking: room.Booking{SourceID: "s1"}},
				tc.bad,
			}, SyncState{State: "state-2"})
			if err == nil {
				t.Fatal("bad batch accepted")
			}
			got, _ := db.BookingsBetween(ctx, saal, start.Add(-time.Hour), start.Add(24*time.Hour))
			if len(got) != 1 || got[0].SourceID != "s1" {
				t.Errorf("bookings after failed batch: %v", got)
			}
			if st, _ := db.SyncState(ctx, saal); st.State != "state-1" {
				t.Errorf("sync state after failed batch: %q", st.State)
			}
		})
	}
}

func TestBookingsBetweenOverlap(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	day := mustTime(t, "2026-03-02T00:00:00Z")
	var changes []Change
	for i, span := range [][2]int{{7, 8}, {8, 10}, {9, 11}, {11, 12}, {12, 13}, {6, 14}} {
		changes = append(changes, Change{Op: OpCreate, Booking: testBooking(t, fmt.Sprint("s", i), fmt.Sprint("Termin ", i),
			day.Add(time.Duration(span[0])*time.Hour), time.Duration(span[1]-span[0])*time.Hour)})
	}
	if err := db.ApplyBookingChanges(ctx, saal, changes, SyncState{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to int // hours
		want     []string
	}{
		{"end is exclusive", 12, 13, []string{"s5", "s4"}},
		{"touching start is outside", 8, 9, []string{"s5", "s1"}},
		{"inside one", 10, 11, []string{"s5", "s2"}},
		{"whole day", 0, 24, []string{"s5", "s0", "s1", "s2", "s3", "s4"}},
		{"nothing", 15, 16, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.BookingsBetween(ctx, saal, day.Add(time.Duration(tc.from)*time.Hour), day.Add(time.Duration(tc.to)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, b := range got {
				ids = append(ids, b.SourceID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got, _ := db.BookingsBetween(ctx, "huiyishi-1@contoso.com", day, day.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("other room sees %d bookings", len(got))
	}
}

func TestReplaceBookings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	day := mustTime(t, "2026-03-02T00:00:00Z")
	old := testBooking(t, "old", "Vor dem Fenster", day.Add(-48*time.Hour), time.Hour)
	keep := testBooking(t, "keep", "Bleibt", day.Add(9*time.Hour), time.Hour)
	gone := testBooking(t, "gone", "Gelöscht in Exchange", day.Add(11*time.Hour), time.Hour)
	if err := db.ApplyBookingChanges(ctx, saal, []Change{{OpCreate, old}, {OpCreate, keep}, {OpCreate, gone}},
		SyncState{State: "stale-state"}); err != nil {
		t.Fatal(err)
	}
	checkIn := day.Add(9*time.Hour + 2*time.Minute)
	if err := db.MarkCheckedIn(ctx, keep.ID, checkIn); err != nil {
		t.Fatal(err)
	}

	w := Window{Start: day.Add(-24 * time.Hour), End: day.Add(60 * 24 * time.Hour)}
	keep2 := keep
	keep2.ID, keep2.Subject = "", "Bleibt (geändert)"
	fresh := testBooking(t, "fresh", "新會議", day.Add(14*time.Hour), time.Hour)
	fresh.RoomID = ""
	st := SyncState{Integration: "onprem-zuerich", State: "fresh-state", LastSuccess: day}
	if err := db.ReplaceBookings(ctx, saal, w, []room.Booking{keep2, fresh}, st); err != nil {
		t.Fatal(err)
	}
	got, err := db.BookingsBetween(ctx, saal, day.Add(-72*time.Hour), w.End)
	if err != nil {
		t.Fatal(err)
	}
	keep2.ID, keep2.CheckedInAt = keep.ID, checkIn
	fresh.RoomID = saal
	if diff := cmp.Diff([]room.Booking{old, keep2, fresh}, got, equateEmpty); diff != "" {
		t.Errorf("bookings (-want +got):\n%s", diff)
	}
	gotSt, err := db.SyncState(ctx, saal)
	if err != nil {
		t.Fatal(err)
	}
	st.Mailbox, st.WindowStart, st.WindowEnd = saal, w.Start, w.End
	if diff := cmp.Diff(st, gotSt); diff != "" {
		t.Errorf("sync state (-want +got):\n%s", diff)
	}
	other := fresh
	other.RoomID = "huiyishi-1@contoso.com"
	if err := db.ReplaceBookings(ctx, saal, w, []room.Booking{other}, st); !isInvalid(err) {
		t.Errorf("ReplaceBookings with another room's booking = %v, want ErrInvalid", err)
	}
}

func TestMarkReleasedAndRemoveRoomCascade(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)
	b := testBooking(t, "r1", "Niemand kam", mustTime(t, "2026-03-02T09:00:00Z"), time.Hour)
	if err := db.ApplyBookingChanges(ctx, saal, []Change{{OpCreate, b}}, SyncState{}); err != nil {
		t.Fatal(err)
	}
	at := mustTime(t, "2026-03-02T09:10:00Z")
	if err := db.MarkReleased(ctx, b.ID, at); err != nil {
		t.Fatal(err)
	}
	got, err := db.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReleasedAt.Equal(at) {
		t.Errorf("ReleasedAt = %v, want %v", got.ReleasedAt, at)
	}
	if err := db.MarkReleased(ctx, "no-such-booking", at); !isNotFound(err) {
		t.Errorf("MarkReleased of unknown booking = %v, want ErrNotFound", err)
	}
	if err := db.RemoveRoom(ctx, saal); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Booking(ctx, b.ID); !isNotFound(err) {
		t.Errorf("booking of removed room: %v, want ErrNotFound", err)
	}
}
