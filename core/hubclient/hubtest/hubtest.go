// Package hubtest is a small in-memory hub that speaks the device side of
// the hub protocol (core/hubproto) faithfully: pairing with operator
// approval, snapshots, the WebSocket stream with since/hello/backlog,
// resync and revocation, and kiosk actions deduplicated by RequestID. It is
// the fake hub of the hubclient and kiosk tests; serve it with
// httptest.NewServer or httptest.NewTLSServer.
//
// Beyond the protocol it has knobs for failures a real network and hub
// produce: dropped streams, lost action answers, forced resyncs, raw
// frames, and a forgotten backlog. It deliberately has no storage, no
// Exchange, no admin API and no rate limits; core/server is the real hub.
package hubtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomboard/roomboard/core/hubproto"
)

// Options configure a Hub. The zero value works.
type Options struct {
	Name    string // hub name; default "Hub Test"
	Version string // hub version; default "test"
	Epoch   string // default "epoch-1"
	// Now is the hub's clock (booking times, pairing expiry); default
	// time.Now.
	Now func() time.Time
	// PingPeriod is how often streams are pinged; default 30 s.
	PingPeriod time.Duration
	// PairTTL is how long a pairing code lives; default 10 min.
	PairTTL time.Duration
	// CertSHA256 is advertised in pairing answers (the hub's pin).
	CertSHA256 string
	// SendBuffer is each stream's queue; a stream that falls this far
	// behind is closed, as a real hub evicts slow consumers. Default 256.
	SendBuffer int
}

// Hub is the fake hub. It is safe for concurrent use; it is an
// http.Handler.
type Hub struct {
	o        Options
	upgrader websocket.Upgrader

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every event (Wait)
	closed    bool
	epoch     string
	seq       uint64
	floor     uint64 // since below this gets a resync: the backlog is gone
	rooms     map[string]hubproto.RoomView
	roomSeq   map[string]uint64 // last change of each room
	removed   map[string]uint64 // tombstones: room ID → seq of its removal
	devices   map[string]*device
	byToken   map[string]string // token SHA-256 → device ID
	pairings  map[string]*pairing
	streams   map[*stream]struct{}
	sinces    []uint64
	answers   map[string]answer // deviceID + "\x00" + RequestID → first answer
	failNext  []string          // error codes for the next new actions
	dropNext  int               // lose the answers of the next new actions
	requests  int
	executed  int
	snapshots int
	nextID    int
}

type device struct {
	dev       hubproto.Device
	tokenHash string
}

type pairing struct {
	id, code, secretHash string
	req                  hubproto.PairRequest
	expires              time.Time
	state                string
	token                string // until fetched once
	deviceID             string
}

type answer struct {
	status      int
	body        []byte
	fingerprint string // what was asked, to refuse a RequestID reused for another action
}

// New returns an empty hub at sequence 0.
func New(o Options) *Hub {
	o.Name = cmp.Or(o.Name, "Hub Test")
	o.Version = cmp.Or(o.Version, "test")
	o.Epoch = cmp.Or(o.Epoch, "epoch-1")
	if o.Now == nil {
		o.Now = time.Now
	}
	o.PingPeriod = cmp.Or(o.PingPeriod, 30*time.Second)
	o.PairTTL = cmp.Or(o.PairTTL, 10*time.Minute)
	o.SendBuffer = cmp.Or(o.SendBuffer, 256)
	return &Hub{
		o: o,
		upgrader: websocket.Upgrader{
			// Kiosks are not browsers and send no Origin.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		changed:  make(chan struct{}),
		epoch:    o.Epoch,
		rooms:    map[string]hubproto.RoomView{},
		roomSeq:  map[string]uint64{},
		removed:  map[string]uint64{},
		devices:  map[string]*device{},
		byToken:  map[string]string{},
		pairings: map[string]*pairing{},
		streams:  map[*stream]struct{}{},
		answers:  map[string]answer{},
	}
}

// notify wakes Wait; the caller holds h.mu.
func (h *Hub) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Wait returns once cond reports true, re-checking it after every event
// of the hub (a change, a stream opened or closed, a report, an action, a
// pairing poll), or ctx's error. cond may call the Hub's methods.
func (h *Hub) Wait(ctx context.Context, cond func() bool) error {
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Close ends every stream and refuses new ones. Call it before closing
// the httptest.Server, whose Close does not end WebSocket connections.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	ss := h.streamList(func(*stream) bool { return true })
	h.notify()
	h.mu.Unlock()
	for _, s := range ss {
		s.kill()
	}
}

// hashToken is how tokens and pairing secrets are kept: never in clear.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// codeAlphabet leaves out 0/O, 1/I/L so codes read well from a screen.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func randomCode() string {
	b := make([]byte, 6)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i == 3 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return sb.String()
}

// --- state ---

// SetRoom adds or replaces a room (its whole view, as the protocol sends
// it), streams it to the devices that see it and returns its sequence
// number.
func (h *Hub) SetRoom(v hubproto.RoomView) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	h.rooms[v.ID] = v
	h.roomSeq[v.ID] = h.seq
	delete(h.removed, v.ID)
	vv := v
	h.broadcast(v.ID, hubproto.Frame{Type: hubproto.FrameRoom, Seq: h.seq, Room: &vv})
	h.notify()
	return h.seq
}

// RemoveRoom deletes a room and streams its removal.
func (h *Hub) RemoveRoom(id string) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	delete(h.rooms, id)
	delete(h.roomSeq, id)
	h.removed[id] = h.seq
	h.broadcast(id, hubproto.Frame{Type: hubproto.FrameRemoved, Seq: h.seq, RoomID: id})
	h.notify()
	return h.seq
}

// Room returns a room's current view.
func (h *Hub) Room(id string) (hubproto.RoomView, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.rooms[id]
	return v, ok
}

// Seq returns the last sequence number.
func (h *Hub) Seq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// Epoch returns the current epoch.
func (h *Hub) Epoch() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.epoch
}

// ForgetBefore drops the backlog before seq: a stream asking for an older
// since gets a resync frame, as from a hub that keeps a bounded history.
func (h *Hub) ForgetBefore(seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.floor = seq
}

// Restart simulates a hub that lost its database: a new epoch, sequence
// numbers from 0 again with the rooms re-announced, and every stream cut.
// Devices and their tokens survive.
func (h *Hub) Restart(epoch string) {
	h.mu.Lock()
	h.epoch, h.seq, h.floor = epoch, 0, 0
	clear(h.removed)
	ids := slices.Sorted(maps.Keys(h.rooms))
	for _, id := range ids {
		h.seq++
		h.roomSeq[id] = h.seq
	}
	ss := h.streamList(func(*stream) bool { return true })
	h.notify()
	h.mu.Unlock()
	for _, s := range ss {
		s.kill()
	}
}

// --- devices ---

// AddDevice pairs a device directly (without the pairing dance) and
// returns its token and record. A device sees exactly the given rooms; it
// is a floor device when there are several.
func (h *Hub) AddDevice(name string, rooms ...string) (token string, dev hubproto.Device) {
	h.mu.Lock()
	defer h.mu.Unlock()
	token, dev = h.addDevice(name, rooms)
	h.notify()
	return token, dev
}

// addDevice makes a room device for one room and a floor device for
// several; the caller holds h.mu.
func (h *Hub) addDevice(name string, rooms []string) (string, hubproto.Device) {
	h.nextID++
	token := randomString(32)
	dev := hubproto.Device{ID: "dev-" + strconv.Itoa(h.nextID), Name: name, Mode: hubproto.ModeRoom,
		Rooms: slices.Clone(rooms), PairedAt: h.o.Now().UTC()}
	if len(rooms) > 1 {
		dev.Mode = hubproto.ModeFloor
	}
	h.devices[dev.ID] = &device{dev: dev, tokenHash: hashToken(token)}
	h.byToken[hashToken(token)] = dev.ID
	return token, dev
}

// Device returns a device as the hub knows it, with its last health
// report and last-seen time.
func (h *Hub) Device(id string) (hubproto.Device, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, ok := h.devices[id]
	if !ok {
		return hubproto.Device{}, false
	}
	return d.dev, true
}

// SetDeviceRooms changes what a device sees; its streams get a resync
// frame, as the scope change requires a new snapshot.
func (h *Hub) SetDeviceRooms(id string, rooms ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := h.devices[id]; ok {
		d.dev.Rooms = slices.Clone(rooms)
		h.sendTo(func(s *stream) bool { return s.device == id }, hubproto.Frame{Type: hubproto.FrameResync, Seq: h.seq}, false)
	}
	h.notify()
}

// Revoke revokes a device: its streams get a revoked frame and close, and
// its token is refused from then on.
func (h *Hub) Revoke(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, ok := h.devices[id]
	if !ok {
		return
	}
	d.dev.Revoked = true
	delete(h.byToken, d.tokenHash)
	h.sendTo(func(s *stream) bool { return s.device == id }, hubproto.Frame{Type: hubproto.FrameRevoked, Seq: h.seq}, true)
	h.notify()
}

// --- stream control ---

// StreamSinces returns the since parameter of every stream request the
// hub accepted, in order.
func (h *Hub) StreamSinces() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sinces)
}

// Snapshots returns how many snapshots the hub has served.
func (h *Hub) Snapshots() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snapshots
}

// Streams returns the number of open streams.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams)
}

// DropStreams cuts every stream's connection without a close frame, as a
// network failure does.
func (h *Hub) DropStreams() {
	h.mu.Lock()
	ss := h.streamList(func(*stream) bool { return true })
	h.mu.Unlock()
	for _, s := range ss {
		s.kill()
	}
}

// Resync sends a resync frame to every stream.
func (h *Hub) Resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sendTo(func(*stream) bool { return true }, hubproto.Frame{Type: hubproto.FrameResync, Seq: h.seq}, false)
}

// SendFrame sends f as it is to every stream, without any check: a way to
// replay old frames or send ones a correct hub would not.
func (h *Hub) SendFrame(f hubproto.Frame) {
	data, _ := json.Marshal(f)
	h.SendRaw(data)
}

// SendRaw sends data as one text message to every stream.
func (h *Hub) SendRaw(data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.streams {
		s.enqueue(out{data: data})
	}
}

// ServeHTTP serves the device API.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == hubproto.PathHealthz && r.Method == http.MethodGet:
		w.Write([]byte("ok"))
	case r.URL.Path == hubproto.PathPair && r.Method == http.MethodPost:
		h.postPair(w, r)
	case strings.HasPrefix(r.URL.Path, hubproto.PathPairState) && r.Method == http.MethodGet:
		h.getPairState(w, r)
	case r.URL.Path == hubproto.PathSnapshot && r.Method == http.MethodGet:
		h.getSnapshot(w, r)
	case r.URL.Path == hubproto.PathStream && r.Method == http.MethodGet:
		h.getStream(w, r)
	case r.URL.Path == hubproto.PathActions && r.Method == http.MethodPost:
		h.postAction(w, r)
	case r.URL.Path == hubproto.PathDeviceMe && r.Method == http.MethodGet:
		if d, ok := h.auth(w, r); ok {
			writeJSON(w, http.StatusOK, d)
		}
	default:
		writeError(w, http.StatusNotFound, hubproto.ErrorCodeNotFound, "no such endpoint")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, hubproto.Error{Code: code, Message: msg})
}

// auth returns the calling device, or answers 401.
func (h *Hub) auth(w http.ResponseWriter, r *http.Request) (hubproto.Device, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get(hubproto.AuthHeader), hubproto.BearerPrefix)
	h.mu.Lock()
	defer h.mu.Unlock()
	if id, found := h.byToken[hashToken(tok)]; ok && found {
		d := h.devices[id]
		d.dev.LastSeen = h.o.Now().UTC()
		return d.dev, true
	}
	writeError(w, http.StatusUnauthorized, hubproto.ErrorCodeUnauthorized, "unknown or revoked token")
	return hubproto.Device{}, false
}

// visible reports whether a device sees a room.
func visible(d hubproto.Device, roomID string) bool { return slices.Contains(d.Rooms, roomID) }

func (h *Hub) getSnapshot(w http.ResponseWriter, r *http.Request) {
	d, ok := h.auth(w, r)
	if !ok {
		return
	}
	h.mu.Lock()
	h.snapshots++
	h.notify()
	s := hubproto.Snapshot{Protocol: hubproto.Version, Seq: h.seq, GeneratedAt: h.o.Now().UTC(),
		Hub: h.info(), Device: d, Rooms: []hubproto.RoomView{}}
	for _, id := range d.Rooms {
		if v, ok := h.rooms[id]; ok {
			s.Rooms = append(s.Rooms, v)
		}
	}
	h.mu.Unlock()
	slices.SortFunc(s.Rooms, func(a, b hubproto.RoomView) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, s)
}

func (h *Hub) info() hubproto.HubInfo {
	return hubproto.HubInfo{Name: h.o.Name, Version: h.o.Version, Epoch: h.epoch}
}
