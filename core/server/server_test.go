package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// The hub tests run a real Server (with the real feed) over httptest on a
// real SQLite file, with a fake clock the test moves.

// hubClock is a clock that moves only when the test says so.
type hubClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *hubClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *hubClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hubEnv is a running hub for one test.
type hubEnv struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	db    *store.DB
	bus   *bus.Bus
	clock *hubClock
	dir   string
}

const (
	testPublicURL = "https://hub.contoso.test:8443"
	testAdmin     = "jürgen.admin"
	testPassword  = "Kennwort-für-Tests-42"
)

var (
	hubLists = []room.RoomList{
		{ID: "zuerich-og3@contoso.com", Email: "zuerich-og3@contoso.com", Name: "Zürich 3. OG", Building: "Zürich Bahnhofstraße", Floor: "3. OG"},
		{ID: "taipei-12f@contoso.com", Email: "taipei-12f@contoso.com", Name: "台北總部 12F", Building: "台北總部", Floor: "12F"},
	}
	hubRooms = []room.Room{
		{ID: "grosser-saal@contoso.com", Email: "Grosser-Saal@contoso.com", Name: "Großer Saal (Übergröße)", Capacity: 40,
			ListID: "zuerich-og3@contoso.com", Building: "Zürich Bahnhofstraße", Floor: "3. OG", TimeZone: "Europe/Zurich"},
		{ID: "kleiner-raum@contoso.com", Email: "kleiner-raum@contoso.com", Name: "Kleiner Raum „Bär“", Capacity: 4,
			ListID: "zuerich-og3@contoso.com", Building: "Zürich Bahnhofstraße", Floor: "3. OG", TimeZone: "Europe/Zurich"},
		{ID: "huiyishi-1@contoso.com", Email: "huiyishi-1@contoso.com", Name: "會議室一 (简体: 会议室一)", Capacity: 8,
			ListID: "taipei-12f@contoso.com", Building: "台北總部", Floor: "12F", TimeZone: "Asia/Taipei"},
	}
)

// newHubEnv starts a hub with seeded rooms, an admin account and its feed
// running. modify may change the Options before New.
func newHubEnv(t *testing.T, modify ...func(*Options)) *hubEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &hubClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	db, err := store.Open(ctx, filepath.Join(dir, "roomboard.db"), store.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertRoomLists(ctx, hubLists); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertRooms(ctx, hubRooms); err != nil {
		t.Fatal(err)
	}
	b := bus.New()
	t.Cleanup(b.Close)
	o := Options{DB: db, Bus: b, Clock: clock.now, Logf: t.Logf, Name: "Testhub", Version: "0.0.0-test",
		PublicURL: testPublicURL, TLS: TLSOptions{Dir: filepath.Join(dir, "tls")}}
	for _, m := range modify {
		m(&o)
	}
	s, err := New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// Tests hash with few iterations; TestPasswordHash checks the real
	// count once.
	s.pbkdf2Iter = 1000
	if err := s.EnsureAdmin(ctx, testAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.feed.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("feed: %v", err)
		}
	})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &hubEnv{t: t, s: s, ts: ts, db: db, bus: b, clock: clock, dir: dir}
}

// do sends a request with an optional bearer token and JSON body and
// returns the status and body.
func (e *hubEnv) do(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	return e.doHeader(method, path, token, body, nil)
}

func (e *hubEnv) doHeader(method, path, token string, body any, header http.Header) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if token != "" {
		req.Header.Set(hubproto.AuthHeader, hubproto.BearerPrefix+token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// decodeBody decodes a JSON answer into T or fails the test.
func decodeBody[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, data, err)
	}
	return v
}

// wantStatus fails the test unless got is want.
func wantStatus(t *testing.T, what string, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, got, want, body)
	}
}

// login signs in and returns the session token.
func (e *hubEnv) login(user, password string) string {
	e.t.Helper()
	code, body := e.do("POST", hubproto.PathLogin, "", hubproto.LoginRequest{User: user, Password: password})
	wantStatus(e.t, "login "+user, code, http.StatusOK, body)
	return decodeBody[hubproto.LoginResponse](e.t, body).Token
}

// addOperator creates an account through the admin API.
func (e *hubEnv) addOperator(adminToken, login, password, role string) {
	e.t.Helper()
	code, body := e.do("PUT", hubproto.PathAdminOperators+"/"+login, adminToken, hubproto.OperatorRequest{Role: role, Password: password})
	wantStatus(e.t, "add operator "+login, code, http.StatusOK, body)
}

// pair runs a whole pairing and returns the device token and device.
func (e *hubEnv) pair(adminToken string, approve hubproto.ApproveRequest) (string, hubproto.Device) {
	e.t.Helper()
	code, body := e.do("POST", hubproto.PathPair, "", hubproto.PairRequest{Name: "kiosk-" + approve.Mode, Platform: "linux/amd64",
		Version: "1.0.0", Protocol: hubproto.Version})
	wantStatus(e.t, "pair", code, http.StatusOK, body)
	pr := decodeBody[hubproto.PairResponse](e.t, body)
	code, body = e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/approve", adminToken, approve)
	wantStatus(e.t, "approve", code, http.StatusOK, body)
	st := e.poll(pr)
	if st.State != hubproto.PairApproved || st.Token == "" || st.Device == nil {
		e.t.Fatalf("poll after approval = %+v", st)
	}
	return st.Token, *st.Device
}

// poll polls a pairing with its secret.
func (e *hubEnv) poll(pr hubproto.PairResponse) hubproto.PairStatus {
	e.t.Helper()
	code, body := e.doHeader("GET", hubproto.PathPairState+pr.ID, "", nil, http.Header{hubproto.PairSecretHdr: {pr.Secret}})
	wantStatus(e.t, "poll", code, http.StatusOK, body)
	return decodeBody[hubproto.PairStatus](e.t, body)
}

// apiError decodes an error body.
func apiError(t *testing.T, body []byte) hubproto.Error {
	t.Helper()
	return decodeBody[hubproto.Error](t, body)
}
