package ewssource

import (
	"context"
	"errors"
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

// ownItem returns the delegate's copy of b when the delegate organised it;
// own is false for meetings someone else organised (booked from Outlook,
// say). A known organizer other than the delegate is decided without a
// request.
func (s *Source) ownItem(ctx context.Context, b room.Booking) (it ews.CalendarItem, own bool, err error) {
	if s.opts.Delegate != "" && b.Organizer.Email != "" && !strings.EqualFold(b.Organizer.Email, s.opts.Delegate) {
		return ews.CalendarItem{}, false, nil
	}
	it, err = s.organizerItem(ctx, b)
	if errors.Is(err, syncer.ErrNotOrganizer) {
		return ews.CalendarItem{}, false, nil
	}
	return it, err == nil, err
}

// declineAsRoom answers someone else's meeting b with a Decline from the
// room mailbox (impersonated, or through the service account's delegate
// access): Exchange removes the room's copy, or only that occurrence when
// b.SourceID names one, so the room is free at once, and sends the decline
// with note to the organizer, whose tracking then shows the room declined.
// The organizer's meeting is otherwise untouched; no one else's mailbox is
// written.
func (s *Source) declineAsRoom(ctx context.Context, b room.Booking, note string) error {
	if b.SourceID == "" {
		return fmt.Errorf("%w: booking %s has no item id", syncer.ErrNotFound, b.ID)
	}
	c, _ := s.calendar(b.RoomID)
	id := ews.ItemID{ID: b.SourceID, ChangeKey: b.ChangeKey}
	_, err := c.RespondToMeeting(ctx, &ews.MeetingResponse{Kind: ews.Decline, ReferenceItemID: id, Body: note})
	if ews.Code(err) == "ErrorCalendarIsOrganizerForDecline" {
		// Another tool booked it with the room as organizer (what PEERS.md
		// §2.6 warns against). The room cannot decline its own meeting; it
		// cancels it, which tells the attendees.
		errs, derr := c.DeleteItem(ctx, []ews.ItemID{id}, ews.DeleteOptions{DeleteType: "SoftDelete", SendCancellations: "SendToAllAndSaveCopy"})
		if derr == nil && len(errs) == 1 {
			derr = errs[0]
		}
		return classify(derr)
	}
	return classify(err)
}

// Extend implements syncer.Source. Only the delegate's own meetings can be
// lengthened: an attendee, and so the room, can answer a meeting but not
// change it, so extending someone else's meeting returns
// syncer.ErrNotOrganizer and the kiosk should book the following slot
// instead.
func (s *Source) Extend(ctx context.Context, b room.Booking, end time.Time) error {
	if !end.After(b.End) {
		return fmt.Errorf("extend: new end %v is not after %v", end, b.End)
	}
	it, own, err := s.ownItem(ctx, b)
	if err != nil {
		return err
	}
	if !own {
		return fmt.Errorf("%w: cannot extend booking %s in %s: a room cannot lengthen someone else's meeting (organizer %q); book the following slot instead",
			syncer.ErrNotOrganizer, b.ID, b.RoomID, b.Organizer.Email)
	}
	busy, err := s.busyIn(ctx, b.RoomID, b.ICalUID, b.End, end)
	if err != nil {
		return err
	}
	if busy {
		return fmt.Errorf("%w: %s is taken after %v", syncer.ErrConflict, b.RoomID, b.End)
	}
	return s.setEnd(ctx, b, it, end)
}

// End implements syncer.Source. The delegate's own meetings are shortened
// to at, and the update reaches the attendees.
//
// Someone else's meeting cannot be changed; the room declines it instead
// (the rest of the slot is freed, the whole meeting leaves the room's
// calendar). That is what a person ending a meeting at the door expects:
// the display shows the room free at once and the organizer learns it from
// Exchange, with the time in the note. The alternative, shortening only the
// room's copy without telling anyone, would leave the organizer's calendar
// claiming the room, be undone by the organizer's next update, and hide
// from everyone else why the room now counts as free.
func (s *Source) End(ctx context.Context, b room.Booking, at time.Time) error {
	if !at.After(b.Start) || !at.Before(b.End) {
		return fmt.Errorf("end: %v is not within the booking %v … %v", at, b.Start, b.End)
	}
	it, own, err := s.ownItem(ctx, b)
	if err != nil {
		return err
	}
	if !own {
		return s.declineAsRoom(ctx, b, fmt.Sprintf("Ended early at the room display at %s. The room is free again.", at.UTC().Format("2006-01-02 15:04 UTC")))
	}
	return s.setEnd(ctx, b, it, at)
}

func (s *Source) setEnd(ctx context.Context, b room.Booking, it ews.CalendarItem, end time.Time) error {
	c, _ := s.delegateCalendar()
	id, err := c.UpdateItem(ctx, &ews.UpdateMeetingRequest{ID: it.ItemID, End: &end})
	if err != nil {
		return classify(err)
	}
	_, err = s.roomAnswer(ctx, id, b.RoomID)
	return err
}

// releaseNote is the text of the decline the organizer receives when a
// booking of theirs is released.
const releaseNote = "Released: nobody checked in at the room display, so the room was given free."

// Release implements syncer.Source. The delegate cancels its own meeting
// and the cancellation reaches the room and the attendees. Someone else's
// meeting (or one occurrence of their series) is declined by the room,
// which frees the room and tells the organizer through Exchange.
func (s *Source) Release(ctx context.Context, b room.Booking) error {
	it, own, err := s.ownItem(ctx, b)
	if err != nil {
		return err
	}
	if !own {
		return s.declineAsRoom(ctx, b, releaseNote)
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
