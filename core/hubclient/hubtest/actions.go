package hubtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

// FailNext makes the next new (not repeated) actions fail with these error
// codes, one each (hubproto.ErrorCodeConflict, ErrorCodeDeclined, ...).
func (h *Hub) FailNext(codes ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failNext = append(h.failNext, codes...)
}

// DropNextAnswers makes the hub carry out the next n new actions and then
// lose their answers: the connection closes before the response.
func (h *Hub) DropNextAnswers(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropNext += n
}

// ActionStats returns how many action requests arrived and how many were
// carried out (repeats of a RequestID are answered, not carried out).
func (h *Hub) ActionStats() (requests, executed int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests, h.executed
}

func (h *Hub) postAction(w http.ResponseWriter, r *http.Request) {
	d, ok := h.auth(w, r)
	if !ok {
		return
	}
	req, err := hubproto.DecodeActionRequest(http.MaxBytesReader(w, r.Body, hubproto.MaxClientBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, hubproto.ErrorCodeInvalid, err.Error())
		return
	}
	// As the real hub does: a repeated RequestID must repeat the action.
	fp := fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d\x00%s", req.Kind, req.RoomID, req.BookingID, req.Minutes, req.Until.UnixMicro(), req.Subject)
	h.mu.Lock()
	h.requests++
	key := d.ID + "\x00" + req.RequestID
	a, seen := h.answers[key]
	if seen && a.fingerprint != fp {
		h.mu.Unlock()
		body, _ := json.Marshal(hubproto.ActionResult{RequestID: req.RequestID,
			Error: &hubproto.Error{Code: hubproto.ErrorCodeInvalid, Message: "requestId already used for another action"}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
		return
	}
	drop := false
	if !seen {
		a = h.act(d, req)
		a.fingerprint = fp
		// Answers that guarantee nothing happened are forgotten, so a
		// retry acts.
		if a.status != http.StatusServiceUnavailable && a.status != http.StatusInternalServerError {
			h.answers[key] = a
		}
		if h.dropNext > 0 {
			h.dropNext--
			drop = true
		}
	}
	h.notify()
	h.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(hubproto.RequestIDHdr, req.RequestID)
	w.WriteHeader(a.status)
	w.Write(a.body)
}

var errorStatus = map[string]int{
	hubproto.ErrorCodeConflict:    http.StatusConflict,
	hubproto.ErrorCodeDeclined:    http.StatusConflict,
	hubproto.ErrorCodeForbidden:   http.StatusForbidden,
	hubproto.ErrorCodeNotFound:    http.StatusNotFound,
	hubproto.ErrorCodeInvalid:     http.StatusBadRequest,
	hubproto.ErrorCodeUnavailable: http.StatusServiceUnavailable,
}

// act carries out req for d and returns the answer to keep for repeats;
// the caller holds h.mu.
func (h *Hub) act(d hubproto.Device, req hubproto.ActionRequest) answer {
	fail := func(code, msg string) answer {
		body, _ := json.Marshal(hubproto.ActionResult{RequestID: req.RequestID, Error: &hubproto.Error{Code: code, Message: msg}})
		return answer{status: cmp.Or(errorStatus[code], http.StatusInternalServerError), body: body}
	}
	if len(h.failNext) > 0 {
		code := h.failNext[0]
		h.failNext = h.failNext[1:]
		return fail(code, "injected by hubtest")
	}
	if !visible(d, req.RoomID) {
		return fail(hubproto.ErrorCodeForbidden, "the device does not cover this room")
	}
	v, ok := h.rooms[req.RoomID]
	if !ok {
		return fail(hubproto.ErrorCodeNotFound, "no such room")
	}
	now := h.o.Now().UTC().Truncate(time.Second)
	bs := slices.Clone(v.Bookings)
	find := func() int {
		return slices.IndexFunc(bs, func(b hubproto.BookingView) bool { return b.ID == req.BookingID })
	}
	overlaps := func(start, end time.Time, except string) bool {
		return slices.ContainsFunc(bs, func(b hubproto.BookingView) bool {
			return b.ID != except && b.ReleasedAt.IsZero() && b.Start.Before(end) && start.Before(b.End)
		})
	}
	var i int
	switch req.Kind {
	case hubproto.ActionBook:
		end := now.Add(time.Duration(req.Minutes) * time.Minute)
		if !req.Until.IsZero() {
			end = req.Until.UTC()
		}
		if !end.After(now) || overlaps(now, end, "") {
			return fail(hubproto.ErrorCodeConflict, "the room is not free until then")
		}
		h.nextID++
		bs = append(bs, hubproto.BookingView{ID: "bk-" + strconv.Itoa(h.nextID), Subject: req.Subject, Organizer: d.Name,
			Start: now, End: end, Mine: true})
		slices.SortFunc(bs, func(a, b hubproto.BookingView) int { return a.Start.Compare(b.Start) })
		i = slices.IndexFunc(bs, func(b hubproto.BookingView) bool { return b.ID == "bk-"+strconv.Itoa(h.nextID) })
	case hubproto.ActionExtend, hubproto.ActionEnd, hubproto.ActionCheckIn:
		if i = find(); i < 0 {
			return fail(hubproto.ErrorCodeNotFound, "no such booking")
		}
		b := &bs[i]
		switch req.Kind {
		case hubproto.ActionExtend:
			end := b.End.Add(time.Duration(req.Minutes) * time.Minute)
			if overlaps(b.End, end, b.ID) {
				return fail(hubproto.ErrorCodeConflict, "the next booking starts earlier")
			}
			b.End = end
		case hubproto.ActionEnd:
			if !b.Start.Before(now) || !now.Before(b.End) {
				return fail(hubproto.ErrorCodeConflict, "the booking is not running")
			}
			b.End = now
		case hubproto.ActionCheckIn:
			if !b.CheckedInAt.IsZero() {
				return fail(hubproto.ErrorCodeConflict, "already checked in")
			}
			b.CheckedInAt = now
		}
	}
	h.executed++
	v.Bookings = bs
	h.seq++
	h.rooms[v.ID] = v
	h.roomSeq[v.ID] = h.seq
	vv := v
	h.broadcast(v.ID, hubproto.Frame{Type: hubproto.FrameRoom, Seq: h.seq, Room: &vv})
	b := bs[i]
	body, _ := json.Marshal(hubproto.ActionResult{RequestID: req.RequestID, OK: true, Booking: &b, Room: &vv})
	return answer{status: http.StatusOK, body: body}
}
