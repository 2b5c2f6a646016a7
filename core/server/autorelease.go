package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// ActorAutoRelease is the actor the audit log records for auto-releases.
const ActorAutoRelease = "auto-release"

// releaseState remembers the bookings auto-release has dealt with, so a
// booking is never released twice even when the store has not caught up
// with the release yet (the syncer marks it released in the cache too,
// which covers restarts).
type releaseState struct {
	mu   sync.Mutex
	done map[string]time.Time // booking ID → its end, when it can be forgotten
}

// releaseRound releases every booking of a room with check-in enabled that
// nobody checked in to in time (room.ShouldRelease), through the Writer,
// which has Exchange cancel or decline it and tell the organizer. Failures
// are logged and retried next round, except those that will not change
// (not the delegate's meeting, gone), which are given up.
func (f *Feed) releaseRound(ctx context.Context) {
	if f.o.Writer == nil {
		return
	}
	f.release.mu.Lock()
	defer f.release.mu.Unlock()
	now := f.o.Clock()
	if f.release.done == nil {
		f.release.done = make(map[string]time.Time)
	}
	for id, end := range f.release.done {
		if now.After(end) {
			delete(f.release.done, id)
		}
	}
	rooms, err := f.db.Rooms(ctx)
	if err != nil {
		f.o.Logf("server: auto-release: %v", err)
		return
	}
	var touched []string
	for _, r := range rooms {
		if !r.Policy.CheckIn.Enabled {
			continue
		}
		loc, err := r.Location()
		if err != nil {
			loc = time.UTC
		}
		// A day either side: all-day bookings may be stored as floating
		// dates that InZone moves by up to a day.
		bs, err := f.db.BookingsBetween(ctx, r.ID, now.Add(-24*time.Hour), now.Add(24*time.Hour))
		if err != nil {
			f.o.Logf("server: auto-release in %s: %v", r.ID, err)
			continue
		}
		released := false
		for _, b := range bs {
			if _, ok := f.release.done[b.ID]; ok {
				continue
			}
			bz := room.InZone(b, loc)
			if !room.ShouldRelease(bz, r.Policy, now) {
				continue
			}
			err := f.o.Writer.Release(ctx, ActorAutoRelease, b.ID)
			switch {
			case err == nil:
				f.released.Add(1)
				f.release.done[b.ID] = bz.End
				released = true
			case errors.Is(err, syncer.ErrNotOrganizer), errors.Is(err, syncer.ErrNotFound), errors.Is(err, store.ErrNotFound):
				f.releaseErrs.Add(1)
				f.release.done[b.ID] = bz.End
				f.o.Logf("server: auto-release of %s in %s given up: %v", b.ID, r.ID, err)
			default:
				f.releaseErrs.Add(1)
				f.o.Logf("server: auto-release of %s in %s failed, retrying next round: %v", b.ID, r.ID, err)
			}
		}
		if released {
			touched = append(touched, r.ID)
		}
	}
	if len(touched) > 0 {
		if _, err := f.refresh(ctx, touched); err != nil {
			f.o.Logf("server: auto-release: %v", err)
		}
	}
}
