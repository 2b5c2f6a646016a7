package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

func TestSlowConsumerIsEvictedWithoutStallingOthers(t *testing.T) {
	r := newRigSockets(t, FeedOptions{SendBuffer: 2, WriteWait: time.Minute}, true)
	// Frames of some 10 kB fill the slow kiosk's small socket buffers
	// after a few.
	var changes []store.Change
	for i := range 30 {
		b := booking(saal, fmt.Sprintf("AAMk-big-%d", i), strings.Repeat("Quartalsplanung 季度規劃 ", 12), "Anna Müller",
			t0.Add(48*time.Hour+time.Duration(i)*20*time.Minute), 15*time.Minute)
		changes = append(changes, store.Change{Op: store.OpCreate, Booking: b})
	}
	if err := r.db.ApplyBookingChanges(context.Background(), saal, changes, store.SyncState{LastSuccess: t0}); err != nil {
		t.Fatal(err)
	}
	fast := r.dial(t, floor.ID, nil)
	dialer := websocket.Dialer{NetDialContext: dialSmall, ReadBufferSize: 1024}
	slowWS, _, err := dialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+hubproto.PathStream, http.Header{"X-Test-Device": {panel.ID}})
	if err != nil {
		t.Fatal(err)
	}
	defer slowWS.Close()
	slow := &client{t: t, ws: slowWS}
	for range 6 { // hello and the five rooms
		fast.mustNext()
	}

	var lastSeen uint64
	for i := 0; r.feed.Stats().Evictions == 0; i++ {
		if i == 1000 {
			t.Fatal("the kiosk that never reads was not evicted after 1000 large frames")
		}
		r.touch(t, saal, fmt.Sprintf("AAMk-slow-%d", i), "Noch ein Termin", t0.Add(-time.Hour+time.Duration(i)*time.Second))
		fr := fast.mustNext()
		if fr.Seq <= lastSeen || fr.Room == nil || fr.Room.ID != saal {
			t.Fatalf("fast kiosk got %+v after %d", key(fr), lastSeen)
		}
		lastSeen = fr.Seq
	}
	// The fast kiosk keeps up after the eviction too.
	r.touch(t, huiyi1, "AAMk-after", "Danach", t0.Add(time.Hour))
	if fr := fast.mustNext(); fr.Room == nil || fr.Room.ID != huiyi1 || fr.Seq <= lastSeen {
		t.Errorf("after the eviction the fast kiosk got %+v", key(fr))
	}
	// The slow one finds what was already on its way, then the close.
	if code := slow.closeCode(); code != websocket.CloseTryAgainLater {
		t.Errorf("evicted kiosk's close code = %d, want %d", code, websocket.CloseTryAgainLater)
	}
	if st := r.feed.Stats(); st.Evictions != 1 || st.Connections != 1 {
		t.Errorf("stats after eviction: %+v", st)
	}
}

func TestRevokeSendsRevokedThenCloses(t *testing.T) {
	r := newRig(t, FeedOptions{})
	p := r.dial(t, panel.ID, since(5, ""))
	fl := r.dial(t, floor.ID, since(5, ""))
	p.mustNext()
	fl.mustNext()
	r.feed.Revoke(panel.ID)
	if fr := p.mustNext(); fr.Type != hubproto.FrameRevoked || fr.Seq != 5 {
		t.Errorf("frame after Revoke = %+v, want revoked", key(fr))
	}
	if code := p.closeCode(); code != websocket.CloseNormalClosure {
		t.Errorf("close code after Revoke = %d", code)
	}
	r.touch(t, saal, "AAMk-rev", "Weiter", t0.Add(time.Hour))
	if fr := fl.mustNext(); fr.Room == nil || fr.Room.ID != saal {
		t.Errorf("other device after Revoke got %+v", key(fr))
	}
}

func TestStreamsPerDeviceAreBounded(t *testing.T) {
	r := newRig(t, FeedOptions{})
	var cs []*client
	for range maxStreamsPerDevice + 1 {
		c := r.dial(t, panel.ID, since(5, ""))
		c.mustNext() // hello: registered
		cs = append(cs, c)
	}
	if code := cs[0].closeCode(); code != websocket.CloseNormalClosure {
		t.Errorf("oldest stream's close code = %d", code)
	}
	r.touch(t, saal, "AAMk-many", "Viele", t0.Add(time.Hour))
	for _, c := range cs[1:] {
		if fr := c.mustNext(); fr.Room == nil || fr.Room.ID != saal {
			t.Errorf("newer stream got %+v", key(fr))
		}
	}
}

func TestBadClientMessagesCloseTheStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind int
		msg  string
		code int
		log  string
	}{
		{"not JSON", websocket.TextMessage, `{"type":"report",`, websocket.ClosePolicyViolation, "malformed"},
		{"unknown type", websocket.TextMessage, `{"type":"book","report":{}}`, websocket.ClosePolicyViolation, "malformed"},
		{"report without body", websocket.TextMessage, `{"type":"report"}`, websocket.ClosePolicyViolation, "malformed"},
		{"trailing data", websocket.TextMessage, `{"type":"report","report":{"version":"1"}} {}`, websocket.ClosePolicyViolation, "malformed"},
		{"not UTF-8", websocket.TextMessage, "{\"type\":\"report\",\"report\":{\"version\":\"\xff\"}}", websocket.ClosePolicyViolation, "malformed"},
		{"binary", websocket.BinaryMessage, `{"type":"report","report":{"version":"1"}}`, websocket.ClosePolicyViolation, "binary"},
		{"oversized", websocket.TextMessage, `{"type":"report","report":{"error":"` + strings.Repeat("x", hubproto.MaxClientBytes) + `"}}`,
			websocket.CloseMessageTooBig, "over"},
		{"long field", websocket.TextMessage, `{"type":"report","report":{"error":"` + strings.Repeat("ü", hubproto.MaxStringLength) + `"}}`,
			websocket.ClosePolicyViolation, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, FeedOptions{})
			c := r.dial(t, panel.ID, since(5, ""))
			c.mustNext()
			if err := c.ws.WriteMessage(tc.kind, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			if code := c.closeCode(); code != tc.code {
				t.Errorf("close code = %d, want %d", code, tc.code)
			}
			// The close can reach the kiosk before the hub's reader logs.
			eventually(t, fmt.Sprintf("log line with %q", tc.log), func() bool { return r.logs.contains(tc.log) })
		})
	}
}

func TestReportsReachOnReport(t *testing.T) {
	reports := make(chan hubproto.Report, 4)
	devs := make(chan string, 4)
	r := newRig(t, FeedOptions{OnReport: func(id string, rep hubproto.Report) { devs <- id; reports <- rep }})
	c := r.dial(t, panel.ID, since(5, ""))
	c.mustNext()
	want := hubproto.Report{Version: "1.2.3", Platform: "windows/amd64", LastSeq: 5, Screen: "dimmed", Error: "Netzwerk getrennt – 網路中斷",
		ClientNow: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if err := c.ws.WriteJSON(hubproto.ClientMessage{Type: hubproto.MsgReport, Report: &want}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-reports:
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		if id := <-devs; id != panel.ID {
			t.Errorf("report from %q", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no report")
	}
	// The stream carries on.
	r.touch(t, saal, "AAMk-rep", "Nach dem Bericht", t0.Add(time.Hour))
	if fr := c.mustNext(); fr.Room == nil || fr.Room.ID != saal {
		t.Errorf("after a report: %+v", key(fr))
	}
}

func TestSilentClientIsDropped(t *testing.T) {
	r := newRig(t, FeedOptions{PingInterval: 20 * time.Millisecond, PongWait: 60 * time.Millisecond})
	// A raw connection that never reads answers no ping.
	c := r.dial(t, panel.ID, since(5, ""))
	deadline := time.Now().Add(30 * time.Second)
	for r.feed.Stats().Connections != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that answers no ping is still connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.mustNext() // hello was sent before
	_, err := c.next()
	var ce *websocket.CloseError
	if err == nil || (errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure) {
		t.Errorf("after the pong deadline: %v, want the connection cut", err)
	}
}

func TestStreamOriginAndParameters(t *testing.T) {
	r := newRig(t, FeedOptions{})
	host := strings.TrimPrefix(r.srv.URL, "http://")
	for _, tc := range []struct {
		name   string
		origin string
		query  string
		status int // 0: the upgrade succeeds
	}{
		{"native kiosk", "", "", 0},
		{"same origin", "http://" + host, "", 0},
		{"same origin, other case", "HTTP://" + strings.ToUpper(host), "", 0},
		{"other site", "https://evil.example", "", http.StatusForbidden},
		{"other port", "http://127.0.0.1:1", "", http.StatusForbidden},
		{"null origin", "null", "", http.StatusForbidden},
		{"bad since", "", "since=-1", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			u := "ws://" + host + hubproto.PathStream
			if tc.query != "" {
				u += "?" + tc.query
			}
			h.Set("X-Test-Device", panel.ID)
			ws, resp, err := websocket.DefaultDialer.Dial(u, h)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				ws.Close()
				return
			}
			if err == nil {
				ws.Close()
				t.Fatal("upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("answer %v, want %d", resp, tc.status)
			}
			if e := hubproto.DecodeError(resp.Body, resp.StatusCode); e.Code == hubproto.ErrorCodeInternal {
				t.Errorf("error body: %+v", e)
			}
		})
	}
}
