package ews_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// These tests drive the client against the simulator over real HTTP; the
// operation files test their own requests and responses from bytes.

func endpoint(ts *httptest.Server) string { return ts.URL + "/EWS/Exchange.asmx" }

func TestBasicAuth(t *testing.T) {
	_, ts := ewstest.NewServer(ewstest.Options{Auth: ewstest.AuthBasic, Passwords: map[string]string{"svc@contoso.com": "s3cret-Ü"}})
	defer ts.Close()
	ctx := context.Background()

	c := ews.New(endpoint(ts), ews.BasicAuth("svc@contoso.com", "s3cret-Ü"))
	if _, err := c.GetRoomLists(ctx); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if sv := c.ServerVersion(); sv.MajorVersion != 15 || sv.Version == "" {
		t.Errorf("ServerVersion not recorded: %+v", sv)
	}

	bad := ews.New(endpoint(ts), ews.BasicAuth("svc@contoso.com", "wrong"))
	_, err := bad.GetRoomLists(ctx)
	if !errors.Is(err, ews.ErrUnauthorized) {
		t.Fatalf("wrong password: err = %v, want ErrUnauthorized", err)
	}
	if ews.IsTransient(err) {
		t.Errorf("a wrong password must not be transient")
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestBearerTokenExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sim, ts := ewstest.NewServer(ewstest.Options{Auth: ewstest.AuthBearer, TokenTTL: time.Hour, Now: clock})
	defer ts.Close()
	ctx := context.Background()

	c := ews.New(endpoint(ts), ews.BearerAuth(ews.StaticToken(sim.IssueToken("app@contoso.com"))))
	if _, err := c.GetRoomLists(ctx); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	if _, err := c.GetRoomLists(ctx); !errors.Is(err, ews.ErrUnauthorized) {
		t.Fatalf("expired token: err = %v, want ErrUnauthorized", err)
	}
	if _, err := ews.New(endpoint(ts), ews.BearerAuth(ews.StaticToken(""))).GetRoomLists(ctx); err == nil {
		t.Fatal("empty token accepted")
	}
}

func TestFaultLayers(t *testing.T) {
	sim, ts := ewstest.NewServer(ewstest.Options{})
	defer ts.Close()
	ctx := context.Background()
	c := ews.New(endpoint(ts), nil)

	tests := []struct {
		name      string
		fault     ewstest.Fault
		code      string
		status    int
		transient bool
		backOff   time.Duration
	}{
		{"soap busy", ewstest.Fault{SOAPFault: "ErrorServerBusy", BackOff: 1500 * time.Millisecond}, "ErrorServerBusy", 0, true, 1500 * time.Millisecond},
		{"http 503", ewstest.Fault{HTTPStatus: http.StatusServiceUnavailable, BackOff: 3 * time.Second}, "", 503, true, 3 * time.Second},
		{"http 500 without soap", ewstest.Fault{HTTPStatus: http.StatusInternalServerError}, "", 500, false, 0},
		{"http 403", ewstest.Fault{HTTPStatus: http.StatusForbidden}, "", 403, false, 0},
		{"per-message code", ewstest.Fault{ResponseCode: "ErrorMailboxStoreUnavailable"}, "ErrorMailboxStoreUnavailable", 0, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fault.Op, tc.fault.Times = "GetRoomLists", 1
			sim.Inject(tc.fault)
			_, err := c.GetRoomLists(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			if got := ews.Code(err); got != tc.code {
				t.Errorf("Code = %q, want %q (err %v)", got, tc.code, err)
			}
			var he *ews.HTTPError
			if tc.status != 0 && (!errors.As(err, &he) || he.StatusCode != tc.status) {
				t.Errorf("err = %v, want HTTP %d", err, tc.status)
			}
			if got := ews.IsTransient(err); got != tc.transient {
				t.Errorf("IsTransient = %v, want %v", got, tc.transient)
			}
			if d, _ := ews.BackOff(err); d != tc.backOff {
				t.Errorf("BackOff = %v, want %v", d, tc.backOff)
			}
			if tc.status == 403 && !errors.Is(err, ews.ErrForbidden) {
				t.Errorf("403 does not match ErrForbidden")
			}
			// The fault was for one request only: the next one succeeds.
			if _, err := c.GetRoomLists(ctx); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

func TestConcurrencyBudget(t *testing.T) {
	sim, ts := ewstest.NewServer(ewstest.Options{MaxConcurrency: 2, BusyBackOff: 250 * time.Millisecond})
	defer ts.Close()
	sim.Inject(ewstest.Fault{Op: "GetRoomLists", Delay: 300 * time.Millisecond})
	c := ews.New(endpoint(ts), nil)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			_, err := c.GetRoomLists(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var busy, ok int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case ews.Code(err) == "ErrorServerBusy":
			busy++
			if d, has := ews.BackOff(err); !has || d != 250*time.Millisecond {
				t.Errorf("busy without the BackOffMilliseconds hint: %v %v", d, has)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok < 2 || busy == 0 {
		t.Errorf("ok=%d busy=%d: want at least 2 served and some ErrorServerBusy over a budget of 2", ok, busy)
	}
}

func TestImpersonationHeaderReachesServer(t *testing.T) {
	var seen string
	_, ts := ewstest.NewServer(ewstest.Options{})
	defer ts.Close()
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("X-AnchorMailbox")
		proxy, _ := http.NewRequestWithContext(r.Context(), r.Method, endpoint(ts), r.Body)
		proxy.Header = r.Header.Clone()
		res, err := http.DefaultTransport.RoundTrip(proxy)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			w.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}))
	defer spy.Close()
	c := ews.New(spy.URL, nil).Impersonating("room.zurich-limmat@contoso.com")
	if _, err := c.GetRoomLists(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen != "room.zurich-limmat@contoso.com" {
		t.Errorf("X-AnchorMailbox = %q", seen)
	}
}

func TestResponseSizeBound(t *testing.T) {
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetRoomListsResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ResponseClass="Success"><m:RoomLists>`))
		for range 4096 {
			w.Write([]byte(`<t:Address xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Name>Besprechungsraum Zürich</t:Name></t:Address>`))
		}
	}))
	defer huge.Close()
	c := ews.New(huge.URL, nil)
	c.MaxResponseBytes = 64 << 10
	_, err := c.GetRoomLists(context.Background())
	if !errors.Is(err, ews.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestMalformedResponses(t *testing.T) {
	tests := []struct{ name, ct, body string }{
		{"html", "text/html", "<html><body>Service Unavailable</body></html>"},
		{"truncated", "text/xml", `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetRoomListsResp`},
		{"empty", "text/xml", ""},
		{"not soap", "text/xml", `<Envelope><Body/></Envelope>`},
		{"wrong charset", "text/xml", `<?xml version="1.0" encoding="ISO-2022-JP"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			_, err := ews.New(ts.URL, nil).GetRoomLists(context.Background())
			if !errors.Is(err, ews.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	sim, ts := ewstest.NewServer(ewstest.Options{})
	defer ts.Close()
	sim.Inject(ewstest.Fault{Delay: 2 * time.Second, Op: "GetRoomLists"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := ews.New(endpoint(ts), nil).GetRoomLists(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}
