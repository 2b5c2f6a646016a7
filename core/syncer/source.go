// Package syncer keeps the local cache (core/store) in step with a calendar
// source such as Exchange: it discovers the rooms in scope, runs one sync
// loop per room mailbox (a full sync over a window, then incremental
// changes), turns notifications into syncs, backs off when the source is
// busy or failing, and publishes what changed and how healthy each mailbox
// is on the bus (core/bus).
//
// The protocol lives behind [Source]: core/ewssource implements it over EWS,
// and a Graph source can implement it too. syncer itself never imports a
// protocol client, so every protocol error reaches it already classified
// into the sentinels and types of this package ([ErrInvalidSyncState],
// [BackOffError], [ErrTransient], [ErrConflict], [DeclinedError]).
//
// It deliberately does not:
//   - trust notifications as data: Watch only names a mailbox to sync;
//   - empty or roll back the cache on a failure: the last good data stays,
//     the error is recorded with store.RecordSyncError and the mailbox's
//     health says how stale the data is;
//   - mask private bookings (core/room does that before anything leaves
//     the hub) or decide who may write (core/server does).
package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// Source is a calendar system the syncer reads from and writes back to.
// Mailboxes are named by their SMTP address in lower case, which is also
// the room's ID. Every method must be safe for concurrent use; the syncer
// bounds how many calls run at once.
type Source interface {
	// Directory lists the rooms, equipment and room lists within scope.
	Directory(ctx context.Context, scope config.Scope) (Directory, error)
	// FullSync reads the mailbox's bookings over w (series expanded) and
	// returns them with a token from which Changes continues. The token
	// must be taken no later than the bookings are read, so that a change
	// racing the read is reported again rather than lost.
	FullSync(ctx context.Context, mailbox string, w store.Window) (Snapshot, error)
	// Changes returns what changed in the mailbox since token. w is the
	// window the cache covers, for changes the source can only express
	// by re-reading it (recurring series): then Delta.Replace is set.
	Changes(ctx context.Context, mailbox, token string, w store.Window) (Delta, error)
	// Watch reports mailboxes whose calendars changed on changed until ctx
	// ends, falling back from faster to slower channels as it must. A send
	// only triggers a sync. Watch returns ctx's error, or an error when no
	// channel works at all (the syncer then relies on polling).
	Watch(ctx context.Context, mailboxes []string, changed chan<- string) error

	// Book creates a meeting "now" in room r as the booking delegate (or
	// service identity) with the room as a resource, never as the room's
	// organizer. A conflict returns ErrConflict or a *DeclinedError.
	Book(ctx context.Context, r BookRequest) (room.Booking, error)
	// Extend moves the end of booking b to end. Only the booking
	// delegate's own meetings can be extended (ErrNotOrganizer otherwise:
	// a room cannot lengthen someone else's meeting).
	Extend(ctx context.Context, b room.Booking, end time.Time) error
	// End ends booking b early, at at: the delegate's own meeting is
	// shortened; anyone else's is declined by the room, so the room is free
	// at once and the organizer is told.
	End(ctx context.Context, b room.Booking, at time.Time) error
	// Release frees the room of booking b (nobody checked in): the
	// delegate's own meeting is cancelled for everyone; anyone else's is
	// declined by the room, which tells the organizer.
	Release(ctx context.Context, b room.Booking) error
}

// Directory is what Source.Directory found within scope: everything the
// catalogue should hold, so that whatever is missing is removed.
type Directory struct {
	// Rooms holds rooms and equipment (Kind tells them apart). An empty
	// TimeZone means the source could not tell, and the stored zone stays.
	Rooms []room.Room
	Lists []room.RoomList
	// People are the users in scope (none unless the scope's user mode
	// asks for them).
	People []room.Person
	// Groups are the groups in scope; Members holds the IDs of the people
	// in them, nested groups expanded.
	Groups []room.Group
}

// Snapshot is the result of a full sync of one mailbox.
type Snapshot struct {
	Bookings []room.Booking
	Token    string
}

// Delta is one batch of incremental changes.
type Delta struct {
	// Changes are applied in order; Booking.RoomID may be empty.
	Changes []store.Change
	// Replace, when non-nil, is the complete list of bookings over the
	// window and supersedes Changes.
	Replace []room.Booking
	// Token is where the next call continues.
	Token string
	// More is true while further changes wait: call again at once.
	More bool
}

// BookRequest asks for an ad-hoc booking ("book now").
type BookRequest struct {
	RoomID     string
	Subject    string
	Start, End time.Time
}

// Errors a Source returns (wrapped) so the syncer can choose what to do.
var (
	// ErrInvalidSyncState means the token is no longer usable: the syncer
	// runs a full sync of that mailbox only.
	ErrInvalidSyncState = errors.New("syncer: sync state invalid")
	// ErrTransient marks failures worth retrying unchanged after a pause
	// (busy, throttled, timeouts, resets, 5xx).
	ErrTransient = errors.New("syncer: transient failure")
	// ErrConflict means a write collides with another booking in the room.
	ErrConflict = errors.New("syncer: booking conflict")
	// ErrNotOrganizer means a write needs the organizer's copy of a
	// meeting the delegate does not organise.
	ErrNotOrganizer = errors.New("syncer: meeting not organised by the booking delegate")
	// ErrNotFound means the mailbox or booking no longer exists.
	ErrNotFound = errors.New("syncer: not found")
)

// BackOffError carries a pause the server asked for before the next
// request. It unwraps to the underlying error and matches ErrTransient.
type BackOffError struct {
	Delay time.Duration
	Err   error
}

func (e *BackOffError) Error() string {
	return fmt.Sprintf("%v (server asks to back off %v)", e.Err, e.Delay)
}

// Unwrap returns the underlying error.
func (e *BackOffError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTransient) true: a server that asks for a
// pause expects the request again.
func (e *BackOffError) Is(target error) bool { return target == ErrTransient }

// DeclinedError reports that the room declined a booking (a conflict the
// source only learnt from the room's answer). It matches ErrConflict.
type DeclinedError struct {
	RoomID string
	Reason string
}

func (e *DeclinedError) Error() string {
	if e.Reason == "" {
		return "syncer: " + e.RoomID + " declined the booking"
	}
	return "syncer: " + e.RoomID + " declined the booking: " + e.Reason
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *DeclinedError) Is(target error) bool { return target == ErrConflict }

// RoomChanged is published when a room's cached bookings (or the room
// itself) may have changed; subscribers re-read the store.
type RoomChanged struct {
	RoomID string
	// Removed is true when the room left the directory or the scope.
	Removed bool
}

// CoalesceKey makes pending RoomChanged events coalesce per room.
func (e RoomChanged) CoalesceKey() string { return e.RoomID }

// MailboxHealth is published after every sync attempt of a mailbox.
type MailboxHealth struct {
	Mailbox     string
	LastSuccess time.Time
	LastError   string
	LastErrorAt time.Time
	// Staleness is how old the cached data is (since LastSuccess) when
	// the last attempt failed; zero after a success.
	Staleness time.Duration
	// BackingOff is true while the mailbox waits out a back-off.
	BackingOff bool
}

// CoalesceKey makes pending health events coalesce per mailbox.
func (e MailboxHealth) CoalesceKey() string { return e.Mailbox }
