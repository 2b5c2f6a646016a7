package server

// The live feed: how the hub turns room changes on the bus into numbered
// frames for the devices that may see those rooms.
//
// Every change of a room gets the next number of one global sequence, and
// the number is committed to the store (store.AdvanceFeed) before any
// device hears of it. The feed keeps only each room's latest view and
// number, so a device that resumes with since=S is sent, in order, the
// current view of each of its rooms numbered above S: a room that changed
// twice while the device was away is sent once, with its latest number,
// and nothing is lost or repeated across restarts or a SIGKILL of the hub.
// A hash of each view is stored with its number; at start and every few
// minutes the feed rebuilds every view and numbers the ones whose hash
// differs, which covers changes the bus never told it of (a hub killed
// between a sync and its event, a new day moving the horizon).

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// Writer makes kiosk actions and auto-releases happen in the calendar
// source. *syncer.Syncer implements it; tests use fakes.
type Writer interface {
	Book(ctx context.Context, actor string, r syncer.BookRequest) (room.Booking, error)
	Extend(ctx context.Context, actor, id string, end time.Time) error
	End(ctx context.Context, actor, id string, at time.Time) error
	Release(ctx context.Context, actor, id string) error
}

// FeedOptions configure a Feed. DB is required; zero durations and sizes
// take the documented defaults.
type FeedOptions struct {
	DB *store.DB
	// Bus delivers syncer.RoomChanged and syncer.MailboxHealth; nil means
	// the feed only notices changes on its periodic rescan and its own
	// actions.
	Bus *bus.Bus
	// Writer carries out actions and auto-releases; nil refuses actions
	// with ErrorCodeUnavailable and turns auto-release off.
	Writer Writer
	// Clock is the time views, actions and auto-release run on; nil means
	// time.Now.
	Clock func() time.Time
	// Horizon is how far bookings are sent, from the start of the room's
	// local day; zero means DefaultHorizon.
	Horizon time.Duration
	// HubInfo describes the hub to clients; its Epoch is replaced by the
	// store's.
	HubInfo hubproto.HubInfo
	// OnReport receives devices' health reports from the stream; nil
	// drops them.
	OnReport func(deviceID string, r hubproto.Report)
	// Logf receives diagnostics; nil means log.Printf.
	Logf func(format string, args ...any)
	// PingInterval, PongWait and WriteWait bound a stream: a ping every
	// PingInterval, a connection without any message or pong for PongWait
	// is closed, and one write may take WriteWait.
	PingInterval, PongWait, WriteWait time.Duration
	// SendBuffer is how many frames may wait for one connection before
	// the device is evicted as too slow.
	SendBuffer int
}

// Defaults of FeedOptions and the feed's fixed rhythms.
const (
	// DefaultHorizon is how far ahead a view's bookings reach.
	DefaultHorizon = 7 * 24 * time.Hour
	// DefaultPingInterval is how often a stream is pinged.
	DefaultPingInterval = 20 * time.Second
	// DefaultPongWait is how long a silent device keeps its stream.
	DefaultPongWait = 45 * time.Second
	// DefaultWriteWait bounds one write to a device.
	DefaultWriteWait = 10 * time.Second
	// DefaultSendBuffer is how many frames may wait for a device.
	DefaultSendBuffer = 256
	// ReleaseInterval is how often auto-release looks for bookings nobody
	// checked in to.
	ReleaseInterval = 30 * time.Second
	// rescanRounds is how many release rounds pass between two rebuilds
	// of every view (5 minutes).
	rescanRounds = 10
	// busBuffer is the pending RoomChanged events the feed's subscription
	// holds before the bus coalesces them; a lost event triggers a rescan.
	busBuffer = 4096
	// maxStreamsPerDevice bounds one device's open streams; a further one
	// replaces the oldest, which is usually a half-open connection of a
	// kiosk that rebooted.
	maxStreamsPerDevice = 4
)

// FeedStats are the feed's counters, for /metrics.
type FeedStats struct {
	Connections int    // open streams
	FramesSent  uint64 // frames written to streams since start
	Evictions   uint64 // streams closed because their device read too slowly
	LastSeq     uint64 // last sequence number handed out
	Epoch       string
	Rooms       int    // rooms in the feed, removed ones excluded
	Released    uint64 // bookings auto-released since start
	ReleaseErrs uint64 // failed auto-release attempts (retried next round)
}

// Feed serves devices their rooms' live state: snapshots, the numbered
// WebSocket stream, actions and auto-release. Create it with NewFeed and
// run it with Run; the Serve methods may be used as soon as NewFeed
// returns.
type Feed struct {
	o     FeedOptions
	db    *store.DB
	epoch string
	hub   hubproto.HubInfo

	changes *bus.Subscription[syncer.RoomChanged]   // nil without a bus
	health  *bus.Subscription[syncer.MailboxHealth] // nil without a bus

	// seqMu serialises refresh: reading views, numbering them and fanning
	// them out happen for one batch at a time, so frames leave in
	// sequence order.
	seqMu sync.Mutex

	mu     sync.Mutex
	seq    uint64                              // last number handed out; guarded by mu
	rooms  map[string]*roomState               // guarded by mu
	byRoom map[string]map[*streamConn]struct{} // guarded by mu
	byDev  map[string][]*streamConn            // oldest first; guarded by mu
	closed bool                                // Run has ended; guarded by mu

	framesSent, evictions, released, releaseErrs atomic.Uint64

	actions *actionCache
	release releaseState
	// releaseEvery is ReleaseInterval; tests that drive releaseRound
	// themselves push it out of the way.
	releaseEvery time.Duration
}

// roomState is a room's latest numbered state.
type roomState struct {
	seq     uint64
	removed bool
	hash    string
	view    hubproto.RoomView // zero when removed or not built yet
	frame   []byte            // the encoded frame for seq; nil until built
}

// NewFeed loads the feed's position from the store, rebuilds every room's
// view and numbers those that changed while the hub was not running, and
// subscribes to the bus, so that no change between NewFeed and Run is
// lost.
func NewFeed(ctx context.Context, o FeedOptions) (*Feed, error) {
	if o.DB == nil {
		return nil, errors.New("server: feed: no database")
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Horizon <= 0 {
		o.Horizon = DefaultHorizon
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PongWait <= 0 {
		o.PongWait = DefaultPongWait
	}
	if o.PongWait <= o.PingInterval {
		// A pong can only come after a ping.
		o.PongWait = o.PingInterval + o.PingInterval/2
	}
	if o.WriteWait <= 0 {
		o.WriteWait = DefaultWriteWait
	}
	if o.SendBuffer <= 0 {
		o.SendBuffer = DefaultSendBuffer
	}
	st, err := o.DB.FeedState(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: feed: %w", err)
	}
	stored, err := o.DB.FeedRooms(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: feed: %w", err)
	}
	f := &Feed{
		o: o, db: o.DB, epoch: st.Epoch, hub: o.HubInfo, seq: st.Seq,
		rooms:        make(map[string]*roomState, len(stored)),
		byRoom:       make(map[string]map[*streamConn]struct{}),
		byDev:        make(map[string][]*streamConn),
		actions:      newActionCache(maxActionEntries),
		releaseEvery: ReleaseInterval,
	}
	f.hub.Epoch = st.Epoch
	for _, r := range stored {
		f.rooms[r.RoomID] = &roomState{seq: r.Seq, removed: r.Removed, hash: r.ViewHash}
	}
	if o.Bus != nil {
		f.changes = bus.Subscribe[syncer.RoomChanged](o.Bus, bus.WithBuffer(busBuffer))
		f.health = bus.Subscribe[syncer.MailboxHealth](o.Bus, bus.WithBuffer(busBuffer))
	}
	if err := f.refreshAll(ctx); err != nil {
		f.closeSubs()
		return nil, fmt.Errorf("server: feed: %w", err)
	}
	return f, nil
}

func (f *Feed) closeSubs() {
	if f.changes != nil {
		f.changes.Close()
		f.health.Close()
	}
}

// Run numbers and sends room changes from the bus, runs auto-release every
// ReleaseInterval and rebuilds every view every few minutes, until ctx
// ends. It then closes every stream with "going away", so kiosks reconnect
// (to the next hub process) at once, and returns ctx's error.
func (f *Feed) Run(ctx context.Context) error {
	defer f.shutdown()
	var changes <-chan syncer.RoomChanged
	var health <-chan syncer.MailboxHealth
	if f.changes != nil {
		changes, health = f.changes.Events(), f.health.Events()
	}
	tick := time.NewTicker(f.releaseEvery)
	defer tick.Stop()
	var dropped uint64
	rounds := 0
	for {
		// pending keeps the rooms in the order their changes arrived, each
		// once: numbers then follow the order of the syncer's changes.
		var pending []string
		add := func(id string) {
			if !slices.Contains(pending, id) {
				pending = append(pending, id)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-changes:
			if !ok {
				changes, health = nil, nil // the bus closed; the rescan still runs
				continue
			}
			add(e.RoomID)
		case h, ok := <-health:
			if !ok {
				changes, health = nil, nil
				continue
			}
			add(h.Mailbox)
		case <-tick.C:
			rounds++
			f.releaseRound(ctx)
			if rounds%rescanRounds == 0 {
				if err := f.refreshAll(ctx); err != nil && ctx.Err() == nil {
					f.o.Logf("server: feed: rescan: %v", err)
				}
			}
			continue
		}
		// Take whatever else is already waiting, so one burst becomes one
		// transaction.
	drain:
		for len(pending) < 256 {
			select {
			case e, ok := <-changes:
				if !ok {
					break drain
				}
				add(e.RoomID)
			case h, ok := <-health:
				if !ok {
					break drain
				}
				add(h.Mailbox)
			default:
				break drain
			}
		}
		if f.changes != nil {
			if d := f.changes.Dropped() + f.health.Dropped(); d != dropped {
				dropped = d
				if err := f.refreshAll(ctx); err != nil && ctx.Err() == nil {
					f.o.Logf("server: feed: rescan after lost events: %v", err)
				}
				continue
			}
		}
		if _, err := f.refresh(ctx, pending); err != nil && ctx.Err() == nil {
			// The hashes still differ, so the next rescan retries.
			f.o.Logf("server: feed: %v", err)
		}
	}
}

// shutdown closes the subscriptions and every stream.
func (f *Feed) shutdown() {
	f.closeSubs()
	f.mu.Lock()
	f.closed = true
	var all []*streamConn
	for _, cs := range f.byDev {
		all = append(all, cs...)
	}
	f.mu.Unlock()
	for _, c := range all {
		c.stop(closeGoingAway, "hub shutting down", nil)
	}
}

// refreshAll rebuilds the view of every stored room and of every room the
// feed knows, and numbers those that changed.
func (f *Feed) refreshAll(ctx context.Context) error {
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	rooms, err := f.db.Rooms(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]room.Room, len(rooms))
	ids := make([]string, 0, len(rooms))
	for _, r := range rooms {
		byID[r.ID] = r
		ids = append(ids, r.ID)
	}
	f.mu.Lock()
	for id := range f.rooms {
		if _, ok := byID[id]; !ok {
			ids = append(ids, id)
		}
	}
	f.mu.Unlock()
	slices.Sort(ids)
	_, err = f.refreshLocked(ctx, ids, func(id string) (room.Room, error) {
		if r, ok := byID[id]; ok {
			return r, nil
		}
		return room.Room{}, store.ErrNotFound
	})
	return err
}

// refresh rebuilds the views of the rooms ids, numbers the ones that
// changed and sends them, and returns the rooms' current views (removed and
// unknown rooms are absent).
func (f *Feed) refresh(ctx context.Context, ids []string) (map[string]hubproto.RoomView, error) {
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	return f.refreshLocked(ctx, ids, func(id string) (room.Room, error) { return f.db.Room(ctx, id) })
}

// refreshLocked is refresh with seqMu held and the rooms read by get.
func (f *Feed) refreshLocked(ctx context.Context, ids []string, get func(string) (room.Room, error)) (map[string]hubproto.RoomView, error) {
	now := f.o.Clock()
	type built struct {
		view hubproto.RoomView
		hash string
	}
	views := make(map[string]built, len(ids))
	var changed []store.FeedRoom
	for _, id := range ids {
		r, err := get(id)
		f.mu.Lock()
		old := f.rooms[id]
		f.mu.Unlock()
		if errors.Is(err, store.ErrNotFound) {
			if old != nil && !old.removed {
				changed = append(changed, store.FeedRoom{RoomID: id, Removed: true})
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		v, err := f.buildView(ctx, r, now)
		if err != nil {
			return nil, err
		}
		h, err := viewHash(v)
		if err != nil {
			f.o.Logf("server: feed: room %s cannot be sent: %v", id, err)
			continue
		}
		views[id] = built{v, h}
		if old == nil || old.removed || old.hash != h {
			changed = append(changed, store.FeedRoom{RoomID: id, ViewHash: h})
		} else if old.frame == nil {
			// Known and unchanged since it was numbered (a restart): it
			// keeps its number, and its frame is built for resumes.
			f.mu.Lock()
			old.view, old.frame = v, encodeRoomFrame(old.seq, v)
			f.mu.Unlock()
		}
	}
	out := make(map[string]hubproto.RoomView, len(views))
	for id, b := range views {
		out[id] = b.view
	}
	if len(changed) == 0 {
		return out, nil
	}
	numbered, st, err := f.db.AdvanceFeed(ctx, changed)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq = st.Seq
	for _, n := range numbered {
		rs := &roomState{seq: n.Seq, removed: n.Removed, hash: n.ViewHash}
		if n.Removed {
			rs.frame = encodeFrame(hubproto.Frame{Type: hubproto.FrameRemoved, Seq: n.Seq, RoomID: n.RoomID})
		} else {
			rs.view = views[n.RoomID].view
			rs.frame = encodeRoomFrame(n.Seq, rs.view)
		}
		f.rooms[n.RoomID] = rs
		for c := range f.byRoom[n.RoomID] {
			f.sendLocked(c, outFrame{seq: n.Seq, data: rs.frame})
		}
	}
	return out, nil
}

// Stats returns the feed's counters.
func (f *Feed) Stats() FeedStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := FeedStats{FramesSent: f.framesSent.Load(), Evictions: f.evictions.Load(), LastSeq: f.seq, Epoch: f.epoch,
		Released: f.released.Load(), ReleaseErrs: f.releaseErrs.Load()}
	for _, cs := range f.byDev {
		s.Connections += len(cs)
	}
	for _, r := range f.rooms {
		if !r.removed {
			s.Rooms++
		}
	}
	return s
}

// Revoke closes every stream of the device at once, after a FrameRevoked
// frame. The caller revokes the token itself; streams the device opens
// afterwards are refused by authentication.
func (f *Feed) Revoke(deviceID string) {
	f.endDevice(deviceID, hubproto.FrameRevoked, closeNormal, "revoked")
}

// Resync tells every stream of the device to take a new snapshot (with a
// FrameResync frame) and closes them. Call it when the device's rooms
// change: a resume cannot tell the device about rooms it did not see
// before.
func (f *Feed) Resync(deviceID string) {
	f.endDevice(deviceID, hubproto.FrameResync, closeNormal, "resync")
}

func (f *Feed) endDevice(deviceID, frameType string, code int, reason string) {
	f.mu.Lock()
	cs := slices.Clone(f.byDev[deviceID])
	final := encodeFrame(hubproto.Frame{Type: frameType, Seq: f.seq})
	for _, c := range cs {
		f.dropLocked(c)
	}
	f.mu.Unlock()
	for _, c := range cs {
		c.stop(code, reason, final)
	}
}

// RoomView returns the room's current view as a device sees it (masked).
func (f *Feed) RoomView(ctx context.Context, roomID string) (hubproto.RoomView, error) {
	r, err := f.db.Room(ctx, roomID)
	if err != nil {
		return hubproto.RoomView{}, fmt.Errorf("server: room view: %w", err)
	}
	v, err := f.buildView(ctx, r, f.o.Clock())
	if err != nil {
		return hubproto.RoomView{}, fmt.Errorf("server: room view: %w", err)
	}
	return v, nil
}
