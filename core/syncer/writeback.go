package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// The write-back methods make a change through the source as the booking
// delegate, audit it, and trigger a sync of the room so the cache shows
// what Exchange made of it (the source stays the truth; nothing is written
// into the cache that the source has not confirmed).

// Book books room r.RoomID now on behalf of actor (a device or operator
// ID, for the audit log).
func (s *Syncer) Book(ctx context.Context, actor string, r BookRequest) (room.Booking, error) {
	if r.RoomID == "" || !r.End.After(r.Start) {
		return room.Booking{}, fmt.Errorf("syncer: book: invalid request for room %q, %v … %v", r.RoomID, r.Start, r.End)
	}
	var b room.Booking
	err := s.write(ctx, actor, "booking.book", r.RoomID, r.RoomID, map[string]any{"start": r.Start, "end": r.End}, func() error {
		var err error
		b, err = s.src.Book(ctx, r)
		return err
	})
	return b, err
}

// Extend moves the end of the cached booking id to end.
func (s *Syncer) Extend(ctx context.Context, actor, id string, end time.Time) error {
	b, err := s.db.Booking(ctx, id)
	if err != nil {
		return fmt.Errorf("syncer: extend: %w", err)
	}
	return s.write(ctx, actor, "booking.extend", b.RoomID, id, map[string]any{"end": end}, func() error {
		return s.src.Extend(ctx, b, end)
	})
}

// End ends the cached booking id early, at at.
func (s *Syncer) End(ctx context.Context, actor, id string, at time.Time) error {
	b, err := s.db.Booking(ctx, id)
	if err != nil {
		return fmt.Errorf("syncer: end: %w", err)
	}
	return s.write(ctx, actor, "booking.end", b.RoomID, id, map[string]any{"at": at}, func() error {
		return s.src.End(ctx, b, at)
	})
}

// Release cancels the cached booking id because nobody checked in, and
// marks it released in the cache.
func (s *Syncer) Release(ctx context.Context, actor, id string) error {
	b, err := s.db.Booking(ctx, id)
	if err != nil {
		return fmt.Errorf("syncer: release: %w", err)
	}
	return s.write(ctx, actor, "booking.release", b.RoomID, id, nil, func() error {
		if err := s.src.Release(ctx, b); err != nil {
			return err
		}
		return s.db.MarkReleased(ctx, id, s.opts.Clock.Now())
	})
}

// write runs fn under the concurrency limit, audits the outcome and
// triggers a sync of the room.
func (s *Syncer) write(ctx context.Context, actor, action, roomID, target string, detail map[string]any, fn func() error) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	err := fn()
	s.release()
	if detail == nil {
		detail = map[string]any{}
	}
	detail["room"] = roomID
	if err != nil {
		detail["error"] = err.Error()
	}
	raw, _ := json.Marshal(detail)
	if _, aerr := s.db.AppendAudit(ctx, store.AuditEntry{At: s.opts.Clock.Now(), Actor: actor, Action: action, Target: target, Detail: raw}); aerr != nil {
		s.opts.Logf("syncer: audit %s %s: %v", action, target, aerr)
	}
	s.Trigger(roomID)
	if err != nil {
		return fmt.Errorf("syncer: %s %s: %w", action, target, err)
	}
	return nil
}
