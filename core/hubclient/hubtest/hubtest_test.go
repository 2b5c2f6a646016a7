package hubtest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"github.com/roomboard/roomboard/core/hubproto"
)

// frames opens a raw stream from since and reads n frames.
func frames(t *testing.T, srv *httptest.Server, token string, since uint64, epoch string, n int) []hubproto.Frame {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + hubproto.PathStream + "?since=" + strconv.FormatUint(since, 10) + "&epoch=" + epoch
	conn, _, err := websocket.DefaultDialer.Dial(u, http.Header{hubproto.AuthHeader: {hubproto.BearerPrefix + token}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	var out []hubproto.Frame
	for range n {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %d frames: %v", len(out), err)
		}
		f, err := hubproto.DecodeFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

type short struct {
	Type   string
	Seq    uint64
	RoomID string
}

func shorten(fs []hubproto.Frame) []short {
	var out []short
	for _, f := range fs {
		s := short{Type: f.Type, Seq: f.Seq, RoomID: f.RoomID}
		if f.Room != nil {
			s.RoomID = f.Room.ID
		}
		out = append(out, s)
	}
	return out
}

// The backlog sends each changed room once, at its last change, skips
// rooms the device cannot see, and a forgotten backlog gives a resync.
func TestBacklog(t *testing.T) {
	h := New(Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Close()
	tok, _ := h.AddDevice("Etage", "a", "b")
	h.SetRoom(hubproto.RoomView{ID: "a", Name: "Aula"})   // 1
	h.SetRoom(hubproto.RoomView{ID: "b", Name: "Bühne"})  // 2
	h.SetRoom(hubproto.RoomView{ID: "c", Name: "Café"})   // 3, not visible
	h.SetRoom(hubproto.RoomView{ID: "a", Name: "Aula 2"}) // 4
	h.RemoveRoom("b")                                     // 5

	tests := []struct {
		name  string
		floor uint64
		since uint64
		epoch string
		want  []short
	}{
		{"from the start", 0, 0, "", []short{{"hello", 5, ""}, {"room", 4, "a"}, {"removed", 5, "b"}}},
		{"from 4", 0, 4, "epoch-1", []short{{"hello", 5, ""}, {"removed", 5, "b"}}},
		{"up to date", 0, 5, "epoch-1", []short{{"hello", 5, ""}}},
		{"from the future", 0, 9, "", []short{{"hello", 5, ""}, {"resync", 5, ""}}},
		{"forgotten", 3, 2, "", []short{{"hello", 5, ""}, {"resync", 5, ""}}},
		{"other epoch", 0, 4, "epoch-0", []short{{"hello", 5, ""}, {"resync", 5, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.ForgetBefore(tc.floor)
			got := frames(t, srv, tok, tc.since, tc.epoch, len(tc.want))
			if diff := cmp.Diff(tc.want, shorten(got)); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if got[0].Hub == nil || got[0].Hub.Epoch != "epoch-1" {
				t.Errorf("hello without the hub's epoch: %+v", got[0])
			}
		})
	}
}

func TestAuth(t *testing.T) {
	h := New(Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Close()
	tok, dev := h.AddDevice("Tür", "a")
	get := func(path, token string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set(hubproto.AuthHeader, hubproto.BearerPrefix+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(hubproto.PathSnapshot, tok); got != http.StatusOK {
		t.Errorf("snapshot with a token: %d", got)
	}
	if got := get(hubproto.PathSnapshot, "x"); got != http.StatusUnauthorized {
		t.Errorf("snapshot with a bad token: %d", got)
	}
	h.Revoke(dev.ID)
	if got := get(hubproto.PathSnapshot, tok); got != http.StatusUnauthorized {
		t.Errorf("snapshot after revocation: %d", got)
	}
	if d, _ := h.Device(dev.ID); !d.Revoked {
		t.Error("device not marked revoked")
	}
}
