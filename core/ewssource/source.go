// Package ewssource implements syncer.Source over Exchange Web Services
// (package ews): room discovery through room lists and the directory,
// calendar reads (CalendarView for a full sync, SyncFolderItems for
// changes), notifications (streaming, then pull) and write-back as the
// booking delegate.
//
// It is the only core package that imports ews. Every ews error leaves it
// classified into syncer's sentinels ([syncer.ErrInvalidSyncState],
// [syncer.BackOffError], [syncer.ErrTransient], ...), so the engine never
// parses protocol codes.
//
// What Exchange can and cannot list through EWS (see Source.Directory):
//
//   - Rooms: GetRoomLists and GetRooms list the rooms that an administrator
//     put into room lists; rooms outside every list are only found by
//     searching the directory (FindPeople reports them with PersonaType
//     "Room"). Capacity and floor are not part of either answer.
//   - Equipment: equipment mailboxes are in no room list, FindPeople reports
//     them as PersonaType "Person" and ResolveNames as MailboxType
//     "Mailbox", exactly like users. EWS has no call that lists them, so
//     "all equipment" is every non-room, non-group entry that
//     Options.EquipmentQueries find (a naming convention such as "Beamer"
//     or "投影機"); selected equipment is checked one by one with
//     ResolveNames. Only Exchange PowerShell (Get-Mailbox
//     -RecipientTypeDetails EquipmentMailbox) lists equipment reliably.
//   - People and groups: FindPeople searches the global address list
//     (ParentFolderId "directory"); Roomboard does not browse it without a
//     query, so "all users" is the union of Options.PeopleQueries, paged.
//     Distribution lists come back with PersonaType "DistributionList";
//     their members come from ExpandDL, one level per call, so nested
//     groups are expanded here with a depth bound and a cycle check.
//   - Time zones: GetUserAvailability returns each mailbox's working hours
//     with a legacy time zone (a bias and two yearly transitions), never an
//     IANA name; the zone is matched against IANA candidates.
//
// Sources: https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-get-room-lists-by-using-ews-in-exchange,
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findpeople-operation,
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/personatype,
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/mailboxtype,
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/expanddl-operation,
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/workinghours.
//
// It deliberately does not retry, sleep between requests or keep any
// cache: retry policy and concurrency limits belong to core/syncer, and the
// cache is core/store.
package ewssource

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
)

// Options configure a Source.
type Options struct {
	// Impersonation makes requests act as each room mailbox
	// (ApplicationImpersonation); otherwise the service account reads the
	// rooms' calendars through delegate access.
	Impersonation bool
	// Delegate is the mailbox bookings are made in; empty means the
	// service account's own calendar.
	Delegate string
	// RoomQueries are the directory (FindPeople) searches that find rooms
	// outside every room list; Exchange cannot browse the whole directory.
	// Empty means {"room"}.
	RoomQueries []string
	// EquipmentQueries are the directory searches that find equipment
	// mailboxes when the scope asks for all equipment; EWS cannot tell
	// them from people otherwise (see Source.Directory). Empty means
	// DefaultEquipmentQueries.
	EquipmentQueries []string
	// PeopleQueries are the directory searches whose union is "all users"
	// (the directory is searched, not browsed). Empty means
	// DefaultPeopleQueries.
	PeopleQueries []string
	// StreamTimeout is how long one streaming connection stays open before
	// it is re-opened; Exchange allows at most 30 minutes. Zero means 25.
	StreamTimeout time.Duration
	// PullInterval is how often pull subscriptions are read when
	// streaming does not work. Zero means 30 s.
	PullInterval time.Duration
	// GroupSize is the number of subscriptions per streaming connection,
	// at most 200 (zero means 200).
	GroupSize int
	// PushURL, when set, makes Watch use push subscriptions: Exchange
	// POSTs notifications to this public URL, which must reach
	// [Source.PushHandler] (core/server serves it at hubproto.PathEWSPush).
	// It is the address Exchange sees, not the hub's listen address.
	PushURL string
	// PushStatusFrequency is how often Exchange pings an idle push
	// subscription, in whole minutes from 1 to 1440; zero means one
	// minute. A subscription that misses three pings is made again.
	PushStatusFrequency time.Duration
	// Logf receives diagnostics; nil means log.Printf.
	Logf func(format string, args ...any)
}

// Source is a syncer.Source over one EWS service account.
type Source struct {
	c    *ews.Client
	opts Options
	push pushRegistry // push.go
}

var _ syncer.Source = (*Source)(nil)

// MaxGroupSize is Exchange's limit of subscriptions per streaming
// connection.
const MaxGroupSize = 200

// New returns a Source using c, which carries the service account's
// credentials.
func New(c *ews.Client, opts Options) *Source {
	if len(opts.RoomQueries) == 0 {
		opts.RoomQueries = []string{"room"}
	}
	if opts.StreamTimeout <= 0 || opts.StreamTimeout > 30*time.Minute {
		opts.StreamTimeout = 25 * time.Minute
	}
	if opts.PullInterval <= 0 {
		opts.PullInterval = 30 * time.Second
	}
	if opts.GroupSize <= 0 || opts.GroupSize > MaxGroupSize {
		opts.GroupSize = MaxGroupSize
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	opts.Delegate = strings.ToLower(opts.Delegate)
	return &Source{c: c, opts: opts}
}

// calendar returns the client and folder that reach mailbox m's calendar.
func (s *Source) calendar(m string) (*ews.Client, ews.FolderID) {
	if s.opts.Impersonation {
		return s.c.Impersonating(m), ews.CalendarOf("")
	}
	return s.c, ews.CalendarOf(m)
}

// classify maps an ews error to syncer's sentinels, keeping the original
// in the chain for messages.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch ews.Code(err) {
	case "ErrorInvalidSyncStateData", "ErrorInvalidSyncStateDataInvalid":
		return fmt.Errorf("%w: %w", syncer.ErrInvalidSyncState, err)
	case "ErrorItemNotFound", "ErrorNonExistentMailbox", "ErrorMailboxNotFound":
		return fmt.Errorf("%w: %w", syncer.ErrNotFound, err)
	}
	if d, ok := ews.BackOff(err); ok {
		return &syncer.BackOffError{Delay: d, Err: err}
	}
	if ews.IsTransient(err) {
		return fmt.Errorf("%w: %w", syncer.ErrTransient, err)
	}
	return err
}

// detailFields are what GetItem adds to a CalendarView: the organizer's
// address and the attendees, which FindItem cannot return.
var detailFields = []string{"calendar:Organizer", "calendar:RequiredAttendees", "calendar:OptionalAttendees", "calendar:UID"}

// getItemBatch is the GetItem batch size Exchange handles within its
// one-minute batch budget.
const getItemBatch = 100

// FullSync implements syncer.Source: it takes a SyncFolderItems token
// for the whole folder, then reads the window consistently with it (see
// [Source.reconcile]).
func (s *Source) FullSync(ctx context.Context, mailbox string, w store.Window) (syncer.Snapshot, error) {
	c, folder := s.calendar(mailbox)
	token := ""
	for {
		res, err := c.SyncFolderItems(ctx, &ews.SyncFolderItemsRequest{Folder: folder, SyncState: token, MaxChanges: ews.MaxSyncChanges, Shape: ews.IdOnly})
		if err != nil {
			return syncer.Snapshot{}, classify(err)
		}
		token = res.SyncState
		if res.IncludesLastItemInRange {
			break
		}
	}
	bs, token, err := s.reconcile(ctx, mailbox, w, token)
	if err != nil {
		return syncer.Snapshot{}, err
	}
	return syncer.Snapshot{Bookings: bs, Token: token}, nil
}

// reconcileRounds bounds how often reconcile reads the window again
// because a series changed while it was reading.
const reconcileRounds = 3

// reconcile reads the window and returns it with a sync token that
// accounts for every booking returned, given token, a state taken before.
//
// Reading the window (FindItem) and taking a token cannot be one atomic
// step, and their order matters: Exchange reports a deletion only for
// items the token already knows. A meeting created after token, read by
// the view and cancelled before the next sync would otherwise stay in the
// cache for good. So after the view, reconcile catches the token up
// (SyncFolderItems), and only then asks GetItem for the details of what
// the view returned: what GetItem no longer finds is dropped, and what it
// finds was alive at the new token, so the token knows it and will report
// its deletion. Single-item changes between the view and the catch-up are
// applied on top; a series that changed in that time means the view is
// read again.
func (s *Source) reconcile(ctx context.Context, mailbox string, w store.Window, token string) ([]room.Booking, string, error) {
	for round := 1; ; round++ {
		items, err := s.findView(ctx, mailbox, w)
		if err != nil {
			return nil, "", err
		}
		d, series, err := s.syncChanges(ctx, mailbox, token, true)
		if err != nil {
			return nil, "", err
		}
		token = d.Token
		if series && round < reconcileRounds {
			continue
		}
		bs, err := s.details(ctx, mailbox, items)
		if err != nil {
			return nil, "", err
		}
		return overlay(bs, d.Changes, w), token, nil
	}
}

// findView reads mailbox's calendar over w, series expanded.
func (s *Source) findView(ctx context.Context, mailbox string, w store.Window) ([]ews.CalendarItem, error) {
	c, folder := s.calendar(mailbox)
	res, err := c.FindItem(ctx, &ews.FindItemRequest{Folder: folder, CalendarView: &ews.CalendarView{Start: w.Start, End: w.End},
		Shape: ews.IdOnly, Fields: ews.CalendarViewFields})
	if err != nil {
		return nil, classify(err)
	}
	return res.Items, nil
}

// details adds what FindItem cannot return (organizer addresses,
// attendees) through GetItem, dropping items that no longer exist.
func (s *Source) details(ctx context.Context, mailbox string, items []ews.CalendarItem) ([]room.Booking, error) {
	c, _ := s.calendar(mailbox)
	out := make([]room.Booking, 0, len(items))
	for lo := 0; lo < len(items); lo += getItemBatch {
		hi := min(lo+getItemBatch, len(items))
		ids := make([]ews.ItemID, 0, hi-lo)
		for _, it := range items[lo:hi] {
			ids = append(ids, it.ItemID)
		}
		got, err := c.GetItem(ctx, ids, ews.IdOnly, detailFields)
		if err != nil {
			return nil, classify(err)
		}
		for i, g := range got {
			if g.Err != nil {
				if errors.Is(classify(g.Err), syncer.ErrNotFound) {
					continue // deleted since the view was read
				}
				return nil, fmt.Errorf("details of %s: %w", ids[i].ID, classify(g.Err))
			}
			it := items[lo+i]
			it.Organizer = g.Item.Organizer
			it.RequiredAttendees, it.OptionalAttendees = g.Item.RequiredAttendees, g.Item.OptionalAttendees
			if it.UID == "" {
				it.UID = g.Item.UID
			}
			out = append(out, toBooking(mailbox, it))
		}
	}
	return out, nil
}

// overlay applies single-item changes read after the view to its
// bookings over w.
func overlay(bs []room.Booking, changes []store.Change, w store.Window) []room.Booking {
	if len(changes) == 0 {
		return bs
	}
	byID := make(map[string]int, len(bs))
	for i, b := range bs {
		byID[b.SourceID] = i
	}
	drop := map[string]bool{}
	for _, ch := range changes {
		id := ch.Booking.SourceID
		i, ok := byID[id]
		switch {
		case ch.Op == store.OpDelete, !ch.Booking.Start.Before(w.End) || !ch.Booking.End.After(w.Start):
			drop[id] = true // cancelled, or moved out of the window
		case ok:
			bs[i] = ch.Booking
			delete(drop, id)
		default:
			byID[id] = len(bs)
			bs = append(bs, ch.Booking)
			delete(drop, id)
		}
	}
	out := bs[:0]
	for _, b := range bs {
		if !drop[b.SourceID] {
			out = append(out, b)
		}
	}
	return out
}

// syncChanges reads the changes after token. Single meetings come back as
// changes; series is set when a recurring master changed or anything was
// deleted (a deletion names only an item ID, perhaps a series'), since
// neither maps onto occurrences item by item. It stops at a page
// boundary (Delta.More) once a page is done, unless all is set.
func (s *Source) syncChanges(ctx context.Context, mailbox, token string, all bool) (d syncer.Delta, series bool, err error) {
	c, folder := s.calendar(mailbox)
	for {
		res, err := c.SyncFolderItems(ctx, &ews.SyncFolderItemsRequest{Folder: folder, SyncState: token, MaxChanges: ews.MaxSyncChanges,
			Shape: ews.IdOnly, Fields: ews.CalendarFields})
		if err != nil {
			return syncer.Delta{}, false, classify(err)
		}
		token = res.SyncState
		for _, ch := range res.Changes {
			switch ch.Kind {
			case ews.ChangeCreate, ews.ChangeUpdate:
				if ch.Item == nil {
					continue // not a calendar item
				}
				if ch.Item.CalendarItemType == "RecurringMaster" || ch.Item.Recurrence != nil {
					series = true
					continue
				}
				op := store.OpUpdate
				if ch.Kind == ews.ChangeCreate {
					op = store.OpCreate
				}
				d.Changes = append(d.Changes, store.Change{Op: op, Booking: toBooking(mailbox, *ch.Item)})
			case ews.ChangeDelete:
				series = true
				d.Changes = append(d.Changes, store.Change{Op: store.OpDelete, Booking: room.Booking{RoomID: mailbox, SourceID: ch.ItemID.ID}})
			}
		}
		d.Token = token
		if res.IncludesLastItemInRange {
			return d, series, nil
		}
		if !all && !series {
			d.More = true
			return d, false, nil
		}
	}
}

// Changes implements syncer.Source. Single meetings arrive as item
// changes, a page at a time. When a series changed or something was
// deleted, the window is read again, consistently with the new token, and
// returned as Delta.Replace.
func (s *Source) Changes(ctx context.Context, mailbox, token string, w store.Window) (syncer.Delta, error) {
	d, series, err := s.syncChanges(ctx, mailbox, token, false)
	if err != nil || !series {
		return d, err
	}
	bs, next, err := s.reconcile(ctx, mailbox, w, d.Token)
	if err != nil {
		return syncer.Delta{}, err
	}
	return syncer.Delta{Replace: bs, Token: next}, nil
}

var responses = map[string]room.Response{
	"Unknown": room.ResponseUnknown, "NoResponseReceived": room.ResponseNone, "Accept": room.ResponseAccepted,
	"Tentative": room.ResponseTentative, "Decline": room.ResponseDeclined, "Organizer": room.ResponseOrganizer,
}

// toBooking maps a room's copy of a calendar item.
func toBooking(mailbox string, it ews.CalendarItem) room.Booking {
	b := room.Booking{
		RoomID:           mailbox,
		SourceID:         it.ItemID.ID,
		ChangeKey:        it.ItemID.ChangeKey,
		ICalUID:          it.UID,
		Subject:          it.Subject,
		Organizer:        room.Mailbox{Name: it.Organizer.Name, Email: strings.ToLower(it.Organizer.EmailAddress)},
		Start:            it.Start.UTC(),
		End:              it.End.UTC(),
		AllDay:           it.IsAllDayEvent,
		Private:          it.Sensitivity == "Private" || it.Sensitivity == "Confidential",
		Cancelled:        it.IsCancelled,
		Location:         it.Location,
		OnlineMeetingURL: it.JoinOnlineMeetingURL,
		Updated:          it.LastModifiedTime.UTC(),
	}
	switch it.CalendarItemType {
	case "Occurrence", "Exception", "RecurringMaster":
		b.Recurring, b.SeriesID = true, it.UID
	}
	for _, l := range [][]ews.Attendee{it.RequiredAttendees, it.OptionalAttendees} {
		for _, a := range l {
			b.Attendees = append(b.Attendees, room.Attendee{Name: a.Mailbox.Name, Email: strings.ToLower(a.Mailbox.EmailAddress),
				Response: responses[a.ResponseType]})
		}
	}
	if it.LastModifiedTime.IsZero() {
		b.Updated = time.Time{}
	}
	return b
}
