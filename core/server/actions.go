package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

const (
	// DefaultBookSubject is the subject of a "book now" without one.
	DefaultBookSubject = "Booked at the door"
	// actionReplayWindow is how long a device's RequestID is remembered.
	actionReplayWindow = 10 * time.Minute
	// maxActionEntries bounds the remembered answers (a few hundred bytes
	// each); beyond it the oldest are forgotten early.
	maxActionEntries = 10000
	// actionTimeout bounds one action, which outlives the request so that
	// a retry after a lost answer finds the real outcome.
	actionTimeout = time.Minute
)

// actionAnswer is what ServeAction sends back.
type actionAnswer struct {
	status int
	result hubproto.ActionResult
}

// actionEntry is one remembered action of a device.
type actionEntry struct {
	key         string
	fingerprint string
	at          time.Time
	done        chan struct{} // closed by finish; answer is set then
	answer      actionAnswer
}

// actionCache remembers devices' answers by RequestID so a retried action
// is answered, not repeated. It is bounded in size and age.
type actionCache struct {
	mu    sync.Mutex
	max   int
	m     map[string]*actionEntry
	order []*actionEntry // by arrival; may hold entries already forgotten
}

func newActionCache(max int) *actionCache {
	return &actionCache{max: max, m: make(map[string]*actionEntry)}
}

// begin returns the entry for key and whether it is new: the caller of a
// new entry acts and calls finish; others wait for its done.
func (c *actionCache) begin(key, fingerprint string, now time.Time) (*actionEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 {
		e := c.order[0]
		if c.m[e.key] == e && now.Sub(e.at) < actionReplayWindow && len(c.m) < c.max {
			break
		}
		if c.m[e.key] == e {
			delete(c.m, e.key)
		}
		c.order[0] = nil
		c.order = c.order[1:]
	}
	if e, ok := c.m[key]; ok {
		return e, false
	}
	e := &actionEntry{key: key, fingerprint: fingerprint, at: now, done: make(chan struct{})}
	c.m[key] = e
	c.order = append(c.order, e)
	return e, true
}

// finish records the answer; unless keep, the entry is forgotten so that a
// retry acts again (nothing was done the first time).
func (c *actionCache) finish(e *actionEntry, a actionAnswer, keep bool) {
	c.mu.Lock()
	e.answer = a
	if !keep && c.m[e.key] == e {
		delete(c.m, e.key)
	}
	c.mu.Unlock()
	close(e.done)
}

// ServeAction answers POST /api/v1/actions: book now, extend, end early or
// check in, for a room of the device. The answer is an ActionResult: 200
// with the booking and the room after the action, or an error status with
// Error set (409 conflict or declined, 403 for a room the device may not
// see, 404 for an unknown room or booking, 503 when Exchange cannot be
// reached). A RequestID the device repeats within 10 minutes gets the
// first answer again instead of a second action.
func (f *Feed) ServeAction(w http.ResponseWriter, r *http.Request, dev hubproto.Device) {
	if r.Method != http.MethodPost {
		writeFeedJSON(w, http.StatusMethodNotAllowed, failure("", hubproto.ErrorCodeInvalid, "actions need POST"))
		return
	}
	req, err := hubproto.DecodeActionRequest(r.Body)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, hubproto.ErrTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		writeFeedJSON(w, status, failure(req.RequestID, hubproto.ErrorCodeInvalid, err.Error()))
		return
	}
	if !slices.Contains(dev.Rooms, req.RoomID) {
		writeFeedJSON(w, http.StatusForbidden, failure(req.RequestID, hubproto.ErrorCodeForbidden, "this device may not act on that room"))
		return
	}
	fp := fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d\x00%s", req.Kind, req.RoomID, req.BookingID, req.Minutes, req.Until.UnixMicro(), req.Subject)
	e, fresh := f.actions.begin(dev.ID+"\x00"+req.RequestID, fp, f.o.Clock())
	if !fresh {
		if e.fingerprint != fp {
			writeFeedJSON(w, http.StatusBadRequest, failure(req.RequestID, hubproto.ErrorCodeInvalid, "requestId already used for another action"))
			return
		}
		select {
		case <-e.done:
			writeFeedJSON(w, e.answer.status, e.answer.result)
		case <-r.Context().Done():
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionTimeout)
	defer cancel()
	a := f.act(ctx, dev, req)
	a.result.RequestID = req.RequestID
	// Keep every answer after which something may have happened; forget
	// those that guarantee nothing did, so the retry acts.
	keep := a.status != http.StatusServiceUnavailable && a.status != http.StatusInternalServerError
	f.actions.finish(e, a, keep)
	writeFeedJSON(w, a.status, a.result)
}

func failure(requestID, code, msg string) hubproto.ActionResult {
	return hubproto.ActionResult{RequestID: requestID, Error: &hubproto.Error{Code: code, Message: msg}}
}

func answer(status int, code, msg string) actionAnswer {
	return actionAnswer{status: status, result: failure("", code, msg)}
}

// act carries out one checked action.
func (f *Feed) act(ctx context.Context, dev hubproto.Device, req hubproto.ActionRequest) actionAnswer {
	if f.o.Writer == nil {
		return answer(http.StatusServiceUnavailable, hubproto.ErrorCodeUnavailable, "this hub does not write to Exchange")
	}
	actor := "device:" + dev.ID
	now := f.o.Clock()
	r, err := f.db.Room(ctx, req.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return answer(http.StatusNotFound, hubproto.ErrorCodeNotFound, "no such room")
	}
	if err != nil {
		return f.internal(req, err)
	}
	loc, err := r.Location()
	if err != nil {
		loc = time.UTC
	}
	var b room.Booking
	mine := false
	switch req.Kind {
	case hubproto.ActionBook:
		start := now.Truncate(time.Second)
		end := start.Add(time.Duration(req.Minutes) * time.Minute)
		if !req.Until.IsZero() {
			end = req.Until
			if !end.After(start.Add(time.Minute)) || end.After(start.Add(24*time.Hour)) {
				return answer(http.StatusBadRequest, hubproto.ErrorCodeInvalid, "until must lie within the next 24 hours")
			}
		}
		busy, err := f.occupied(ctx, r, loc, start, end, "")
		if err != nil {
			return f.internal(req, err)
		}
		if busy {
			return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "the room is not free for that time")
		}
		subject := req.Subject
		if subject == "" {
			subject = DefaultBookSubject
		}
		if b, err = f.o.Writer.Book(ctx, actor, syncer.BookRequest{RoomID: r.ID, Subject: subject, Start: start, End: end}); err != nil {
			return f.writeFailed(req, err)
		}
		if b.RoomID == "" {
			b.RoomID = r.ID
		}
		mine = true
	case hubproto.ActionExtend, hubproto.ActionEnd, hubproto.ActionCheckIn:
		var a *actionAnswer
		if b, a = f.actionBooking(ctx, req); a != nil {
			return *a
		}
		bz := room.InZone(b, loc)
		end := bz.End
		if !b.ReleasedAt.IsZero() && b.ReleasedAt.Before(end) {
			end = b.ReleasedAt
		}
		if b.Cancelled || !now.Before(end) {
			return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "the booking is over")
		}
		switch req.Kind {
		case hubproto.ActionExtend:
			newEnd := end.Add(time.Duration(req.Minutes) * time.Minute)
			busy, err := f.occupied(ctx, r, loc, end, newEnd, b.ID)
			if err != nil {
				return f.internal(req, err)
			}
			if busy {
				return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "the room is taken after this booking")
			}
			if err := f.o.Writer.Extend(ctx, actor, b.ID, newEnd); err != nil {
				return f.writeFailed(req, err)
			}
			b.End = newEnd
		case hubproto.ActionEnd:
			// Exchange takes whole seconds, and an end at the start would
			// be a cancellation, which is not the kiosk's to make.
			at := now.Truncate(time.Second)
			if !at.After(bz.Start) {
				return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "the booking has not started")
			}
			if err := f.o.Writer.End(ctx, actor, b.ID, at); err != nil {
				return f.writeFailed(req, err)
			}
			b.End = at
		case hubproto.ActionCheckIn:
			if !b.CheckedInAt.IsZero() {
				break // already checked in: the same answer as the first time
			}
			if !room.CanCheckIn(bz, r.Policy, now) {
				return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "check-in is not open for this booking")
			}
			if err := f.checkIn(ctx, actor, b, now); err != nil {
				return f.internal(req, err)
			}
			b.CheckedInAt = now.UTC()
		}
	}
	bv := hubproto.FromBooking(room.Mask(b, r.Policy), mine)
	res := hubproto.ActionResult{OK: true, Booking: &bv}
	// The action went through; the room's new view is a courtesy (the
	// stream brings it too), so failing to read it does not fail the action.
	views, err := f.refresh(ctx, []string{r.ID})
	if err != nil {
		f.o.Logf("server: after %s in %s: %v", req.Kind, r.ID, err)
	} else if v, ok := views[r.ID]; ok {
		res.Room = &v
	}
	return actionAnswer{status: http.StatusOK, result: res}
}

// actionBooking returns the booking the request names, or the answer for
// one that does not exist in the request's room.
func (f *Feed) actionBooking(ctx context.Context, req hubproto.ActionRequest) (room.Booking, *actionAnswer) {
	b, err := f.db.Booking(ctx, req.BookingID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.RoomID != req.RoomID) {
		a := answer(http.StatusNotFound, hubproto.ErrorCodeNotFound, "no such booking in this room")
		return room.Booking{}, &a
	}
	if err != nil {
		a := f.internal(req, err)
		return room.Booking{}, &a
	}
	return b, nil
}

// checkIn records a check-in at the room and audits it. Check-in is the
// hub's own fact: Exchange has no notion of it.
func (f *Feed) checkIn(ctx context.Context, actor string, b room.Booking, now time.Time) error {
	if err := f.db.MarkCheckedIn(ctx, b.ID, now); err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]string{"room": b.RoomID})
	if _, err := f.db.AppendAudit(ctx, store.AuditEntry{At: now, Actor: actor, Action: "booking.check-in", Target: b.ID, Detail: detail}); err != nil {
		f.o.Logf("server: audit check-in %s: %v", b.ID, err)
	}
	return nil
}

// occupied reports whether a booking of r other than except holds the
// room at some time in [from, to), per the cache.
func (f *Feed) occupied(ctx context.Context, r room.Room, loc *time.Location, from, to time.Time, except string) (bool, error) {
	// All-day bookings may be stored as floating dates up to a day off
	// the room's zone, so read a day around the range.
	bs, err := f.db.BookingsBetween(ctx, r.ID, from.Add(-24*time.Hour), to.Add(24*time.Hour))
	if err != nil {
		return false, err
	}
	for _, b := range bs {
		if b.ID == except || b.Cancelled {
			continue
		}
		b = room.InZone(b, loc)
		end := b.End
		if !b.ReleasedAt.IsZero() && b.ReleasedAt.Before(end) {
			end = b.ReleasedAt
		}
		if b.Start.Before(to) && end.After(from) && end.After(b.Start) {
			return true, nil
		}
	}
	return false, nil
}

// writeFailed turns a Writer's error into the device's answer. Messages
// are fixed texts: an error may quote a meeting the device must not see.
func (f *Feed) writeFailed(req hubproto.ActionRequest, err error) actionAnswer {
	var declined *syncer.DeclinedError
	var backOff *syncer.BackOffError
	switch {
	case errors.As(err, &declined):
		return answer(http.StatusConflict, hubproto.ErrorCodeDeclined, "the room declined the booking")
	case errors.Is(err, syncer.ErrConflict):
		return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "the room is taken")
	case errors.Is(err, syncer.ErrNotOrganizer):
		return answer(http.StatusConflict, hubproto.ErrorCodeConflict, "only the organizer can change this meeting")
	case errors.Is(err, syncer.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return answer(http.StatusNotFound, hubproto.ErrorCodeNotFound, "no such booking in this room")
	case errors.Is(err, syncer.ErrTransient):
		a := answer(http.StatusServiceUnavailable, hubproto.ErrorCodeUnavailable, "Exchange cannot be reached now; try again")
		if errors.As(err, &backOff) {
			a.result.Error.RetryAfter = int(math.Ceil(backOff.Delay.Seconds()))
		}
		f.o.Logf("server: %s in %s: %v", req.Kind, req.RoomID, err)
		return a
	}
	return f.internal(req, err)
}

func (f *Feed) internal(req hubproto.ActionRequest, err error) actionAnswer {
	f.o.Logf("server: %s in %s failed: %v", req.Kind, req.RoomID, err)
	return answer(http.StatusInternalServerError, hubproto.ErrorCodeInternal, "the hub failed; see its log")
}
