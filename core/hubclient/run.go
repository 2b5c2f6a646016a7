package hubclient

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomboard/roomboard/core/hubproto"
)

// touchEvery is how often a quiet but live stream marks the cache as
// current, so the age shown after a restart is close to the truth without
// a write per ping.
const touchEvery = time.Minute

// State is what a device knows at one moment. Run delivers a new value
// for every change; a State is never modified afterwards, and its callers
// must not modify it (its slices are shared with later States).
type State struct {
	// Rooms are the device's rooms, sorted by name, then ID.
	Rooms []hubproto.RoomView
	// Seq is the sequence number of the last applied change.
	Seq uint64
	// Epoch is the hub's epoch (Hub.Epoch) the sequence numbers belong to.
	Epoch  string
	Hub    hubproto.HubInfo
	Device hubproto.Device
	// Online is set while the data is live from the hub; otherwise it comes
	// from the cache or from before a disconnect.
	Online bool
	// Since is when the data was last known current: the last contact with
	// the hub. Its age is what an offline kiosk shows.
	Since time.Time
	// LastError is why the client is offline, nil when it is not.
	LastError error
}

// Room returns the room with the given ID.
func (s State) Room(id string) (hubproto.RoomView, bool) {
	for _, r := range s.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return hubproto.RoomView{}, false
}

// Age is how old the data is at now; zero when online.
func (s State) Age(now time.Time) time.Duration {
	if s.Online || s.Since.IsZero() {
		return 0
	}
	return max(now.Sub(s.Since), 0)
}

// backoff yields exponential delays with full jitter: a uniform random
// duration in [0, min(max, base·2ⁿ)], so that kiosks a hub restart cut off
// together do not come back together.
type backoff struct {
	base, max time.Duration
	n         int
}

func (b *backoff) next() time.Duration {
	d := b.max
	if b.n < 32 {
		if e := b.base << b.n; e > 0 && e < b.max {
			d = e
		}
	}
	b.n++
	return rand.N(d + 1)
}

func (b *backoff) reset() { b.n = 0 }

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// Run keeps the device's state current and calls onState with every new
// State, from Run's goroutine (onState should return quickly). It first
// delivers the cached state, marked offline with its age, then takes a
// snapshot and follows the stream; after a disconnect it reconnects with
// backoff and resumes with since=Seq, and takes a new snapshot when the hub
// asks for one or its epoch changes. Every applied change is saved to the
// cache. Run returns ctx.Err() when ctx ends, and an error matching
// ErrRevoked when the hub refuses the token.
func (c *Client) Run(ctx context.Context, onState func(State)) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	r := &runner{c: c, onState: onState, rooms: map[string]hubproto.RoomView{},
		backoff: backoff{base: c.o.BackoffBase, max: c.o.BackoffMax}}
	r.loadCache(ctx)
	return r.loop(ctx)
}

// runner is the state of one Run; only Run's goroutine touches it.
type runner struct {
	c       *Client
	onState func(State)
	backoff backoff

	rooms   map[string]hubproto.RoomView
	seq     uint64
	hub     hubproto.HubInfo
	device  hubproto.Device
	online  bool
	since   time.Time
	lastErr error

	lastTouch time.Time
}

func (r *runner) loadCache(ctx context.Context) {
	if r.c.o.Cache == nil {
		return
	}
	s, err := r.c.o.Cache.Load(ctx)
	if err != nil {
		r.c.o.Logf("hubclient: load cache: %v", err)
		return
	}
	if s.GeneratedAt.IsZero() {
		return
	}
	r.setSnapshot(s)
	r.since = s.GeneratedAt
	r.deliver()
}

func (r *runner) setSnapshot(s hubproto.Snapshot) {
	clear(r.rooms)
	for _, v := range s.Rooms {
		r.rooms[v.ID] = v
	}
	r.hub, r.device = s.Hub, s.Device
	r.setSeq(s.Seq)
}

func (r *runner) setSeq(seq uint64) {
	r.seq = seq
	r.c.mu.Lock()
	r.c.seq = seq
	r.c.mu.Unlock()
}

// deliver hands a fresh State to onState.
func (r *runner) deliver() {
	rooms := make([]hubproto.RoomView, 0, len(r.rooms))
	for _, v := range r.rooms {
		rooms = append(rooms, v)
	}
	slices.SortFunc(rooms, func(a, b hubproto.RoomView) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	r.onState(State{Rooms: rooms, Seq: r.seq, Epoch: r.hub.Epoch, Hub: r.hub, Device: r.device,
		Online: r.online, Since: r.since, LastError: r.lastErr})
}

// contact notes that the hub was heard from, touching the cache now and
// then.
func (r *runner) contact(ctx context.Context) {
	now := r.c.now()
	r.since = now
	if r.c.o.Cache != nil && now.Sub(r.lastTouch) >= touchEvery {
		r.lastTouch = now
		if err := r.c.o.Cache.Touch(ctx); err != nil {
			r.c.o.Logf("hubclient: touch cache: %v", err)
		}
	}
}

func (r *runner) loop(ctx context.Context) error {
	needSnapshot := true
	resyncs := 0
	for {
		var err error
		if needSnapshot {
			err = r.snapshot(ctx)
		}
		if err == nil {
			needSnapshot = false
			err = r.stream(ctx)
		}
		if ctx.Err() != nil {
			r.touchOnExit(ctx)
			return ctx.Err()
		}
		if errors.Is(err, ErrRevoked) {
			r.offline(ctx, err)
			return err
		}
		if errors.Is(err, errResync) {
			needSnapshot = true
			// The first resync is served at once; a hub that keeps asking
			// gets the usual backoff.
			if resyncs++; resyncs == 1 {
				r.c.o.Logf("%v", err)
				continue
			}
		} else {
			resyncs = 0
		}
		r.c.o.Logf("%v", err)
		r.offline(ctx, err)
		d := r.backoff.next()
		var herr *hubproto.Error
		if errors.As(err, &herr) && herr.RetryAfter > 0 {
			d = max(d, secs(herr.RetryAfter))
		}
		if err := wait(ctx, d); err != nil {
			return err
		}
	}
}

// offline marks the data as no longer live and tells the caller why.
func (r *runner) offline(ctx context.Context, err error) {
	if r.c.o.Cache != nil && r.online {
		if terr := r.c.o.Cache.Touch(ctx); terr != nil {
			r.c.o.Logf("hubclient: touch cache: %v", terr)
		}
	}
	r.online, r.lastErr = false, err
	if len(r.rooms) > 0 || r.hub.Epoch != "" {
		r.deliver()
	}
}

// touchOnExit records the last contact when Run is stopped while online,
// so the next start shows the right age.
func (r *runner) touchOnExit(ctx context.Context) {
	if r.c.o.Cache == nil || !r.online {
		return
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := r.c.o.Cache.Touch(tctx); err != nil {
		r.c.o.Logf("hubclient: touch cache: %v", err)
	}
}

// snapshot replaces the state with a new snapshot from the hub.
func (r *runner) snapshot(ctx context.Context) error {
	s, err := r.c.Snapshot(ctx)
	if err != nil {
		return err
	}
	r.setSnapshot(s)
	r.online, r.lastErr = true, nil
	r.contact(ctx)
	if r.c.o.Cache != nil {
		if err := r.c.o.Cache.SaveSnapshot(ctx, s); err != nil {
			r.c.o.Logf("hubclient: save snapshot: %v", err)
		} else {
			r.lastTouch = r.c.now()
		}
	}
	r.deliver()
	return nil
}

// dial opens the stream from since, which belongs to epoch (empty when
// unknown); a hub in another epoch answers with a resync.
func (c *Client) dial(ctx context.Context, since uint64, epoch string) (*websocket.Conn, error) {
	u := *c.base
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	u.Path += hubproto.PathStream
	q := url.Values{hubproto.SinceParam: {strconv.FormatUint(since, 10)}}
	if epoch != "" {
		q.Set(hubproto.EpochParam, epoch)
	}
	u.RawQuery = q.Encode()
	h := http.Header{hubproto.AuthHeader: {hubproto.BearerPrefix + c.Token()}}
	if c.o.Version != "" {
		h.Set("User-Agent", "roomboard/"+c.o.Version)
	}
	conn, resp, err := c.dialer.DialContext(ctx, u.String(), h)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, fmt.Errorf("hubclient: open stream: %w", statusError(resp.StatusCode, hubproto.DecodeError(resp.Body, resp.StatusCode)))
		}
		return nil, fmt.Errorf("hubclient: open stream: %w", err)
	}
	return conn, nil
}

// stream follows the stream until it fails; it always returns an error.
func (r *runner) stream(ctx context.Context) error {
	c := r.c
	conn, err := c.dial(ctx, r.seq, r.hub.Epoch)
	if err != nil {
		return err
	}
	// Closing the connection is what interrupts a blocked read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
	}()

	conn.SetReadLimit(hubproto.MaxFrameBytes)
	alive := func() { conn.SetReadDeadline(time.Now().Add(c.o.PongWait)) }
	alive()
	conn.SetPingHandler(func(data string) error {
		alive()
		r.contact(ctx)
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.o.WriteWait))
		var ne net.Error
		if errors.Is(err, websocket.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	closeWith := func(code int, text string) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(c.o.WriteWait))
	}

	hello := false
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has already sent close 1009.
				return fmt.Errorf("hubclient: stream: %w: frame over %d bytes", hubproto.ErrTooLarge, hubproto.MaxFrameBytes)
			}
			return fmt.Errorf("hubclient: stream: %w", err)
		}
		alive()
		if typ != websocket.TextMessage {
			c.o.Logf("hubclient: stream: ignoring a binary message of %d bytes", len(data))
			continue
		}
		f, err := hubproto.DecodeFrame(data)
		if err != nil {
			// A frame that cannot be read may have changed a room; only a
			// new snapshot is sure to cover it.
			closeWith(websocket.CloseInvalidFramePayloadData, "bad frame")
			return fmt.Errorf("hubclient: stream: %w: %w", errResync, err)
		}
		if !hello && f.Type != hubproto.FrameHello {
			closeWith(websocket.CloseProtocolError, "no hello")
			return fmt.Errorf("hubclient: stream: %w: %q frame before hello", errResync, f.Type)
		}
		switch f.Type {
		case hubproto.FrameHello:
			// An epoch either side does not know is no evidence of a
			// restart.
			if f.Hub != nil && f.Hub.Epoch != "" && r.hub.Epoch != "" && f.Hub.Epoch != r.hub.Epoch {
				closeWith(websocket.CloseNormalClosure, "")
				return fmt.Errorf("hubclient: stream: %w: hub epoch changed from %q to %q", errResync, r.hub.Epoch, f.Hub.Epoch)
			}
			if f.Seq < r.seq {
				closeWith(websocket.CloseNormalClosure, "")
				return fmt.Errorf("hubclient: stream: %w: hub is at %d, behind our %d", errResync, f.Seq, r.seq)
			}
			if f.Hub != nil {
				h := *f.Hub
				h.Epoch = cmp.Or(h.Epoch, r.hub.Epoch)
				r.hub = h
			}
			hello = true
			r.backoff.reset()
			r.online, r.lastErr = true, nil
			r.contact(ctx)
			r.deliver()
		case hubproto.FrameRoom, hubproto.FrameRemoved:
			if f.Seq <= r.seq {
				c.o.Logf("hubclient: stream: ignoring %s frame %d, already at %d", f.Type, f.Seq, r.seq)
				continue
			}
			r.apply(ctx, f)
		case hubproto.FrameResync:
			closeWith(websocket.CloseNormalClosure, "")
			return fmt.Errorf("hubclient: stream: %w: the hub asked for it", errResync)
		case hubproto.FrameRevoked:
			closeWith(websocket.CloseNormalClosure, "")
			return fmt.Errorf("%w: the hub sent a revoked frame", ErrRevoked)
		}
	}
}

// apply applies a room or removed frame newer than the state, saves it and
// delivers the new state. Gaps in the sequence are normal: the hub sends a
// room changed several times once, and skips rooms the device cannot see.
func (r *runner) apply(ctx context.Context, f hubproto.Frame) {
	cache := r.c.o.Cache
	var err error
	if f.Type == hubproto.FrameRoom {
		r.rooms[f.Room.ID] = *f.Room
		if cache != nil {
			err = cache.SaveRoom(ctx, *f.Room, f.Seq)
		}
	} else {
		delete(r.rooms, f.RoomID)
		if cache != nil {
			err = cache.RemoveRoom(ctx, f.RoomID, f.Seq)
		}
	}
	if err != nil {
		r.c.o.Logf("hubclient: save frame %d: %v", f.Seq, err)
	} else if cache != nil {
		r.lastTouch = r.c.now()
	}
	r.setSeq(f.Seq)
	r.since = r.c.now()
	r.deliver()
}

// Report sends a device health report over the open stream. It fills
// LastSeq and ClientNow when they are zero. It returns ErrNotConnected when
// Run has no stream open.
func (c *Client) Report(ctx context.Context, rep hubproto.Report) error {
	c.mu.Lock()
	conn, seq := c.conn, c.seq
	c.mu.Unlock()
	if conn == nil {
		return ErrNotConnected
	}
	if rep.LastSeq == 0 {
		rep.LastSeq = seq
	}
	if rep.ClientNow.IsZero() {
		rep.ClientNow = c.now()
	}
	data, err := json.Marshal(hubproto.ClientMessage{Type: hubproto.MsgReport, Report: &rep})
	if err != nil {
		return fmt.Errorf("hubclient: report: %w", err)
	}
	if len(data) > hubproto.MaxClientBytes {
		return fmt.Errorf("hubclient: report: %w: %d bytes", hubproto.ErrTooLarge, len(data))
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	deadline := time.Now().Add(c.o.WriteWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetWriteDeadline(deadline)
	if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("hubclient: report: %w", err)
	}
	return nil
}
