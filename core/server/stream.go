package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/roomboard/roomboard/core/hubproto"
)

// Close codes the stream ends with.
const (
	closeNormal    = websocket.CloseNormalClosure   // revoked, resync, replaced
	closeGoingAway = websocket.CloseGoingAway       // the hub stops; reconnect
	closePolicy    = websocket.ClosePolicyViolation // a malformed client message
	closeTooBig    = websocket.CloseMessageTooBig   // a client message over MaxClientBytes
	closeTooSlow   = websocket.CloseTryAgainLater   // evicted: the device did not keep up
	closeNoPong    = websocket.CloseAbnormalClosure // marker only: nothing is sent
	reportGap      = time.Second                    // reports closer together are dropped
	maxLoggedError = 200                            // bytes of a client's bad input quoted in logs
)

// writeBuffers is shared by all streams: an idle stream holds no write
// buffer, which matters with thousands of kiosks.
var writeBuffers sync.Pool

// outFrame is one encoded frame on its way to a connection; seq is zero
// for frames outside the sequence (hello).
type outFrame struct {
	seq  uint64
	data []byte
}

// streamConn is one device's WebSocket stream. Its writer runs in the
// handler's goroutine and its reader in another; stop ends both.
type streamConn struct {
	f     *Feed
	dev   hubproto.Device
	rooms []string // dev.Rooms without duplicates
	ws    *websocket.Conn

	queue   chan outFrame // live frames, bounded by SendBuffer
	backlog []outFrame    // hello and the resume, written before queue; writer only

	once   sync.Once
	done   chan struct{} // closed by stop
	code   int           // close code sent after done; zero sends none
	reason string
	final  []byte // a frame written after done, before the close frame
}

// stop ends the stream: the writer writes final (if any) and a close frame
// with code (if non-zero), then closes the connection. Only the first
// call counts. It never blocks.
func (c *streamConn) stop(code int, reason string, final []byte) {
	c.once.Do(func() {
		c.code, c.reason, c.final = code, reason, final
		close(c.done)
	})
}

// sendLocked queues fr for c, or evicts c when its queue is full, so a
// slow device never holds up the others. f.mu is held.
func (f *Feed) sendLocked(c *streamConn, fr outFrame) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.queue <- fr:
	default:
		f.evictions.Add(1)
		f.dropLocked(c)
		f.o.Logf("server: stream of device %s evicted: %d frames waiting", c.dev.ID, cap(c.queue))
		c.stop(closeTooSlow, "too slow", nil)
	}
}

// dropLocked forgets c, so no further frame is queued for it. f.mu is held.
func (f *Feed) dropLocked(c *streamConn) {
	for _, id := range c.rooms {
		if set := f.byRoom[id]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(f.byRoom, id)
			}
		}
	}
	cs := slices.DeleteFunc(f.byDev[c.dev.ID], func(o *streamConn) bool { return o == c })
	if len(cs) == 0 {
		delete(f.byDev, c.dev.ID)
	} else {
		f.byDev[c.dev.ID] = cs
	}
}

// sameOrigin accepts requests without an Origin header (native kiosks)
// and browsers on the hub's own origin; it refuses every other page, which
// could otherwise ride on a kiosk's token.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Values("Origin")
	if len(origin) == 0 {
		return true
	}
	u, err := url.Parse(origin[0])
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// ServeStream upgrades the request to the device's WebSocket stream. The
// query parameter since (hubproto.SinceParam) resumes after that sequence
// number, and epoch (hubproto.EpochParam) names the epoch it belongs to.
// The first frame is hello; then come, in sequence order, the current view
// of every room of the device numbered above since, then live frames. A
// since beyond the hub's last number or another epoch gets a resync frame
// instead, and the stream ends.
func (f *Feed) ServeStream(w http.ResponseWriter, r *http.Request, dev hubproto.Device) {
	if r.Method != http.MethodGet {
		writeFeedError(w, http.StatusMethodNotAllowed, hubproto.ErrorCodeInvalid, "the stream needs GET")
		return
	}
	q := r.URL.Query()
	var since uint64
	if s := q.Get(hubproto.SinceParam); s != "" {
		var err error
		if since, err = strconv.ParseUint(s, 10, 64); err != nil {
			writeFeedError(w, http.StatusBadRequest, hubproto.ErrorCodeInvalid, "since must be a sequence number")
			return
		}
	}
	epoch := q.Get(hubproto.EpochParam)
	if !sameOrigin(r) {
		writeFeedError(w, http.StatusForbidden, hubproto.ErrorCodeForbidden, "cross-origin stream refused")
		return
	}
	up := websocket.Upgrader{
		HandshakeTimeout: f.o.WriteWait,
		ReadBufferSize:   1024,
		WriteBufferSize:  4096,
		WriteBufferPool:  &writeBuffers,
		CheckOrigin:      sameOrigin,
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered with an HTTP error already.
		return
	}
	c := &streamConn{f: f, dev: dev, ws: ws, queue: make(chan outFrame, f.o.SendBuffer), done: make(chan struct{})}
	for _, id := range dev.Rooms {
		if !slices.Contains(c.rooms, id) {
			c.rooms = append(c.rooms, id)
		}
	}
	replaced := f.register(c, since, epoch)
	for _, o := range replaced {
		o.stop(closeNormal, "replaced by a newer stream", nil)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		c.readLoop()
	}()
	c.writeLoop()
	f.mu.Lock()
	f.dropLocked(c)
	f.mu.Unlock()
	c.stop(0, "", nil)
	<-readDone
}

// register prepares c's backlog and subscribes it to its rooms, all under
// f.mu: a change numbered before is in the backlog, one numbered after
// reaches the queue, so nothing falls between resume and live frames. It
// returns the device's oldest streams beyond maxStreamsPerDevice, which
// the caller closes.
func (f *Feed) register(c *streamConn, since uint64, epoch string) (replaced []*streamConn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	hub := f.hub
	c.backlog = []outFrame{{data: encodeFrame(hubproto.Frame{Type: hubproto.FrameHello, Seq: f.seq, Hub: &hub})}}
	if f.closed {
		c.stop(closeGoingAway, "hub shutting down", nil)
		return nil
	}
	if (epoch != "" && epoch != f.epoch) || since > f.seq {
		c.stop(closeNormal, "resync", encodeFrame(hubproto.Frame{Type: hubproto.FrameResync, Seq: f.seq}))
		return nil
	}
	var resume []outFrame
	for _, id := range c.rooms {
		if rs := f.rooms[id]; rs != nil && rs.seq > since && rs.frame != nil {
			resume = append(resume, outFrame{seq: rs.seq, data: rs.frame})
		}
	}
	slices.SortFunc(resume, func(a, b outFrame) int {
		if a.seq < b.seq {
			return -1
		}
		return 1 // numbers are unique
	})
	c.backlog = append(c.backlog, resume...)
	for _, id := range c.rooms {
		set := f.byRoom[id]
		if set == nil {
			set = make(map[*streamConn]struct{})
			f.byRoom[id] = set
		}
		set[c] = struct{}{}
	}
	f.byDev[c.dev.ID] = append(f.byDev[c.dev.ID], c)
	for len(f.byDev[c.dev.ID]) > maxStreamsPerDevice {
		oldest := f.byDev[c.dev.ID][0]
		replaced = append(replaced, oldest)
		f.dropLocked(oldest)
	}
	return replaced
}

// writeLoop writes the backlog, then queued frames and pings, until stop
// or a failed write; then the final frame and the close frame. It closes
// the connection when it returns.
func (c *streamConn) writeLoop() {
	f := c.f
	defer c.ws.Close()
	var last uint64 // highest sequence number written
	write := func(fr outFrame) bool {
		if fr.seq != 0 && fr.seq <= last {
			return true // already sent with the backlog
		}
		c.ws.SetWriteDeadline(time.Now().Add(f.o.WriteWait))
		if err := c.ws.WriteMessage(websocket.TextMessage, fr.data); err != nil {
			c.stop(0, "", nil)
			return false
		}
		f.framesSent.Add(1)
		last = max(last, fr.seq)
		return true
	}
	if !c.writeBacklog(write) {
		return
	}
	ping := time.NewTicker(f.o.PingInterval)
	defer ping.Stop()
	for open := true; open; {
		select {
		case <-c.done:
			open = false
		case fr := <-c.queue:
			if !write(fr) {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(f.o.WriteWait)); err != nil {
				c.stop(0, "", nil)
				return
			}
		}
	}
	c.closeWrite()
}

// writeBacklog writes hello and then the resume, checking for stop between
// frames; it reports false when the stream is over.
func (c *streamConn) writeBacklog(write func(outFrame) bool) bool {
	for i, fr := range c.backlog {
		if i > 0 {
			select {
			case <-c.done:
				c.closeWrite()
				return false
			default:
			}
		}
		if !write(fr) {
			return false
		}
	}
	c.backlog = nil
	select {
	case <-c.done:
		c.closeWrite()
		return false
	default:
		return true
	}
}

// closeWrite sends the final frame and the close frame that stop asked for.
func (c *streamConn) closeWrite() {
	deadline := time.Now().Add(c.f.o.WriteWait)
	if c.final != nil {
		c.ws.SetWriteDeadline(deadline)
		if err := c.ws.WriteMessage(websocket.TextMessage, c.final); err != nil {
			return
		}
		c.f.framesSent.Add(1)
	}
	if c.code != 0 && c.code != closeNoPong {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.reason), deadline)
	}
}

// readLoop reads client messages until the connection fails: health
// reports go to OnReport, anything malformed ends the stream with a policy
// violation, and a device silent (not even a pong) for PongWait is
// dropped.
func (c *streamConn) readLoop() {
	f := c.f
	c.ws.SetReadLimit(hubproto.MaxClientBytes)
	extend := func() { c.ws.SetReadDeadline(time.Now().Add(f.o.PongWait)) }
	extend()
	c.ws.SetPongHandler(func(string) error { extend(); return nil })
	var lastReport time.Time
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				f.o.Logf("server: stream of device %s: message over %d bytes, closing", c.dev.ID, hubproto.MaxClientBytes)
				c.stop(closeTooBig, "message too large", nil)
			case errors.As(err, &ce):
				c.stop(closeNormal, "", nil) // the device said goodbye
			default:
				c.stop(closeNoPong, "", nil) // gone or silent: nobody to tell
			}
			return
		}
		extend()
		if mt != websocket.TextMessage {
			f.o.Logf("server: stream of device %s: binary message, closing", c.dev.ID)
			c.stop(closePolicy, "text messages only", nil)
			return
		}
		m, err := hubproto.DecodeClientMessage(data)
		if err != nil {
			msg := err.Error()
			if len(msg) > maxLoggedError {
				msg = msg[:maxLoggedError] + "…"
			}
			f.o.Logf("server: stream of device %s: malformed message, closing: %s", c.dev.ID, strconv.Quote(msg))
			c.stop(closePolicy, "malformed message", nil)
			return
		}
		if m.Type == hubproto.MsgReport && f.o.OnReport != nil {
			// A report is a snapshot of the device's health: dropping one
			// of a burst loses nothing, and the store is spared a flood.
			if now := time.Now(); now.Sub(lastReport) >= reportGap {
				lastReport = now
				f.o.OnReport(c.dev.ID, *m.Report)
			}
		}
	}
}
