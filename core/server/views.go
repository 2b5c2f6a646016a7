package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// syncedAtGrain is how coarsely a view's SyncedAt counts as a change: a
// room whose syncs keep succeeding without changes is sent again at most
// this often, so its kiosk can tell how fresh the data is without every
// idle poll reaching every kiosk.
const syncedAtGrain = 15 * time.Minute

// horizon returns the range of bookings a view of r holds at now: from
// the start of the room's local day for o.Horizon.
func (f *Feed) horizon(r room.Room, now time.Time) (from, to time.Time) {
	loc, err := r.Location()
	if err != nil {
		loc = time.UTC // the documented fallback; the console reports the bad zone
	}
	y, m, d := now.In(loc).Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, loc)
	return from.UTC(), from.Add(f.o.Horizon).UTC()
}

// buildView reads room r's bookings and sync health from the store and
// returns what a device may see of them. Every booking goes through
// room.Mask under the room's policy before hubproto.FromBooking drops what
// no device needs, so private details never reach the wire; cancelled
// bookings are left out.
func (f *Feed) buildView(ctx context.Context, r room.Room, now time.Time) (hubproto.RoomView, error) {
	from, to := f.horizon(r, now)
	bs, err := f.db.BookingsBetween(ctx, r.ID, from, to)
	if err != nil {
		return hubproto.RoomView{}, err
	}
	st, err := f.db.SyncState(ctx, r.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return hubproto.RoomView{}, err
	}
	v := hubproto.RoomView{
		ID: r.ID, Name: r.Name, Email: r.Email, Kind: r.Kind.String(), Capacity: r.Capacity, Building: r.Building,
		Floor: r.Floor, TimeZone: r.TimeZone, Equipment: r.Equipment, CheckIn: hubproto.FromPolicy(r.Policy.CheckIn),
		From: from, To: to, Bookings: make([]hubproto.BookingView, 0, len(bs)),
		SyncedAt: st.LastSuccess,
		Stale:    st.LastError != "" && !st.LastErrorAt.Before(st.LastSuccess),
	}
	for _, b := range bs {
		if b.Cancelled {
			continue
		}
		v.Bookings = append(v.Bookings, hubproto.FromBooking(room.Mask(b, r.Policy), false))
	}
	return v, nil
}

// viewHash identifies v for change detection, with SyncedAt rounded down
// to syncedAtGrain. It fails only for a view JSON cannot carry (a time
// beyond year 9999 from a corrupt item), which the feed then skips.
func viewHash(v hubproto.RoomView) (string, error) {
	v.SyncedAt = v.SyncedAt.Truncate(syncedAtGrain)
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// encodeFrame returns fr as one WebSocket message. Frames hold views that
// viewHash has already encoded once, so it cannot fail; should it anyway,
// the frame is replaced by a resync, which is always safe to send.
func encodeFrame(fr hubproto.Frame) []byte {
	data, err := json.Marshal(fr)
	if err != nil {
		data, _ = json.Marshal(hubproto.Frame{Type: hubproto.FrameResync, Seq: fr.Seq})
	}
	return data
}

func encodeRoomFrame(seq uint64, v hubproto.RoomView) []byte {
	return encodeFrame(hubproto.Frame{Type: hubproto.FrameRoom, Seq: seq, Room: &v})
}
