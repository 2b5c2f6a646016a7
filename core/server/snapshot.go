package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/roomboard/roomboard/core/hubproto"
)

// ServeSnapshot answers GET /api/v1/snapshot: the device's rooms as they
// stand at sequence number Seq. A stream opened with since=Seq continues
// from there with nothing missing: both read the feed under the same lock.
func (f *Feed) ServeSnapshot(w http.ResponseWriter, r *http.Request, dev hubproto.Device) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeFeedError(w, http.StatusMethodNotAllowed, hubproto.ErrorCodeInvalid, "the snapshot needs GET")
		return
	}
	snap := f.snapshot(dev)
	data, err := json.Marshal(snap)
	if err != nil {
		f.o.Logf("server: snapshot for device %s: %v", dev.ID, err)
		writeFeedError(w, http.StatusInternalServerError, hubproto.ErrorCodeInternal, "snapshot failed")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(data)
	}
}

// snapshot collects the device's rooms that exist, ordered by ID.
func (f *Feed) snapshot(dev hubproto.Device) hubproto.Snapshot {
	now := f.o.Clock().UTC()
	f.mu.Lock()
	snap := hubproto.Snapshot{Protocol: hubproto.Version, Seq: f.seq, GeneratedAt: now, Hub: f.hub, Device: dev,
		Rooms: make([]hubproto.RoomView, 0, len(dev.Rooms))}
	for _, id := range dev.Rooms {
		if rs := f.rooms[id]; rs != nil && !rs.removed && rs.frame != nil {
			snap.Rooms = append(snap.Rooms, rs.view)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(snap.Rooms, func(a, b hubproto.RoomView) int { return strings.Compare(a.ID, b.ID) })
	snap.Rooms = slices.CompactFunc(snap.Rooms, func(a, b hubproto.RoomView) bool { return a.ID == b.ID })
	return snap
}

// writeFeedError answers with a hubproto.Error body.
func writeFeedError(w http.ResponseWriter, status int, code, msg string) {
	writeFeedJSON(w, status, hubproto.Error{Code: code, Message: msg})
}

// writeFeedJSON answers with v as JSON.
func writeFeedJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"internal","message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(data)
}
