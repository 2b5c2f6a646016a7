package hubtest

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomboard/roomboard/core/hubproto"
)

// out is one message for a stream's writer; close ends the stream after it.
type out struct {
	data  []byte
	close bool
}

type stream struct {
	device string
	conn   *websocket.Conn
	send   chan out
	done   chan struct{}
	once   sync.Once
}

// kill cuts the connection without a close frame.
func (s *stream) kill() {
	s.once.Do(func() { close(s.done) })
	s.conn.Close()
}

// enqueue queues o without blocking; a stream whose queue is full is a
// slow consumer and is cut.
func (s *stream) enqueue(o out) {
	select {
	case s.send <- o:
	default:
		go s.kill()
	}
}

// streamList returns the streams matching keep; the caller holds h.mu.
func (h *Hub) streamList(keep func(*stream) bool) []*stream {
	var ss []*stream
	for s := range h.streams {
		if keep(s) {
			ss = append(ss, s)
		}
	}
	return ss
}

// broadcast queues f for every stream whose device sees roomID; the
// caller holds h.mu.
func (h *Hub) broadcast(roomID string, f hubproto.Frame) {
	h.sendTo(func(s *stream) bool {
		d, ok := h.devices[s.device]
		return ok && visible(d.dev, roomID)
	}, f, false)
}

// sendTo queues f for the matching streams; the caller holds h.mu.
func (h *Hub) sendTo(keep func(*stream) bool, f hubproto.Frame, closeAfter bool) {
	data, _ := json.Marshal(f)
	for _, s := range h.streamList(keep) {
		s.enqueue(out{data: data, close: closeAfter})
	}
}

// backlog returns the frames a device missed since since, each room once
// with its current view; the caller holds h.mu.
func (h *Hub) backlog(d hubproto.Device, since uint64) []hubproto.Frame {
	var fs []hubproto.Frame
	for _, id := range d.Rooms {
		if seq := h.roomSeq[id]; seq > since {
			v := h.rooms[id]
			fs = append(fs, hubproto.Frame{Type: hubproto.FrameRoom, Seq: seq, Room: &v})
		}
		if seq := h.removed[id]; seq > since {
			fs = append(fs, hubproto.Frame{Type: hubproto.FrameRemoved, Seq: seq, RoomID: id})
		}
	}
	slices.SortFunc(fs, func(a, b hubproto.Frame) int { return cmp.Compare(a.Seq, b.Seq) })
	return fs
}

func (h *Hub) getStream(w http.ResponseWriter, r *http.Request) {
	d, ok := h.auth(w, r)
	if !ok {
		return
	}
	since, err := strconv.ParseUint(r.URL.Query().Get(hubproto.SinceParam), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, hubproto.ErrorCodeInvalid, "since must be a sequence number")
		return
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	s := &stream{device: d.ID, conn: conn, send: make(chan out, h.o.SendBuffer), done: make(chan struct{})}
	// Registering and computing the backlog under one lock means no
	// change falls between them, and none is sent twice.
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.Close()
		return
	}
	first := []hubproto.Frame{{Type: hubproto.FrameHello, Seq: h.seq, Hub: ptr(h.info())}}
	epoch := r.URL.Query().Get(hubproto.EpochParam)
	if since < h.floor || since > h.seq || epoch != "" && epoch != h.epoch {
		first = append(first, hubproto.Frame{Type: hubproto.FrameResync, Seq: h.seq})
	} else {
		first = append(first, h.backlog(d, since)...)
	}
	h.streams[s] = struct{}{}
	h.sinces = append(h.sinces, since)
	h.notify()
	h.mu.Unlock()

	go h.read(s)
	h.write(s, first)
	h.mu.Lock()
	delete(h.streams, s)
	h.notify()
	h.mu.Unlock()
}

func ptr[T any](v T) *T { return &v }

// write is the stream's only writer: first frames, then queued ones and
// pings, until the stream ends.
func (h *Hub) write(s *stream, first []hubproto.Frame) {
	defer s.kill()
	const writeWait = 10 * time.Second
	for _, f := range first {
		s.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := s.conn.WriteJSON(f); err != nil {
			return
		}
	}
	ping := time.NewTicker(h.o.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-s.done:
			return
		case o := <-s.send:
			s.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := s.conn.WriteMessage(websocket.TextMessage, o.data); err != nil {
				return
			}
			if o.close {
				s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "revoked"), time.Now().Add(writeWait))
				return
			}
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		}
	}
}

// read takes the device's health reports until the stream ends.
func (h *Hub) read(s *stream) {
	defer s.kill()
	s.conn.SetReadLimit(hubproto.MaxClientBytes)
	for {
		_, data, err := s.conn.ReadMessage()
		if err != nil {
			return
		}
		m, err := hubproto.DecodeClientMessage(data)
		if err != nil {
			if errors.Is(err, hubproto.ErrTooLarge) {
				return
			}
			continue
		}
		h.mu.Lock()
		if d, ok := h.devices[s.device]; ok && m.Report != nil {
			rep := *m.Report
			d.dev.Health = &rep
			d.dev.Version = rep.Version
			d.dev.LastSeen = h.o.Now().UTC()
		}
		h.notify()
		h.mu.Unlock()
	}
}
