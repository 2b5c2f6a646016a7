package ews_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// The NTLM front end is Apache + mod_auth_gssapi + gss-ntlmssp, configured
// and started by scripts/ntlm-apache.sh. It authenticates on 127.0.0.1:8089
// and proxies to the simulator this test serves on 127.0.0.1:8099.
const (
	ntlmFrontEnd = "127.0.0.1:8089"
	ntlmBackend  = "127.0.0.1:8099"
	ntlmURL      = "http://" + ntlmFrontEnd + "/EWS/Exchange.asmx"
	ntlmUser     = `CONTOSO\svc-roomboard`
	// ntlmFixturePassword is a TEST FIXTURE, not a secret: the password of
	// the only account of a loopback-only test server. It must equal
	// NTLM_TEST_FIXTURE_PASSWORD in scripts/ntlm-apache.sh.
	ntlmFixturePassword = "Raumbuchung-Test-2026"
)

// ntlmPassword is the fixture password, overridable (for script and test
// alike) with ROOMBOARD_NTLM_PASSWORD.
func ntlmPassword() string {
	if p := os.Getenv("ROOMBOARD_NTLM_PASSWORD"); p != "" {
		return p
	}
	return ntlmFixturePassword
}

// requireNTLMFrontEnd skips the test when the Apache front end is not
// running, except in CI, where a missing prerequisite must fail the build
// rather than silently drop the only real-NTLM check.
func requireNTLMFrontEnd(t *testing.T) {
	t.Helper()
	err := probeNTLMFrontEnd()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("NTLM front end not available on %s (start it as root with `scripts/ntlm-apache.sh start`; "+
		"needs apache2, libapache2-mod-auth-gssapi, gss-ntlmssp): %v", ntlmFrontEnd, err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// probeNTLMFrontEnd checks that something on the front-end port answers an
// anonymous POST with 401 and an NTLM offer, so that a stray service on
// the port is not mistaken for it.
func probeNTLMFrontEnd() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ntlmURL, strings.NewReader("<probe/>"))
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("anonymous POST answered %s, want 401", res.Status)
	}
	for _, v := range res.Header.Values("WWW-Authenticate") {
		if strings.EqualFold(strings.TrimSpace(v), "NTLM") {
			return nil
		}
	}
	return fmt.Errorf("401 without WWW-Authenticate: NTLM (got %q)", res.Header.Values("WWW-Authenticate"))
}

// remoteUsers records the X-Remote-User header of every request that
// reaches the simulator: the account Apache authenticated.
type remoteUsers struct {
	mu   sync.Mutex
	seen map[string]int
}

func (r *remoteUsers) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.seen == nil {
			r.seen = map[string]int{}
		}
		r.seen[req.Header.Get("X-Remote-User")]++
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

func (r *remoteUsers) accounts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for u := range r.seen {
		out = append(out, u)
	}
	return out
}

// startNTLMBackend serves sim on the fixed address Apache proxies to.
func startNTLMBackend(t *testing.T, sim *ewstest.Server) *remoteUsers {
	t.Helper()
	ln, err := net.Listen("tcp", ntlmBackend)
	if err != nil {
		t.Fatalf("listen on %s for the simulator behind the NTLM front end: %v", ntlmBackend, err)
	}
	rec := &remoteUsers{}
	ts := httptest.NewUnstartedServer(rec.wrap(sim))
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return rec
}

// connTrace counts how requests obtained their connections.
type connTrace struct {
	mu            sync.Mutex
	fresh, reused int
}

func (c *connTrace) context(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if info.Reused {
				c.reused++
			} else {
				c.fresh++
			}
		},
	})
}

func (c *connTrace) counts() (fresh, reused int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh, c.reused
}

// TestNTLMFrontEnd drives the client through a real NTLM implementation we
// did not write (gss-ntlmssp behind Apache) to the simulator: several
// operations on one kept-alive, authenticated connection, the account
// reaching the simulator, and a wrong password failing as ErrUnauthorized.
func TestNTLMFrontEnd(t *testing.T) {
	requireNTLMFrontEnd(t)
	// AuthBasic without passwords: the simulator accepts nothing except an
	// account forwarded by the front end in X-Remote-User.
	sim := ewstest.New(ewstest.Options{Seed: 42, Auth: ewstest.AuthBasic, TrustRemoteUserHeader: true})
	rec := startNTLMBackend(t, sim)

	c := ews.New(ntlmURL, ews.NTLMAuth(ntlmUser, ntlmPassword()))
	var trace connTrace
	ctx := trace.context(t.Context())

	// The first request carries the three-leg handshake.
	lists, err := c.GetRoomLists(ctx)
	if errors.Is(err, ews.ErrUnauthorized) {
		t.Fatalf("GetRoomLists through NTLM: %v (was scripts/ntlm-apache.sh started with the same ROOMBOARD_NTLM_PASSWORD? sudo drops it from the environment)", err)
	}
	if err != nil {
		t.Fatalf("GetRoomLists through NTLM: %v", err)
	}
	var wantLists []string
	for _, rl := range sim.RoomLists() {
		wantLists = append(wantLists, rl.Address)
	}
	if diff := cmp.Diff(wantLists, addresses(lists), sortStrings); diff != "" || len(lists) == 0 {
		t.Fatalf("GetRoomLists through NTLM (-simulator +client):\n%s", diff)
	}
	// go-ntlmssp sends the request anonymously first and keeps that 401
	// open until the handshake is over, so the negotiate and authenticate
	// legs run on a second connection: three round trips, two connections.
	handshakeConns, handshakeReused := trace.counts()
	if handshakeConns < 1 || handshakeConns > 2 || handshakeConns+handshakeReused != 3 {
		t.Errorf("NTLM handshake: %d new connections and %d reused, want 3 round trips on at most 2 connections",
			handshakeConns, handshakeReused)
	}

	// Later requests must ride the authenticated connection: a new one
	// would need a new handshake, and with GssapiConnectionBound the
	// server remembers the account per connection. One round trip each
	// means no request was challenged again.
	ops := ntlmOperations(sim, lists)
	for _, op := range ops {
		if err := op.run(ctx, c); err != nil {
			t.Errorf("%s through NTLM: %v", op.name, err)
		}
	}
	fresh, reused := trace.counts()
	if fresh != handshakeConns {
		t.Errorf("%d new connections after the handshake, want 0 (keep-alive broken)", fresh-handshakeConns)
	}
	if got, want := reused-handshakeReused, totalCalls(ops); got != want {
		t.Errorf("%d round trips for %d requests after the handshake, want one each on the kept-alive connection", got, want)
	}

	if diff := cmp.Diff([]string{ntlmUser}, rec.accounts()); diff != "" {
		t.Errorf("accounts the simulator was given (-want +got):\n%s", diff)
	}
	st := sim.Stats()
	if want := int64(1 + totalCalls(ops)); st.Requests != want {
		t.Errorf("simulator answered %d requests, want %d (one per operation)", st.Requests, want)
	}

	t.Run("WrongPassword", func(t *testing.T) {
		before := sim.Stats().Requests
		// A fresh client: an authenticated kept-alive connection would
		// otherwise let any credentials through.
		bad := ews.New(ntlmURL, ews.NTLMAuth(ntlmUser, ntlmPassword()+"-wrong"))
		_, err := bad.GetRoomLists(t.Context())
		if !errors.Is(err, ews.ErrUnauthorized) {
			t.Fatalf("GetRoomLists with a wrong password: err = %v, want ews.ErrUnauthorized", err)
		}
		if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "GetRoomLists") {
			t.Errorf("error %q should name the operation and the 401", err)
		}
		if after := sim.Stats().Requests; after != before {
			t.Errorf("simulator received %d requests from the rejected client, want 0", after-before)
		}
	})

	t.Run("NoCredentials", func(t *testing.T) {
		_, err := ews.New(ntlmURL, nil).GetRoomLists(t.Context())
		if !errors.Is(err, ews.ErrUnauthorized) {
			t.Fatalf("GetRoomLists without credentials: err = %v, want ews.ErrUnauthorized", err)
		}
	})
}

type ntlmOp struct {
	name  string
	calls int // EWS requests the op sends; zero means one
	run   func(ctx context.Context, c *ews.Client) error
}

func totalCalls(ops []ntlmOp) int {
	n := 0
	for _, op := range ops {
		n += max(op.calls, 1)
	}
	return n
}

// ntlmOperations are the requests sent after the handshake. Each has a
// request body (GetUserAvailability's is the largest), so the proxy must
// carry POST bodies on the authenticated connection; answers are compared
// with the simulator's own state.
func ntlmOperations(sim *ewstest.Server, lists []ews.Mailbox) []ntlmOp {
	var ops []ntlmOp
	var rooms []string
	for _, l := range lists {
		var want []string
		for _, r := range sim.Rooms() {
			for _, in := range r.RoomLists {
				if in == l.EmailAddress {
					want = append(want, r.Address)
				}
			}
		}
		rooms = append(rooms, want...)
		ops = append(ops, ntlmOp{"GetRooms " + l.EmailAddress, 1, func(ctx context.Context, c *ews.Client) error {
			got, err := c.GetRooms(ctx, l.EmailAddress)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, addresses(got), sortStrings); diff != "" {
				return fmt.Errorf("rooms (-simulator +client):\n%s", diff)
			}
			return nil
		}})
	}
	if len(rooms) == 0 {
		return ops
	}
	ops = append(ops, ntlmOp{"Subscribe+Unsubscribe own calendar", 2, func(ctx context.Context, c *ews.Client) error {
		// The subscription records the mailbox the simulator resolved from
		// the forwarded account: CONTOSO\svc-roomboard is
		// svc-roomboard@contoso.com.
		sub, err := c.Subscribe(ctx, &ews.SubscribeRequest{Kind: ews.Pull, Folders: []ews.FolderID{ews.CalendarOf("")}, Timeout: 10 * time.Minute})
		if err != nil {
			return err
		}
		var mailbox string
		for _, si := range sim.Subscriptions() {
			if si.ID == sub.ID {
				mailbox = si.Mailbox
			}
		}
		if err := c.Unsubscribe(ctx, sub.ID); err != nil {
			return err
		}
		if want := "svc-roomboard@contoso.com"; !strings.EqualFold(mailbox, want) {
			return fmt.Errorf("simulator filed the subscription under %q, want %q", mailbox, want)
		}
		return nil
	}})
	start := sim.Now().UTC().Truncate(time.Hour)
	end := start.Add(7 * 24 * time.Hour)
	room := rooms[0]
	ops = append(ops,
		ntlmOp{"FindItem CalendarView " + room, 1, func(ctx context.Context, c *ews.Client) error {
			res, err := c.FindItem(ctx, &ews.FindItemRequest{
				Folder:       ews.CalendarOf(room),
				CalendarView: &ews.CalendarView{Start: start, End: end},
				Fields:       ews.CalendarViewFields,
			})
			if err != nil {
				return err
			}
			if want := len(sim.Truth(room, start, end)); len(res.Items) != want || want == 0 {
				return fmt.Errorf("%d occurrences, simulator holds %d", len(res.Items), want)
			}
			return nil
		}},
		ntlmOp{fmt.Sprintf("GetUserAvailability %d rooms", len(rooms)), 1, func(ctx context.Context, c *ews.Client) error {
			got, err := c.GetUserAvailability(ctx, &ews.AvailabilityRequest{Mailboxes: rooms, Start: start, End: end, View: "DetailedMerged"})
			if err != nil {
				return err
			}
			if len(got) != len(rooms) {
				return fmt.Errorf("%d answers for %d rooms", len(got), len(rooms))
			}
			for _, a := range got {
				if a.Err != nil {
					return fmt.Errorf("%s: %w", a.Mailbox, a.Err)
				}
			}
			return nil
		}},
	)
	return ops
}

func addresses(ms []ews.Mailbox) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, strings.ToLower(m.EmailAddress))
	}
	return out
}

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
