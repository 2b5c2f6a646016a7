package ewstest

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// syncClient is a client's copy of a calendar built only from sync answers.
type syncClient struct {
	t     *testing.T
	s     *Server
	room  string
	state string
	items map[string]string // id -> change key
}

// batch runs one SyncFolderItems step the way the handler does and applies
// it, failing on a change that is reported twice or out of thin air.
func (c *syncClient) batch(max int) bool {
	c.t.Helper()
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.mailboxes[c.room]
	key := m.address + "/calendar"
	var since uint64
	if c.state != "" {
		var ok bool
		if since, ok = s.org.parseSyncState(key, c.state); !ok {
			c.t.Fatalf("own state rejected")
		}
	}
	changes, upto, last := s.org.syncChanges(m, since, max, nil)
	if len(changes) > max {
		c.t.Fatalf("%d changes for MaxChangesReturned %d", len(changes), max)
	}
	for _, ch := range changes {
		_, known := c.items[ch.item.id]
		switch ch.kind {
		case "Create":
			if known {
				c.t.Fatalf("Create of %s the client already has", ch.item.id)
			}
			c.items[ch.item.id] = ch.item.changeKey()
		case "Update":
			if !known {
				c.t.Fatalf("Update of %s the client never saw", ch.item.id)
			}
			c.items[ch.item.id] = ch.item.changeKey()
		case "Delete":
			if !known {
				c.t.Fatalf("Delete of %s the client never saw", ch.item.id)
			}
			delete(c.items, ch.item.id)
		}
	}
	c.state = s.org.syncState(key, upto)
	return last
}

func (c *syncClient) drain(max int) {
	for i := 0; !c.batch(max); i++ {
		if i > 10000 {
			c.t.Fatal("sync does not converge")
		}
	}
}

func (c *syncClient) truth() map[string]string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := map[string]string{}
	for id, it := range c.s.org.mailboxes[c.room].items {
		out[id] = it.changeKey()
	}
	return out
}

// TestSyncExactlyOnce interleaves random bookings, moves and cancellations
// with partial syncs of random size: after draining, the client's copy is
// the truth, and no change was reported twice.
func TestSyncExactlyOnce(t *testing.T) {
	for seed := uint64(1); seed <= 25; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := New(Options{Seed: int64(seed), Rooms: 3, Users: 5, Now: fixedClock(testNow)})
			rooms := s.Rooms()
			room := rooms[0].Address
			r := mrand.New(mrand.NewPCG(seed, 99))
			c := &syncClient{t: t, s: s, room: room, items: map[string]string{}}
			var ids []string
			for step := 0; step < 120; step++ {
				switch k := r.IntN(10); {
				case k < 4 || len(ids) == 0:
					st := testNow.Add(time.Duration(r.IntN(14*48)) * 30 * time.Minute)
					id, _ := s.AddBooking(room, Booking{Subject: fmt.Sprint("b", step), Start: st, End: st.Add(time.Duration(1+r.IntN(3)) * 30 * time.Minute)})
					ids = append(ids, id)
				case k < 6:
					id := ids[r.IntN(len(ids))]
					st := testNow.Add(time.Duration(r.IntN(14*48)) * 30 * time.Minute)
					s.UpdateBooking(id, Booking{Subject: fmt.Sprint("moved", step), Start: st, End: st.Add(30 * time.Minute)})
				case k < 7:
					s.CancelBooking(ids[r.IntN(len(ids))])
				case k < 8:
					s.MoveBooking(ids[r.IntN(len(ids))], rooms[r.IntN(len(rooms))].Address)
				default:
					c.batch(1 + r.IntN(6))
				}
			}
			c.drain(1 + r.IntN(20))
			if diff := cmp.Diff(c.truth(), c.items); diff != "" {
				t.Errorf("client copy differs from the calendar (-truth +client):\n%s", diff)
			}
			// Nothing happened since: a further sync is empty.
			before := c.state
			if !c.batch(5) || len(c.items) != len(c.truth()) {
				t.Error("idle sync not final")
			}
			if c.state == "" || before == "" {
				t.Error("no state issued")
			}
		})
	}
}

func TestSyncStateRejected(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	rooms := s.Rooms()
	body := func(room, state string) string {
		st := ""
		if state != "" {
			st = `<m:SyncState>` + state + `</m:SyncState>`
		}
		return soapEnv(`<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>` + calendarOf(room) + `</m:SyncFolderId>` +
			st + `<m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems>`)
	}
	_, b := soapPost(t, hs, body(rooms[0].Address, ""))
	state := findRE(t, b, `<m:SyncState>([^<]+)</m:SyncState>`)
	other, ohs := newTestServer(t, Options{})
	_ = other
	tampered := []byte(state)
	tampered[len(tampered)/2] ^= 1
	tests := []struct {
		name, room, state string
		hs                *httptest.Server
		want              string
	}{
		{"own state", rooms[0].Address, state, nil, `ResponseClass="Success"`},
		{"other folder", rooms[1].Address, state, nil, "ErrorInvalidSyncStateData"},
		{"tampered", rooms[0].Address, string(tampered), nil, "ErrorInvalidSyncStateData"},
		{"garbage", rooms[0].Address, "not base64 at all", nil, "ErrorInvalidSyncStateData"},
		{"other server instance", rooms[0].Address, state, ohs, "ErrorInvalidSyncStateData"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := hs
			if tc.hs != nil {
				target = tc.hs
			}
			_, b := soapPost(t, target, body(tc.room, tc.state))
			if !strings.Contains(b, tc.want) {
				t.Errorf("response lacks %q:\n%.600s", tc.want, b)
			}
		})
	}
}

// TestSyncOverHTTP pages a room's calendar with MaxChangesReturned and
// then sees one booking's life as Create, Update, Delete.
func TestSyncOverHTTP(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[1].Address
	state := ""
	step := func(max int) (string, bool) {
		st := ""
		if state != "" {
			st = `<m:SyncState>` + state + `</m:SyncState>`
		}
		_, b := soapPost(t, hs, soapEnv(fmt.Sprintf(`<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>%s</m:SyncFolderId>%s<m:MaxChangesReturned>%d</m:MaxChangesReturned></m:SyncFolderItems>`, calendarOf(room), st, max)))
		state = findRE(t, b, `<m:SyncState>([^<]+)</m:SyncState>`)
		return b, strings.Contains(b, "<m:IncludesLastItemInRange>true<")
	}
	creates := 0
	for i := 0; ; i++ {
		b, last := step(7)
		creates += strings.Count(b, "<t:Create>")
		if n := strings.Count(b, "<t:Create>"); n > 7 {
			t.Fatalf("batch of %d > 7", n)
		}
		if last {
			break
		}
		if i > 100 {
			t.Fatal("no end")
		}
	}
	s.mu.Lock()
	want := len(s.org.mailboxes[room].items)
	s.mu.Unlock()
	if creates != want {
		t.Errorf("initial sync created %d items; the calendar holds %d", creates, want)
	}
	st := testNow.AddDate(0, 0, 5).Truncate(24 * time.Hour).Add(20 * time.Hour)
	id, err := s.AddBooking(room, Booking{Subject: "Abendtermin", Start: st, End: st.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := step(10)
	if strings.Count(b, "<t:Create>") != 1 {
		t.Errorf("after AddBooking:\n%s", b)
	}
	s.UpdateBooking(id, Booking{Subject: "Abendtermin", Start: st, End: st.Add(2 * time.Hour)})
	if b, _ := step(10); strings.Count(b, "<t:Update>") != 1 || strings.Contains(b, "<t:Create>") {
		t.Errorf("after UpdateBooking:\n%s", b)
	}
	s.CancelBooking(id)
	if b, _ := step(10); strings.Count(b, "<t:Delete>") != 1 {
		t.Errorf("after CancelBooking:\n%s", b)
	}
	if b, _ := step(10); strings.Contains(b, "<t:Create>") || strings.Contains(b, "<t:Update>") || strings.Contains(b, "<t:Delete>") {
		t.Errorf("idle sync not empty:\n%s", b)
	}
}
