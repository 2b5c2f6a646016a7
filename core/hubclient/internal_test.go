package hubclient

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/hubclient/hubtest"
	"github.com/roomboard/roomboard/core/hubproto"
)

func TestBackoffBounds(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: 3 * time.Second}
	limits := []time.Duration{100, 200, 400, 800, 1600, 3000, 3000}
	for round := 0; round < 50; round++ {
		b.reset()
		for i, lim := range limits {
			if d := b.next(); d < 0 || d > lim*time.Millisecond {
				t.Fatalf("attempt %d: delay %v outside [0, %v]", i, d, lim*time.Millisecond)
			}
		}
	}
	// Many attempts never overflow into a negative or uncapped delay.
	for i := 0; i < 200; i++ {
		if d := b.next(); d < 0 || d > b.max {
			t.Fatalf("attempt %d: delay %v", i+len(limits), d)
		}
	}
}

// The WebSocket dial checks the pin like the HTTP calls do.
func TestStreamRefusesWrongPin(t *testing.T) {
	h := hubtest.New(hubtest.Options{})
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	defer h.Close()
	tok, _ := h.AddDevice("Tür", "r-1")
	for _, tc := range []struct {
		pin  string
		want error
	}{
		{CertSHA256(srv.Certificate()), nil},
		{strings.Repeat("1", 64), ErrPinMismatch},
	} {
		c, err := New(Options{HubURL: srv.URL, Token: tok, PinSHA256: tc.pin})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := c.dial(context.Background(), 0, "")
		if tc.want == nil {
			if err != nil {
				t.Fatalf("dial with the right pin: %v", err)
			}
			conn.Close()
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("dial = %v, want %v", err, tc.want)
		}
	}
	if got := len(h.StreamSinces()); got != 1 {
		t.Errorf("hub accepted %d streams, want only the pinned one", got)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"requestId":"a","ok":true,"booking":{"id":"b","start":"2026-03-02T08:00:00Z","end":"2026-03-02T09:00:00Z"}}`))
	f.Add([]byte(`{"state":"approved","token":"t","device":{"id":"d","rooms":["r"]}}`))
	f.Add([]byte(`{"error":"conflict","message":"belegt"}` + " {}"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(`{"room":{"bookings":[{"start":"not a time"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var res hubproto.ActionResult
		err := decodeJSON(data, &res)
		var st hubproto.PairStatus
		err2 := decodeJSON(data, &st)
		for _, e := range []error{err, err2} {
			if e != nil && !errors.Is(e, hubproto.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", e)
			}
		}
	})
}
