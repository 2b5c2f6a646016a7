package ewstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sort"
)

// Sync states are opaque to clients. Inside, a state names the calendar it
// belongs to and the journal position the client has seen, authenticated
// with a key of this server instance: a state from another folder, another
// simulator run or a client's imagination is ErrorInvalidSyncStateData, as
// Exchange answers for states it cannot use.
//
// A state means "the client knows the calendar as it was after change
// seq". A sync returns the net difference between that snapshot and a
// later one, so every change is reported exactly once even when
// MaxChangesReturned cuts a batch short.

const syncStateVersion = 1

func (o *org) syncState(owner string, seq uint64) string {
	b := []byte{syncStateVersion}
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, owner...)
	mac := hmac.New(sha256.New, o.syncKey)
	mac.Write(b)
	b = mac.Sum(b)[:len(b)+16]
	return base64.StdEncoding.EncodeToString(b)
}

// parseSyncState returns the journal position of a state issued for
// owner's calendar.
func (o *org) parseSyncState(owner, state string) (uint64, bool) {
	b, err := base64.StdEncoding.DecodeString(state)
	if err != nil || len(b) < 1+8+16 || b[0] != syncStateVersion {
		return 0, false
	}
	body, sum := b[:len(b)-16], b[len(b)-16:]
	mac := hmac.New(sha256.New, o.syncKey)
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)[:16]) {
		return 0, false
	}
	if string(body[9:]) != owner {
		return 0, false
	}
	seq := binary.BigEndian.Uint64(body[1:9])
	if seq > o.seq {
		return 0, false
	}
	return seq, true
}

// syncChange is one entry of a SyncFolderItems answer.
type syncChange struct {
	kind string // Create, Update, Delete
	item *calItem
}

// syncChanges returns the changes to m's calendar after journal position
// since, at most max of them, the position the client will then be at, and
// whether nothing more is pending.
func (o *org) syncChanges(m *mailbox, since uint64, max int, ignore map[string]bool) ([]syncChange, uint64, bool) {
	j := m.journal
	i := sort.Search(len(j), func(i int) bool { return j[i].seq > since })
	upto := o.seq
	includesLast := true
	var order []string
	touched := map[string]bool{}
	for ; i < len(j); i++ {
		e := j[i]
		if !touched[e.id] {
			if len(order) == max {
				upto, includesLast = e.seq-1, false
				break
			}
			touched[e.id] = true
			order = append(order, e.id)
		}
	}
	var out []syncChange
	for _, id := range order {
		it := o.items[id]
		if it == nil || ignore[id] {
			continue
		}
		before, after := it.existedAt(since), it.existedAt(upto)
		switch {
		case !before && after:
			out = append(out, syncChange{"Create", it})
		case before && after:
			out = append(out, syncChange{"Update", it})
		case before && !after:
			out = append(out, syncChange{"Delete", it})
		}
	}
	return out, upto, includesLast
}
