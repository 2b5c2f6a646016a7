package server

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/ics"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// iCalendar subscription feeds: GET /ical/<token>.ics exports one room's
// cached bookings, masked by core/ics with the room's policy. The token in
// the URL is the credential (calendar clients cannot send headers); the
// hub keeps its hash, and an operator revokes it by deleting or remaking
// the feed.

// The span a feed covers around now: what the cache holds is yesterday …
// +60 days; a little more on each side costs nothing.
const (
	icalPast   = 7 * 24 * time.Hour
	icalFuture = 90 * 24 * time.Hour
)

func (s *Server) getICal(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || len(tok) != tokenLen {
		writeError(w, hubproto.ErrorCodeNotFound, "no such feed")
		return
	}
	ctx := r.Context()
	roomID, err := s.db.ICalFeedRoom(ctx, hashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "no such feed")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	rm, err := s.db.Room(ctx, roomID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	now := s.now()
	from, to := now.Add(-icalPast), now.Add(icalFuture)
	bs, err := s.db.BookingsBetween(ctx, roomID, from, to)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// Rendered into memory first so that a failure is an error status,
	// not a truncated calendar a client might take for a complete one.
	var buf bytes.Buffer
	cal := ics.Calendar{Rooms: []room.Room{rm}, Bookings: bs, From: from, To: to, Stamp: now}
	if err := ics.Write(&buf, cal); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Write(buf.Bytes())
}
