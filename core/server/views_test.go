package server

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

func TestViewsMaskAndFilter(t *testing.T) {
	r := newRig(t, FeedOptions{})
	ctx := context.Background()
	cancelled := booking(huiyi1, "AAMk-abgesagt", "Abgesagt 取消", "Li Na", t0.Add(time.Hour), time.Hour)
	cancelled.Cancelled = true
	if err := r.db.ApplyBookingChanges(ctx, huiyi1, []store.Change{{Op: store.OpCreate, Booking: cancelled}},
		store.SyncState{LastSuccess: t0.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := r.db.RecordSyncError(ctx, huiyi1, t0, "ErrorServerBusy"); err != nil {
		t.Fatal(err)
	}
	saalView, err := r.feed.RoomView(ctx, saal)
	if err != nil {
		t.Fatal(err)
	}
	want := []hubproto.BookingView{
		{ID: reviewID, Subject: publicSubject, Organizer: "Anna Müller", Attendees: 1, Start: t0.Add(-30 * time.Minute), End: t0.Add(15 * time.Minute)},
		{ID: privateID, Start: t0.Add(30 * time.Minute), End: t0.Add(90 * time.Minute), Private: true, Masked: true},
	}
	if diff := cmp.Diff(want, saalView.Bookings); diff != "" {
		t.Errorf("Großer Saal (-want +got):\n%s", diff)
	}
	if want := (hubproto.CheckInPolicy{Enabled: true}); saalView.CheckIn != want || saalView.Stale || !saalView.SyncedAt.Equal(t0.Add(-time.Minute)) {
		t.Errorf("Großer Saal: check-in %+v, stale %v, synced %v", saalView.CheckIn, saalView.Stale, saalView.SyncedAt)
	}
	hidden, err := r.feed.RoomView(ctx, huiyi2)
	if err != nil {
		t.Fatal(err)
	}
	want = []hubproto.BookingView{{ID: store.BookingID(huiyi2, "AAMk-hidden"), Attendees: 1, Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour), Masked: true}}
	if diff := cmp.Diff(want, hidden.Bookings); diff != "" {
		t.Errorf("会议室二 hides subjects and organizers (-want +got):\n%s", diff)
	}
	h1, err := r.feed.RoomView(ctx, huiyi1)
	if err != nil {
		t.Fatal(err)
	}
	if len(h1.Bookings) != 1 || h1.Bookings[0].ID != zhouID || !h1.Stale {
		t.Errorf("會議室一: %+v, stale %v; want the cancelled booking left out and the room stale", h1.Bookings, h1.Stale)
	}
	// The stale flag is a change kiosks hear of.
	c := r.dial(t, panel.ID, since(5, ""))
	c.mustNext()
	bus.Publish(r.bus, syncer.MailboxHealth{Mailbox: huiyi2, LastError: "ErrorServerBusy"})
	if err := r.db.RecordSyncError(ctx, huiyi2, t0, "ErrorServerBusy"); err != nil {
		t.Fatal(err)
	}
	bus.Publish(r.bus, syncer.MailboxHealth{Mailbox: huiyi2, LastError: "ErrorServerBusy"})
	if fr := c.mustNext(); fr.Room == nil || fr.Room.ID != huiyi2 || !fr.Room.Stale {
		t.Errorf("after a failed sync: %+v", key(fr))
	}
}

// TestPrivateMeetingsNeverLeaveTheHub scans every byte a kiosk receives –
// snapshot, stream frames, action results – for the details of a private
// meeting and of a room that hides subjects and organizers.
func TestPrivateMeetingsNeverLeaveTheHub(t *testing.T) {
	w := &fakeWriter{}
	r := newRig(t, FeedOptions{Writer: w})
	var sent [][]byte
	_, snap := r.snapshot(t, floor.ID)
	sent = append(sent, snap)
	c := r.dial(t, floor.ID, nil)
	for range 6 {
		c.mustNext()
	}
	r.clock.Set(t0.Add(25 * time.Minute)) // the private meeting's check-in window
	for _, req := range []hubproto.ActionRequest{
		{RequestID: "p1", Kind: hubproto.ActionCheckIn, RoomID: saal, BookingID: privateID},
		{RequestID: "p2", Kind: hubproto.ActionExtend, RoomID: saal, BookingID: privateID, Minutes: 30},
		{RequestID: "p3", Kind: hubproto.ActionCheckIn, RoomID: huiyi2, BookingID: store.BookingID(huiyi2, "AAMk-hidden")},
		{RequestID: "p4", Kind: hubproto.ActionBook, RoomID: huiyi2, Minutes: 10, Subject: hiddenSubject},
	} {
		_, _, raw := r.post(t, floor.ID, req)
		sent = append(sent, raw)
	}
	r.clock.Set(t0.Add(35 * time.Minute))
	_, _, raw := r.post(t, floor.ID, hubproto.ActionRequest{RequestID: "p5", Kind: hubproto.ActionEnd, RoomID: saal, BookingID: privateID})
	sent = append(sent, raw)
	// The check-in changed the Großer Saal: its frame follows.
	if fr := c.mustNext(); fr.Room == nil || fr.Room.ID != saal {
		t.Fatalf("no frame after the check-in: %+v", key(fr))
	}
	r.feed.Revoke(floor.ID)
	c.closeCode()
	sent = append(sent, c.raw...)

	all := bytes.Join(sent, []byte("\n"))
	for _, secret := range []string{secretSubject, secretOrganizer, secretAttendee, hiddenSubject, hiddenOrganizer,
		"Geheimprojekt", "Zhang Wei", "juergen.grossmann", "Lohnverhandlung", "Brigitte", "zhang.wei"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("%q left the hub", secret)
		}
	}
	// The scan sees real content: public details are there.
	for _, public := range []string{publicSubject, "Anna Müller", "週會 Weekly", "Großer Saal (Übergröße)"} {
		if !bytes.Contains(all, []byte(public)) {
			t.Errorf("%q is missing: the scan looked at the wrong bytes", public)
		}
	}
	if len(c.raw) < 8 {
		t.Errorf("only %d frames scanned", len(c.raw))
	}
}
