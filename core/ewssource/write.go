package ewssource

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
)

// Write-back: every booking is a real meeting in the delegate's calendar
// with the room as a Resource attendee, so the room processes it like any
// invitation and the organizer's copy is the one that changes. The room is
// never the organizer (PEERS.md §2.6).

// delegateCalendar returns the client and folder of the delegate's
// calendar.
func (s *Source) delegateCalendar() (*ews.Client, ews.FolderID) {
	switch {
	case s.opts.Delegate == "":
		return s.c, ews.CalendarOf("")
	case s.opts.Impersonation:
		return s.c.Impersonating(s.opts.Delegate), ews.CalendarOf("")
	}
	return s.c, ews.CalendarOf(s.opts.Delegate)
}

// busyIn reports whether the room's calendar has a booking other than
// uid overlapping [start, end).
func (s *Source) busyIn(ctx context.Context, roomID, uid string, start, end time.Time) (bool, error) {
	c, folder := s.calendar(roomID)
	res, err := c.FindItem(ctx, &ews.FindItemRequest{Folder: folder, CalendarView: &ews.CalendarView{Start: start, End: end},
		Shape: ews.IdOnly, Fields: ews.CalendarViewFields})
	if err != nil {
		return false, classify(err)
	}
	for _, it := range res.Items {
		if it.IsCancelled || it.LegacyFreeBusyStatus == "Free" || (uid != "" && it.UID == uid) {
			continue
		}
		if it.Start.Before(end) && it.End.After(start) {
			return true, nil
		}
	}
	return false, nil
}

// roomAnswer reads the organizer's item id and reports a room's decline.
func (s *Source) roomAnswer(ctx context.Context, id ews.ItemID, roomID string) (ews.CalendarItem, error) {
	c, _ := s.delegateCalendar()
	got, err := c.GetItem(ctx, []ews.ItemID{id}, ews.IdOnly, []string{"calendar:Resources", "calendar:UID", "calendar:Start", "calendar:End", "item:Subject"})
	if err != nil {
		return ews.CalendarItem{}, classify(err)
	}
	if len(got) != 1 || got[0].Err != nil {
		return ews.CalendarItem{}, fmt.Errorf("read back booking: %w", classify(got[0].Err))
	}
	it := got[0].Item
	for _, r := range it.Resources {
		if strings.EqualFold(r.Mailbox.EmailAddress, roomID) && r.ResponseType == "Decline" {
			return it, &syncer.DeclinedError{RoomID: roomID}
		}
	}
	return it, nil
}

// Book implements syncer.Source. It refuses a slot the room's calendar
// shows as taken (without sending an invitation the room would decline),
// and cancels its own meeting again when the room declines anyway.
func (s *Source) Book(ctx context.Context, r syncer.BookRequest) (room.Booking, error) {
	roomID := strings.ToLower(r.RoomID)
	busy, err := s.busyIn(ctx, roomID, "", r.Start, r.End)
	if err != nil {
		return room.Booking{}, err
	}
	if busy {
		return room.Booking{}, fmt.Errorf("%w: %s is taken %v … %v", syncer.ErrConflict, roomID, r.Start, r.End)
	}
	c, folder := s.delegateCalendar()
	id, err := c.CreateItem(ctx, &ews.CreateMeetingRequest{Folder: folder, Subject: r.Subject, Start: r.Start, End: r.End,
		Resources: []string{roomID}})
	if err != nil {
		return room.Booking{}, classify(err)
	}
	it, err := s.roomAnswer(ctx, id, roomID)
	if _, declined := err.(*syncer.DeclinedError); declined {
		// Leave no meeting behind that the room refused.
		if _, derr := c.DeleteItem(ctx, []ews.ItemID{it.ItemID}, ews.DeleteOptions{DeleteType: "SoftDelete", SendCancellations: "SendToNone"}); derr != nil {
			s.opts.Logf("ewssource: cancel declined booking in %s: %v", roomID, derr)
		}
		return room.Booking{}, err
	}
	if err != nil {
		return room.Booking{}, err
	}
	return room.Booking{RoomID: roomID, SourceID: it.ItemID.ID, ChangeKey: it.ItemID.ChangeKey, ICalUID: it.UID, Subject: r.Subject,
		Organizer: room.Mailbox{Email: s.opts.Delegate}, Start: r.Start.UTC(), End: r.End.UTC()}, nil
}

// organizerItem finds the delegate's copy of b by its iCalendar UID.
func (s *Source) organizerItem(ctx context.Context, b room.Booking) (ews.CalendarItem, error) {
	if b.ICalUID == "" {
		return ews.CalendarItem{}, fmt.Errorf("%w: booking %s has no UID", syncer.ErrNotOrganizer, b.SourceID)
	}
	c, folder := s.delegateCalendar()
	res, err := c.FindItem(ctx, &ews.FindItemRequest{Folder: folder,
		CalendarView: &ews.CalendarView{Start: b.Start.Add(-time.Minute), End: b.End.Add(time.Minute)},
		Shape:        ews.IdOnly, Fields: ews.CalendarViewFields})
	if err != nil {
		return ews.CalendarItem{}, classify(err)
	}
	for _, it := range res.Items {
		if it.UID == b.ICalUID && it.Start.Equal(b.Start) {
			return it, nil
		}
	}
	return ews.CalendarItem{}, fmt.Errorf("%w: %q in %s", syncer.ErrNotOrganizer, b.Subject, b.RoomID)
}

// Extend implements syncer.Source.
func (s *Source) Extend(ctx context.Context, b room.Booking, end time.Time) error {
	if !end.After(b.End) {
		return fmt.Errorf("extend: new end %v is not after %v", end, b.End)
	}
	busy, err := s.busyIn(ctx, b.RoomID, b.ICalUID, b.End, end)
	if err != nil {
		return err
	}
	if busy {
		return fmt.Errorf("%w: %s is taken after %v", syncer.ErrConflict, b.RoomID, b.End)
	}
	return s.setEnd(ctx, b, end)
}

// End implements syncer.Source.
func (s *Source) End(ctx context.Context, b room.Booking, at time.Time) error {
	if !at.After(b.Start) || !at.Before(b.End) {
		return fmt.Errorf("end: %v is not within the booking %v … %v", at, b.Start, b.End)
	}
	return s.setEnd(ctx, b, at)
}

func (s *Source) setEnd(ctx context.Context, b room.Booking, end time.Time) error {
	it, err := s.organizerItem(ctx, b)
	if err != nil {
		return err
	}
	c, _ := s.delegateCalendar()
	id, err := c.UpdateItem(ctx, &ews.UpdateMeetingRequest{ID: it.ItemID, End: &end})
	if err != nil {
		return classify(err)
	}
	_, err = s.roomAnswer(ctx, id, b.RoomID)
	return err
}

// Release implements syncer.Source: the delegate cancels its meeting and
// the cancellation reaches the room and the attendees.
func (s *Source) Release(ctx context.Context, b room.Booking) error {
	it, err := s.organizerItem(ctx, b)
	if err != nil {
		return err
	}
	c, _ := s.delegateCalendar()
	errs, err := c.DeleteItem(ctx, []ews.ItemID{it.ItemID}, ews.DeleteOptions{DeleteType: "SoftDelete", SendCancellations: "SendToAllAndSaveCopy"})
	if err != nil {
		return classify(err)
	}
	if len(errs) == 1 && errs[0] != nil {
		return classify(errs[0])
	}
	return nil
}
