package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

func TestLogin(t *testing.T) {
	e := newHubEnv(t)
	code, body := e.do("POST", hubproto.PathLogin, "", hubproto.LoginRequest{User: testAdmin, Password: testPassword})
	wantStatus(t, "login", code, http.StatusOK, body)
	lr := decodeBody[hubproto.LoginResponse](t, body)
	if lr.Role != hubproto.RoleAdmin || len(lr.Token) != tokenLen || !lr.ExpiresAt.Equal(e.clock.now().Add(12*time.Hour)) {
		t.Errorf("login = %+v", lr)
	}
	if code, body := e.do("GET", hubproto.PathAdminRooms, lr.Token, nil); code != http.StatusOK {
		t.Errorf("rooms with a session: %d %s", code, body)
	}
	// Sessions are stored hashed.
	if _, err := e.db.SessionByTokenHash(t.Context(), hashToken(lr.Token)); err != nil {
		t.Errorf("session by hash: %v", err)
	}

	// Logout ends the session.
	tok2 := e.login(testAdmin, testPassword)
	code, body = e.do("POST", hubproto.PathLogout, tok2, nil)
	wantStatus(t, "logout", code, http.StatusNoContent, body)
	if code, _ := e.do("GET", hubproto.PathAdminRooms, tok2, nil); code != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", code)
	}
	// The other session lives until it expires.
	e.clock.advance(12*time.Hour - time.Second)
	if code, _ := e.do("GET", hubproto.PathAdminRooms, lr.Token, nil); code != http.StatusOK {
		t.Errorf("just before expiry: %d, want 200", code)
	}
	e.clock.advance(time.Second)
	if code, _ := e.do("GET", hubproto.PathAdminRooms, lr.Token, nil); code != http.StatusUnauthorized {
		t.Errorf("at expiry: %d, want 401", code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newHubEnv(t)
	for i := range 5 {
		code, body := e.do("POST", hubproto.PathLogin, "", hubproto.LoginRequest{User: testAdmin, Password: "falsch"})
		if code != http.StatusUnauthorized || apiError(t, body).Code != hubproto.ErrorCodeUnauthorized {
			t.Fatalf("wrong password %d: %d %s, want 401", i+1, code, body)
		}
	}
	// Locked: even the right password is refused, so guessing gains
	// nothing.
	code, body := e.do("POST", hubproto.PathLogin, "", hubproto.LoginRequest{User: testAdmin, Password: testPassword})
	if code != http.StatusTooManyRequests || apiError(t, body).RetryAfter < 1 {
		t.Fatalf("right password while locked: %d %s, want 429 with RetryAfter", code, body)
	}
	// The address is locked for other users too.
	code, _ = e.do("POST", hubproto.PathLogin, "", hubproto.LoginRequest{User: "someone-else", Password: "x"})
	if code != http.StatusTooManyRequests {
		t.Errorf("other user from the locked address: %d, want 429", code)
	}
	e.clock.advance(15 * time.Minute)
	e.login(testAdmin, testPassword)

	// Failures were audited, without the password.
	es, err := e.db.ListAudit(t.Context(), store.AuditQuery{Target: testAdmin, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, en := range es {
		if en.Action == "operator.login-failed" {
			failed++
		}
		if strings.Contains(string(en.Detail), "falsch") || strings.Contains(string(en.Detail), testPassword) {
			t.Errorf("audit entry %+v holds a password", en)
		}
	}
	if failed != 5 {
		t.Errorf("%d failed logins audited, want 5", failed)
	}
}

func TestRoles(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	e.addOperator(adminTok, "wang.viewer", "查看者的密碼非常非常長", hubproto.RoleViewer)
	viewerTok := e.login("wang.viewer", "查看者的密碼非常非常長")

	policy := hubproto.RoomPolicy{HideSubject: true}
	path := hubproto.PathAdminRooms + "/" + hubRooms[0].ID + "/policy"
	if code, _ := e.do("GET", hubproto.PathAdminDevices, viewerTok, nil); code != http.StatusOK {
		t.Errorf("viewer reads devices: %d, want 200", code)
	}
	if code, _ := e.do("PUT", path, viewerTok, policy); code != http.StatusForbidden {
		t.Errorf("viewer changes a policy: %d, want 403", code)
	}
	// Promotion takes effect on the existing session... after signing in
	// again: role changes end the account's sessions.
	e.addOperator(adminTok, "wang.viewer", "", hubproto.RoleAdmin)
	if code, _ := e.do("PUT", path, viewerTok, policy); code != http.StatusUnauthorized {
		t.Errorf("old session after a role change: %d, want 401", code)
	}
	newTok := e.login("wang.viewer", "查看者的密碼非常非常長")
	if code, body := e.do("PUT", path, newTok, policy); code != http.StatusOK {
		t.Errorf("promoted operator changes a policy: %d %s", code, body)
	}

	// The last admin cannot be demoted; one of two can.
	e.addOperator(adminTok, "wang.viewer", "", hubproto.RoleViewer)
	code, body := e.do("PUT", hubproto.PathAdminOperators+"/"+testAdmin, adminTok, hubproto.OperatorRequest{Role: hubproto.RoleViewer})
	if code != http.StatusConflict {
		t.Errorf("demote the last admin: %d %s, want 409", code, body)
	}
	// Short passwords and unknown roles are refused.
	code, _ = e.do("PUT", hubproto.PathAdminOperators+"/neu", adminTok, hubproto.OperatorRequest{Role: hubproto.RoleViewer, Password: "kurz"})
	if code != http.StatusBadRequest {
		t.Errorf("short password: %d, want 400", code)
	}
	code, body = e.do("GET", hubproto.PathAdminOperators, adminTok, nil)
	wantStatus(t, "operators", code, http.StatusOK, body)
	if strings.Contains(string(body), "pbkdf2") {
		t.Errorf("operator list shows password hashes: %s", body)
	}
	var got []string
	for _, o := range decodeBody[[]hubproto.OperatorInfo](t, body) {
		got = append(got, o.Login+"="+o.Role)
	}
	if diff := cmp.Diff([]string{"jürgen.admin=admin", "wang.viewer=viewer"}, got); diff != "" {
		t.Errorf("operators (-want +got):\n%s", diff)
	}
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("Grüße aus Zürich 你好", pbkdf2Iterations)
	parts := strings.Split(h, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" || parts[1] != "600000" {
		t.Fatalf("hash %q is not pbkdf2-sha256$600000$salt$key", h)
	}
	if ok, iter := checkPassword(h, "Grüße aus Zürich 你好"); !ok || iter != pbkdf2Iterations {
		t.Errorf("right password: %v, %d", ok, iter)
	}
	if ok, _ := checkPassword(h, "Grüsse aus Zürich 你好"); ok {
		t.Error("wrong password accepted")
	}
	// Same password, new salt.
	if h2 := hashPassword("x", 1000); h2 == hashPassword("x", 1000) {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "pbkdf2-sha256$x$AA$AA", "md5$1$AA$AA", "pbkdf2-sha256$1000$!!$AA", "pbkdf2-sha256$99999999999$AA$AA"} {
		if ok, _ := checkPassword(bad, "x"); ok {
			t.Errorf("checkPassword(%q) accepted", bad)
		}
	}
}

// TestLegacyHashIsUpgraded: a hash with fewer iterations than the hub uses
// now is replaced at the next successful login.
func TestLegacyHashIsUpgraded(t *testing.T) {
	e := newHubEnv(t)
	e.s.pbkdf2Iter = 2000
	e.login(testAdmin, testPassword)
	o, err := e.db.Operator(t.Context(), testAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, iter := checkPassword(o.PasswordHash, testPassword); iter != 2000 {
		t.Errorf("after login the hash has %d iterations, want 2000", iter)
	}
}

// TestRevokedDevice: revoking a device closes its open stream at once and
// its token opens nothing afterwards.
func TestRevokedDevice(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	tok, dev := e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[2].ID}})

	ws := e.dialStream(t, tok)
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second)) // bounds waiting only
	first := e.readFrame(t, ws)
	if first.Type != hubproto.FrameHello {
		t.Fatalf("first frame %+v, want hello", first)
	}

	code, body := e.do("POST", hubproto.PathAdminDevices+"/"+dev.ID+"/revoke", adminTok, nil)
	wantStatus(t, "revoke", code, http.StatusOK, body)
	if d := decodeBody[hubproto.Device](t, body); !d.Revoked {
		t.Errorf("revoked device = %+v", d)
	}
	sawRevoked := false
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if f, err := hubproto.DecodeFrame(data); err == nil && f.Type == hubproto.FrameRevoked {
			sawRevoked = true
		}
	}
	if !sawRevoked {
		t.Error("the stream closed without a revoked frame")
	}
	for _, p := range []string{hubproto.PathSnapshot, hubproto.PathDeviceMe} {
		code, body := e.do("GET", p, tok, nil)
		if code != http.StatusUnauthorized || apiError(t, body).Code != hubproto.ErrorCodeUnauthorized {
			t.Errorf("%s with a revoked token: %d %s, want 401", p, code, body)
		}
	}
	if _, resp, err := e.dial(tok); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stream with a revoked token: %v, %v; want 401", resp, err)
	}
	es, err := e.db.ListAudit(t.Context(), store.AuditQuery{Target: dev.ID, Limit: 1})
	if err != nil || len(es) != 1 || es[0].Action != "device.revoke" || es[0].Actor != "operator:"+testAdmin {
		t.Errorf("audit = %+v, %v", es, err)
	}

	// Deleting forgets it.
	code, body = e.do("DELETE", hubproto.PathAdminDevices+"/"+dev.ID, adminTok, nil)
	wantStatus(t, "delete", code, http.StatusNoContent, body)
	if code, _ := e.do("POST", hubproto.PathAdminDevices+"/"+dev.ID+"/revoke", adminTok, nil); code != http.StatusNotFound {
		t.Errorf("revoke a deleted device: %d, want 404", code)
	}
}

// TestDeviceReport: a report sent over the stream lands on the device.
func TestDeviceReport(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	tok, dev := e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}})
	ws := e.dialStream(t, tok)
	defer ws.Close()
	rep := hubproto.Report{Version: "1.3.0", Platform: "windows/amd64", LastSeq: 3, Screen: "dimmed", Error: "Netzwerk getrennt"}
	if err := ws.WriteJSON(hubproto.ClientMessage{Type: hubproto.MsgReport, Report: &rep}); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) for the feed to hand the report over.
	deadline := time.Now().Add(30 * time.Second)
	var got hubproto.Device
	for time.Now().Before(deadline) {
		code, body := e.do("GET", hubproto.PathAdminDevices, adminTok, nil)
		wantStatus(t, "devices", code, http.StatusOK, body)
		ds := decodeBody[[]hubproto.Device](t, body)
		if len(ds) == 1 && ds[0].Health != nil {
			got = ds[0]
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got.ID != dev.ID || got.Version != "1.3.0" || got.Health == nil || !got.LastSeen.Equal(e.clock.now()) {
		t.Fatalf("device after report = %+v", got)
	}
	if diff := cmp.Diff(rep, *got.Health); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
}

func (e *hubEnv) dial(token string) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(e.ts.URL, "http") + hubproto.PathStream
	return websocket.DefaultDialer.Dial(u, http.Header{hubproto.AuthHeader: {hubproto.BearerPrefix + token}})
}

func (e *hubEnv) dialStream(t *testing.T, token string) *websocket.Conn {
	t.Helper()
	ws, resp, err := e.dial(token)
	if err != nil {
		t.Fatalf("dial stream: %v (%v)", err, resp)
	}
	return ws
}

func (e *hubEnv) readFrame(t *testing.T, ws *websocket.Conn) hubproto.Frame {
	t.Helper()
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	f, err := hubproto.DecodeFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLimiter(t *testing.T) {
	c := &hubClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	l := newLimiter(2, time.Minute, c.now)
	l.maxKeys = 2
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    time.Duration
	}{
		{"first", 0, "a", 0},
		{"second", 10 * time.Second, "a", 0},
		{"third is over", 10 * time.Second, "a", 40 * time.Second},
		{"other key", 0, "b", 0},
		{"table full", 0, "c", time.Minute},
		{"window over", 40 * time.Second, "a", 0},
		{"expired keys make room", 60 * time.Second, "c", 0},
	}
	for _, s := range steps {
		c.advance(s.advance)
		if got := l.take(s.key); got != s.want {
			t.Errorf("%s: take(%q) = %v, want %v", s.name, s.key, got, s.want)
		}
	}
	l.take("c")
	if w := l.wait("c"); w != time.Minute {
		t.Errorf("wait after two takes = %v, want 1m", w)
	}
	l.reset("c")
	if w := l.wait("c"); w != 0 {
		t.Errorf("wait after reset = %v, want 0", w)
	}
}
