package hubclient_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubclient/hubtest"
	"github.com/roomboard/roomboard/core/hubproto"
)

func TestNewChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		o    hubclient.Options
		ok   bool
	}{
		{"https", hubclient.Options{HubURL: "https://hub.example.com:8443"}, true},
		{"http with path", hubclient.Options{HubURL: "http://127.0.0.1:8080/"}, true},
		{"pin with colons", hubclient.Options{HubURL: "https://hub", PinSHA256: strings.Repeat("AB:", 31) + "AB"}, true},
		{"no scheme", hubclient.Options{HubURL: "hub.example.com"}, false},
		{"ws scheme", hubclient.Options{HubURL: "wss://hub.example.com"}, false},
		{"short pin", hubclient.Options{HubURL: "https://hub", PinSHA256: "abcd"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hubclient.New(tc.o)
			if (err == nil) != tc.ok {
				t.Errorf("New = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// A retry after a lost answer repeats the RequestID, and the hub answers it
// without booking twice.
func TestActRetryAfterLostAnswer(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Tür 1", "r-3")
	c := newClient(t, opts(t, srv.URL, tok))
	h.DropNextAnswers(1)
	res, err := c.Act(context.Background(), hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: "r-3", Minutes: 30, Subject: "Spontan"})
	if err != nil {
		t.Fatalf("Act: %v", err)
	}
	if !res.OK || res.RequestID == "" || res.Booking == nil || !res.Booking.Mine {
		t.Fatalf("result %+v, want OK with a booking of ours", res)
	}
	requests, executed := h.ActionStats()
	if requests != 2 || executed != 1 {
		t.Errorf("hub saw %d requests and acted %d times; want 2 and 1", requests, executed)
	}
	v, _ := h.Room("r-3")
	if len(v.Bookings) != 1 {
		t.Errorf("room has %d bookings, want 1", len(v.Bookings))
	}
	if diff := cmp.Diff(v, *res.Room); diff != "" {
		t.Errorf("result room (-hub +result):\n%s", diff)
	}
}

// Refusals come back typed and are not retried.
func TestActRefusals(t *testing.T) {
	tests := []struct {
		name   string
		inject string
		req    hubproto.ActionRequest
		code   string
	}{
		{"conflict", hubproto.ErrorCodeConflict, hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: "r-1", Minutes: 15}, hubproto.ErrorCodeConflict},
		{"declined", hubproto.ErrorCodeDeclined, hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: "r-1", Minutes: 15}, hubproto.ErrorCodeDeclined},
		{"unavailable", hubproto.ErrorCodeUnavailable, hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: "r-1", Minutes: 15}, hubproto.ErrorCodeUnavailable},
		{"forbidden room", "", hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: "r-2", Minutes: 15}, hubproto.ErrorCodeForbidden},
		{"unknown booking", "", hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: "r-1", BookingID: "nope"}, hubproto.ErrorCodeNotFound},
		{"end a booking not running", "", hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: "r-1", BookingID: "r-1-Kick-off"}, hubproto.ErrorCodeConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, srv := startHub(t, hubtest.Options{Now: func() time.Time { return t0 }})
			tok, _ := h.AddDevice("Tür 1", "r-1")
			c := newClient(t, opts(t, srv.URL, tok))
			if tc.inject != "" {
				h.FailNext(tc.inject)
			}
			res, err := c.Act(context.Background(), tc.req)
			var herr *hubproto.Error
			if !errors.As(err, &herr) || herr.Code != tc.code {
				t.Fatalf("Act = %v, want hub error %q", err, tc.code)
			}
			if res.OK || res.RequestID == "" {
				t.Errorf("result %+v, want not OK with the request ID", res)
			}
			if requests, executed := h.ActionStats(); requests != 1 || executed != 0 {
				t.Errorf("hub saw %d requests and acted %d times; want 1 and 0", requests, executed)
			}
		})
	}
}

func TestActInvalidNotSent(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Tür 1", "r-1")
	c := newClient(t, opts(t, srv.URL, tok))
	_, err := c.Act(context.Background(), hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: "r-1"})
	if !errors.Is(err, hubproto.ErrInvalid) {
		t.Errorf("Act = %v, want ErrInvalid", err)
	}
	if requests, _ := h.ActionStats(); requests != 0 {
		t.Errorf("an invalid action reached the hub")
	}
}

// Actions change the room for every kiosk through the stream too.
func TestActionsStream(t *testing.T) {
	now := t0.Add(time.Hour + 10*time.Minute) // inside r-1's "Kick-off"
	h, srv := startHub(t, hubtest.Options{Now: func() time.Time { return now }})
	tok, _ := h.AddDevice("Tür 1", "r-1")
	c := newClient(t, opts(t, srv.URL, tok))
	rec, _ := run(t, c)
	rec.next(t, "online", online(h.Seq()))
	steps := []hubproto.ActionRequest{
		{Kind: hubproto.ActionCheckIn, RoomID: "r-1", BookingID: "r-1-Kick-off"},
		{Kind: hubproto.ActionExtend, RoomID: "r-1", BookingID: "r-1-Kick-off", Minutes: 30},
		{Kind: hubproto.ActionEnd, RoomID: "r-1", BookingID: "r-1-Kick-off"},
	}
	for _, req := range steps {
		res, err := c.Act(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", req.Kind, err)
		}
		s := rec.next(t, "after "+req.Kind, online(h.Seq()))
		got, _ := s.Room("r-1")
		if diff := cmp.Diff(*res.Room, got); diff != "" {
			t.Errorf("%s: streamed room differs from the action result (-result +stream):\n%s", req.Kind, diff)
		}
	}
	v, _ := h.Room("r-1")
	b := v.Bookings[0]
	if !b.CheckedInAt.Equal(now) || !b.End.Equal(now) {
		t.Errorf("booking after check-in and end: %+v", b)
	}
}

func TestPairing(t *testing.T) {
	t.Run("approved", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		c := newClient(t, opts(t, srv.URL, ""))
		resp, err := c.Pair(context.Background(), "Kiosk 3.07 Zürich")
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Code) != 7 || !strings.Contains(resp.QR, resp.Code) {
			t.Errorf("pair response %+v", resp)
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			// Approve only once the kiosk has polled at least once, so
			// the pending state is exercised.
			polled := 0
			h.Wait(ctx, func() bool { polled++; return polled > 2 })
			h.Approve(resp.Code, "r-1", "r-2")
		}()
		tok, dev, pin, err := c.WaitPaired(context.Background(), resp)
		if err != nil {
			t.Fatal(err)
		}
		if tok == "" || pin != "" || dev.Name != "Kiosk 3.07 Zürich" || len(dev.Rooms) != 2 {
			t.Errorf("WaitPaired = token set %v, %+v, pin %q", tok != "", dev, pin)
		}
		if c.Token() != tok {
			t.Error("the client did not adopt the token")
		}
		s, err := c.Snapshot(context.Background())
		if err != nil {
			t.Fatalf("Snapshot with the new token: %v", err)
		}
		if len(s.Rooms) != 2 || s.Device.ID != dev.ID {
			t.Errorf("snapshot: %d rooms, device %q", len(s.Rooms), s.Device.ID)
		}
		// The token is handed out once.
		if _, _, _, err := c.WaitPaired(context.Background(), resp); !errors.Is(err, hubproto.ErrInvalid) {
			t.Errorf("second WaitPaired = %v, want an error", err)
		}
	})
	t.Run("denied", func(t *testing.T) {
		h, srv := startHub(t, hubtest.Options{})
		c := newClient(t, opts(t, srv.URL, ""))
		resp, err := c.Pair(context.Background(), "Kiosk")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Deny(resp.Code); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := c.WaitPaired(context.Background(), resp); !errors.Is(err, hubclient.ErrPairDenied) {
			t.Errorf("WaitPaired = %v, want ErrPairDenied", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		now := t0
		h, srv := startHub(t, hubtest.Options{Now: func() time.Time { return now }, PairTTL: time.Minute})
		c := newClient(t, opts(t, srv.URL, ""))
		resp, err := c.Pair(context.Background(), "Kiosk")
		if err != nil {
			t.Fatal(err)
		}
		now = t0.Add(2 * time.Minute)
		if _, err := h.Approve(resp.Code); err == nil {
			t.Error("an expired code was approved")
		}
		if _, _, _, err := c.WaitPaired(context.Background(), resp); !errors.Is(err, hubclient.ErrPairExpired) {
			t.Errorf("WaitPaired = %v, want ErrPairExpired", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, srv := startHub(t, hubtest.Options{})
		c := newClient(t, opts(t, srv.URL, ""))
		resp, err := c.Pair(context.Background(), "Kiosk")
		if err != nil {
			t.Fatal(err)
		}
		resp.Secret = "geraten"
		if _, _, _, err := c.WaitPaired(context.Background(), resp); !errors.Is(err, hubclient.ErrPairExpired) {
			t.Errorf("WaitPaired = %v, want ErrPairExpired (unknown pairing)", err)
		}
	})
}

// startTLSHub serves a fake hub over TLS with httptest's self-signed
// certificate.
func startTLSHub(t *testing.T, advertise func(pin string) string) (*hubtest.Hub, *httptest.Server, string) {
	t.Helper()
	o := hubtest.Options{}
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	pin := hubclient.CertSHA256(srv.Certificate())
	if advertise != nil {
		o.CertSHA256 = advertise(pin)
	}
	h := hubtest.New(o)
	h.SetRoom(view("r-1", "Großer Saal"))
	srv.Config.Handler = h
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)
	return h, srv, pin
}

func TestTLS(t *testing.T) {
	h, srv, pin := startTLSHub(t, nil)
	tok, _ := h.AddDevice("Tür 1", "r-1")
	ca := x509.NewCertPool()
	ca.AddCert(srv.Certificate())
	tests := []struct {
		name    string
		pin     string
		ca      bool
		wantErr error // nil: success; otherwise errors.Is target, or errAny
	}{
		{"pin", pin, false, nil},
		{"pin upper case with colons", colons(strings.ToUpper(pin)), false, nil},
		{"operator CA", "", true, nil},
		{"wrong pin", strings.Repeat("0", 64), false, hubclient.ErrPinMismatch},
		{"wrong pin beats CA", strings.Repeat("0", 64), true, hubclient.ErrPinMismatch},
		{"system roots", "", false, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t, srv.URL, tok)
			o.PinSHA256 = tc.pin
			if tc.ca {
				o.CA = ca
			}
			c := newClient(t, o)
			_, err := c.Snapshot(context.Background())
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Snapshot: %v", err)
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("Snapshot = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

var errAny = errors.New("any error")

func colons(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(s[i : i+2])
	}
	return b.String()
}

// Pairing with a self-signed hub trusts its certificate on first use,
// checks it against the one the hub advertises, and returns it as the pin.
func TestPairTLS(t *testing.T) {
	t.Run("trust on first use", func(t *testing.T) {
		h, srv, pin := startTLSHub(t, func(pin string) string { return pin })
		c := newClient(t, opts(t, srv.URL, ""))
		resp, err := c.Pair(context.Background(), "Kiosk")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Approve(resp.Code, "r-1"); err != nil {
			t.Fatal(err)
		}
		tok, _, gotPin, err := c.WaitPaired(context.Background(), resp)
		if err != nil {
			t.Fatal(err)
		}
		if gotPin != pin {
			t.Errorf("pin %q, want %q", gotPin, pin)
		}
		// A new client with the stored token and pin works.
		o := opts(t, srv.URL, tok)
		o.PinSHA256 = gotPin
		if _, err := newClient(t, o).Snapshot(context.Background()); err != nil {
			t.Errorf("Snapshot with the pin from pairing: %v", err)
		}
	})
	t.Run("advertised certificate differs", func(t *testing.T) {
		_, srv, _ := startTLSHub(t, func(string) string { return strings.Repeat("ab", 32) })
		c := newClient(t, opts(t, srv.URL, ""))
		if _, err := c.Pair(context.Background(), "Kiosk"); !errors.Is(err, hubclient.ErrPinMismatch) {
			t.Errorf("Pair = %v, want ErrPinMismatch", err)
		}
	})
}

// A caller that repeats a RequestID gets the first answer, except after
// "unavailable", which guarantees nothing happened; and an ID cannot be
// reused for another action.
func TestActRepeatedRequestID(t *testing.T) {
	h, srv := startHub(t, hubtest.Options{})
	tok, _ := h.AddDevice("Tür 1", "r-3")
	c := newClient(t, opts(t, srv.URL, tok))
	book := hubproto.ActionRequest{RequestID: "req-1", Kind: hubproto.ActionBook, RoomID: "r-3", Minutes: 20}
	h.FailNext(hubproto.ErrorCodeUnavailable)
	var herr *hubproto.Error
	if _, err := c.Act(context.Background(), book); !errors.As(err, &herr) || herr.Code != hubproto.ErrorCodeUnavailable {
		t.Fatalf("first Act = %v, want unavailable", err)
	}
	first, err := c.Act(context.Background(), book)
	if err != nil {
		t.Fatalf("Act after unavailable: %v", err)
	}
	again, err := c.Act(context.Background(), book)
	if err != nil {
		t.Fatalf("repeated Act: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("repeated answer differs (-first +again):\n%s", diff)
	}
	if _, executed := h.ActionStats(); executed != 1 {
		t.Errorf("acted %d times, want 1", executed)
	}
	other := book
	other.Minutes = 40
	if _, err := c.Act(context.Background(), other); !errors.As(err, &herr) || herr.Code != hubproto.ErrorCodeInvalid {
		t.Errorf("reused RequestID = %v, want invalid", err)
	}
}
