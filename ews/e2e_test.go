package ews_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// TestRoomBookingLifecycle drives every calendar operation of the client
// against the simulator the way the sync engine and the kiosk will: sync a
// room's calendar, watch it over a streaming subscription, book it through
// the delegate, move and cancel the booking, and check that each change
// arrives once through SyncFolderItems and live through the stream.
func TestRoomBookingLifecycle(t *testing.T) {
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 11, Rooms: 12})
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	room := sim.Rooms()[0].Address
	delegate := ews.New(endpoint(ts), nil) // acts as the service account, the booking delegate
	asRoom := delegate.Impersonating(room)

	// Initial sync of the room's calendar.
	state, initial := syncAll(ctx, t, asRoom, room, "")
	if state == "" || len(initial) == 0 {
		t.Fatalf("initial sync: state %q, %d changes", state, len(initial))
	}
	if state2, again := syncAll(ctx, t, asRoom, room, state); len(again) != 0 || state2 == "" {
		t.Fatalf("a second sync with no changes returned %d changes", len(again))
	}

	// Watch the room's calendar.
	sub, err := asRoom.Subscribe(ctx, &ews.SubscribeRequest{Kind: ews.Streaming, Folders: []ews.FolderID{ews.CalendarOf("")}})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := asRoom.GetStreamingEvents(ctx, []string{sub.ID}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()

	// Book the room through the delegate, in a slot the simulator says is free.
	start := sim.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 40).Add(3 * time.Hour)
	if busy := sim.Truth(room, start.Add(-time.Hour), start.Add(2*time.Hour)); len(busy) != 0 {
		t.Fatalf("test slot not free: %+v", busy)
	}
	id, err := delegate.CreateItem(ctx, &ews.CreateMeetingRequest{
		Subject:   "Quartalsplanung 季度規劃",
		Start:     start,
		End:       start.Add(30 * time.Minute),
		Resources: []string{room},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(ctx, t, stream, sub.ID, "CreatedEvent")

	got := roomView(ctx, t, asRoom, start)
	if len(got) != 1 || !got[0].End.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("room calendar after booking: %+v", got)
	}
	if got[0].Organizer.EmailAddress == room {
		t.Errorf("the room must never be the organizer")
	}
	state, changes := syncAll(ctx, t, asRoom, room, state)
	if kinds := changeKinds(changes); !slices.Contains(kinds, ews.ChangeCreate) || hasDuplicateIDs(changes) {
		t.Fatalf("sync after booking: kinds %v, duplicates %v", kinds, hasDuplicateIDs(changes))
	}

	// Extend it by 30 minutes.
	newEnd := start.Add(time.Hour)
	id2, err := delegate.UpdateItem(ctx, &ews.UpdateMeetingRequest{ID: id, End: &newEnd})
	if err != nil {
		t.Fatal(err)
	}
	if id2.ChangeKey == id.ChangeKey {
		t.Errorf("ChangeKey did not change on update")
	}
	waitEvent(ctx, t, stream, sub.ID, "ModifiedEvent")
	if got := roomView(ctx, t, asRoom, start); len(got) != 1 || !got[0].End.Equal(newEnd) {
		t.Fatalf("room calendar after extend: %+v", got)
	}
	state, changes = syncAll(ctx, t, asRoom, room, state)
	if kinds := changeKinds(changes); !slices.Contains(kinds, ews.ChangeUpdate) {
		t.Fatalf("sync after extend: kinds %v", kinds)
	}

	// A write with the stale ChangeKey is refused rather than lost.
	_, err = delegate.UpdateItem(ctx, &ews.UpdateMeetingRequest{ID: id, End: &newEnd, ConflictResolution: "NeverOverwrite"})
	if ews.Code(err) != "ErrorIrresolvableConflict" {
		t.Errorf("stale ChangeKey: err = %v, want ErrorIrresolvableConflict", err)
	}

	// Availability shows the booking.
	avail, err := delegate.GetUserAvailability(ctx, &ews.AvailabilityRequest{
		Mailboxes: []string{room}, Start: start.Add(-3 * time.Hour), End: start.Add(21 * time.Hour), View: "Detailed",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(avail) != 1 || avail[0].Err != nil || !containsBusy(avail[0].Events, start, newEnd) {
		t.Fatalf("availability does not show the booking: %+v", avail)
	}

	// Cancel it: the room's copy disappears.
	errs, err := delegate.DeleteItem(ctx, []ews.ItemID{id2}, ews.DeleteOptions{})
	if err != nil || len(errs) != 1 || errs[0] != nil {
		t.Fatalf("delete: %v %v", err, errs)
	}
	waitEvent(ctx, t, stream, sub.ID, "DeletedEvent")
	if got := roomView(ctx, t, asRoom, start); len(got) != 0 {
		t.Fatalf("room calendar after cancel: %+v", got)
	}
	_, changes = syncAll(ctx, t, asRoom, room, state)
	if kinds := changeKinds(changes); !slices.Contains(kinds, ews.ChangeDelete) {
		t.Fatalf("sync after cancel: kinds %v", kinds)
	}

	// A sync state Exchange cannot read asks for a full resync.
	_, err = asRoom.SyncFolderItems(ctx, &ews.SyncFolderItemsRequest{Folder: ews.CalendarOf(""), SyncState: "bm90IGEgc3luYyBzdGF0ZQ==", MaxChanges: 10})
	if ews.Code(err) != "ErrorInvalidSyncStateData" {
		t.Errorf("bad sync state: err = %v, want ErrorInvalidSyncStateData", err)
	}
	var re *ews.ResponseError
	if !errors.As(err, &re) {
		t.Errorf("bad sync state is not a *ResponseError: %T", err)
	}
}

func syncAll(ctx context.Context, t *testing.T, c *ews.Client, room, state string) (string, []ews.ItemChange) {
	t.Helper()
	var all []ews.ItemChange
	for range 1000 {
		res, err := c.SyncFolderItems(ctx, &ews.SyncFolderItemsRequest{Folder: ews.CalendarOf(""), SyncState: state, MaxChanges: 100, Shape: ews.IdOnly})
		if err != nil {
			t.Fatalf("SyncFolderItems %s: %v", room, err)
		}
		all = append(all, res.Changes...)
		state = res.SyncState
		if res.IncludesLastItemInRange {
			return state, all
		}
	}
	t.Fatal("SyncFolderItems never reached the last item")
	return "", nil
}

func roomView(ctx context.Context, t *testing.T, c *ews.Client, start time.Time) []ews.CalendarItem {
	t.Helper()
	res, err := c.FindItem(ctx, &ews.FindItemRequest{
		Folder:       ews.CalendarOf(""),
		CalendarView: &ews.CalendarView{Start: start.Add(-time.Hour), End: start.Add(2 * time.Hour)},
		Shape:        ews.Default,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Items
}

func waitEvent(ctx context.Context, t *testing.T, s *ews.EventStream, subID, kind string) {
	t.Helper()
	for {
		r, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", kind, err)
		}
		for _, e := range r.Errors {
			t.Fatalf("stream error: %v", e)
		}
		for _, n := range r.Notifications {
			if n.SubscriptionID != subID {
				t.Fatalf("notification for unknown subscription %q", n.SubscriptionID)
			}
			for _, ev := range n.Events {
				if ev.Kind == kind {
					return
				}
			}
		}
	}
}

func changeKinds(cs []ews.ItemChange) []ews.ChangeKind {
	var ks []ews.ChangeKind
	for _, c := range cs {
		ks = append(ks, c.Kind)
	}
	return ks
}

func hasDuplicateIDs(cs []ews.ItemChange) bool {
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ItemID.ID] {
			return true
		}
		seen[c.ItemID.ID] = true
	}
	return false
}

func containsBusy(evs []ews.BusyEvent, start, end time.Time) bool {
	for _, e := range evs {
		if !e.Start.After(start) && !e.End.Before(end) && e.BusyType != "Free" {
			return true
		}
	}
	return false
}
