package server

import (
	"bytes"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

var codeShape = regexp.MustCompile(`^[A-HJ-NP-Z2-9]{3}-[A-HJ-NP-Z2-9]{3}$`)

func (e *hubEnv) requestPairing(name string) hubproto.PairResponse {
	e.t.Helper()
	code, body := e.do("POST", hubproto.PathPair, "", hubproto.PairRequest{Name: name, Platform: "windows/amd64", Version: "1.2.3",
		Protocol: hubproto.Version})
	wantStatus(e.t, "pair", code, http.StatusOK, body)
	return decodeBody[hubproto.PairResponse](e.t, body)
}

func TestPairingHappyPath(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	pr := e.requestPairing("Raum-Kiosk Großer Saal")
	if !codeShape.MatchString(pr.Code) {
		t.Errorf("code %q is not like K7Q-4MX", pr.Code)
	}
	if pr.QR != testPublicURL+"/pair/"+pr.Code || pr.CertSHA256 != e.s.CertSHA256() || len(pr.CertSHA256) != 64 {
		t.Errorf("QR %q, cert %q; want %s/pair/%s and %s", pr.QR, pr.CertSHA256, testPublicURL, pr.Code, e.s.CertSHA256())
	}
	if want := e.clock.now().Add(10 * time.Minute); !pr.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", pr.ExpiresAt, want)
	}
	if st := e.poll(pr); st.State != hubproto.PairPending || st.Token != "" {
		t.Errorf("poll before approval = %+v", st)
	}

	// The console lists it, and the operator types the code sloppily.
	code, body := e.do("GET", hubproto.PathAdminPairings, adminTok, nil)
	wantStatus(t, "list pairings", code, http.StatusOK, body)
	list := decodeBody[[]hubproto.Pairing](t, body)
	if len(list) != 1 || list[0].Code != pr.Code || list[0].Name != "Raum-Kiosk Großer Saal" || list[0].RemoteAddr != "127.0.0.1" {
		t.Errorf("pairings = %+v", list)
	}
	sloppy := string(bytes.ToLower([]byte(pr.Code[:3] + " " + pr.Code[4:])))
	approve := hubproto.ApproveRequest{Name: "Großer Saal Tür", Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}}
	code, body = e.do("POST", hubproto.PathAdmin+"pairings/"+sloppy+"/approve", adminTok, approve)
	wantStatus(t, "approve", code, http.StatusOK, body)
	dev := decodeBody[hubproto.Device](t, body)

	st := e.poll(pr)
	if st.State != hubproto.PairApproved || len(st.Token) != tokenLen || st.Device == nil {
		t.Fatalf("poll after approval = %+v", st)
	}
	want := hubproto.Device{ID: dev.ID, Name: "Großer Saal Tür", Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID},
		PairedAt: e.clock.now(), Version: "1.2.3"}
	if diff := cmp.Diff(want, *st.Device); diff != "" {
		t.Errorf("device (-want +got):\n%s", diff)
	}
	// The token is shown once.
	if again := e.poll(pr); again.State != hubproto.PairApproved || again.Token != "" {
		t.Errorf("second poll = %+v, want approved without a token", again)
	}
	// Approving twice is a conflict.
	if code, _ := e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/approve", adminTok, approve); code != http.StatusConflict {
		t.Errorf("second approval: %d, want 409", code)
	}

	// The token works, and only its hash is stored.
	code, body = e.do("GET", hubproto.PathDeviceMe, st.Token, nil)
	wantStatus(t, "device me", code, http.StatusOK, body)
	if me := decodeBody[hubproto.Device](t, body); me.ID != dev.ID {
		t.Errorf("device me = %+v", me)
	}
	pd, err := e.db.PairedDevice(t.Context(), dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pd.TokenHash, hashToken(st.Token)) {
		t.Error("stored hash is not the token's SHA-256")
	}
	for _, f := range []string{"roomboard.db", "roomboard.db-wal"} {
		data, _ := os.ReadFile(e.dir + "/" + f)
		if bytes.Contains(data, []byte(st.Token)) || bytes.Contains(data, []byte(pr.Secret)) {
			t.Errorf("%s holds the token or secret in clear", f)
		}
	}
	es, err := e.db.ListAudit(t.Context(), store.AuditQuery{Target: dev.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Action != "device.pair" || es[0].Actor != "operator:"+testAdmin {
		t.Errorf("audit = %+v", es)
	}
}

func TestPairingFloorDevice(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	tok, dev := e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeFloor, Floors: []string{"zuerich-og3@contoso.com"}})
	want := []string{hubRooms[0].ID, hubRooms[1].ID}
	if diff := cmp.Diff(want, dev.Rooms); diff != "" {
		t.Errorf("floor rooms (-want +got):\n%s", diff)
	}
	code, body := e.do("GET", hubproto.PathDeviceMe, tok, nil)
	wantStatus(t, "device me", code, http.StatusOK, body)
	if diff := cmp.Diff(want, decodeBody[hubproto.Device](t, body).Rooms); diff != "" {
		t.Errorf("device me rooms (-want +got):\n%s", diff)
	}
	for _, bad := range []hubproto.ApproveRequest{
		{Mode: hubproto.ModeFloor, Floors: []string{"no-such-floor@contoso.com"}},
		{Mode: hubproto.ModeRoom, Rooms: []string{"no-such-room@contoso.com"}},
		{Mode: hubproto.ModeRoom},
		{Mode: "wall", Rooms: []string{hubRooms[0].ID}},
	} {
		pr := e.requestPairing("kiosk")
		if code, body := e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/approve", adminTok, bad); code != http.StatusBadRequest {
			t.Errorf("approve %+v: %d %s, want 400", bad, code, body)
		}
	}
}

func TestPairingExpiry(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	pr := e.requestPairing("kiosk")
	e.clock.advance(10 * time.Minute)
	if st := e.poll(pr); st.State != hubproto.PairExpired {
		t.Errorf("poll after 10 minutes = %+v, want expired", st)
	}
	approve := hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}}
	code, body := e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/approve", adminTok, approve)
	if code != http.StatusGone || apiError(t, body).Code != hubproto.ErrorCodeExpired {
		t.Errorf("approve expired: %d %s, want 410 expired", code, body)
	}
	// Long after, the pairing is forgotten.
	e.clock.advance(11 * time.Minute)
	code, _ = e.doHeader("GET", hubproto.PathPairState+pr.ID, "", nil, http.Header{hubproto.PairSecretHdr: {pr.Secret}})
	if code != http.StatusNotFound {
		t.Errorf("poll of a forgotten pairing: %d, want 404", code)
	}
}

func TestPairingDeny(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	pr := e.requestPairing("fremder Kiosk")
	code, body := e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/deny", adminTok, nil)
	wantStatus(t, "deny", code, http.StatusNoContent, body)
	if st := e.poll(pr); st.State != hubproto.PairDenied || st.Token != "" {
		t.Errorf("poll after deny = %+v", st)
	}
	approve := hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}}
	if code, _ := e.do("POST", hubproto.PathAdmin+"pairings/"+pr.Code+"/approve", adminTok, approve); code != http.StatusConflict {
		t.Errorf("approve after deny: %d, want 409", code)
	}
	if code, _ := e.do("POST", hubproto.PathAdmin+"pairings/ZZZ-ZZZ/deny", adminTok, nil); code != http.StatusNotFound {
		t.Errorf("deny unknown code: %d, want 404", code)
	}
}

func TestPairingRateLimit(t *testing.T) {
	e := newHubEnv(t)
	for i := range 10 {
		code, body := e.do("POST", hubproto.PathPair, "", hubproto.PairRequest{Name: "kiosk-" + strconv.Itoa(i)})
		wantStatus(t, "pairing request "+strconv.Itoa(i), code, http.StatusOK, body)
	}
	code, body := e.do("POST", hubproto.PathPair, "", hubproto.PairRequest{Name: "one too many"})
	if code != http.StatusTooManyRequests {
		t.Fatalf("11th request: %d %s, want 429", code, body)
	}
	if e := apiError(t, body); e.Code != hubproto.ErrorCodeRateLimited || e.RetryAfter < 1 || e.RetryAfter > 60 {
		t.Errorf("11th request: %+v, want rate-limited with RetryAfter in 1…60", e)
	}
	e.clock.advance(time.Minute)
	code, body = e.do("POST", hubproto.PathPair, "", hubproto.PairRequest{Name: "after a minute"})
	wantStatus(t, "request after the window", code, http.StatusOK, body)
}

func TestPairingWrongSecret(t *testing.T) {
	e := newHubEnv(t)
	pr := e.requestPairing("kiosk")
	wrong := http.Header{hubproto.PairSecretHdr: {"guess"}}
	for i := 1; i < maxSecretFail; i++ {
		code, body := e.doHeader("GET", hubproto.PathPairState+pr.ID, "", nil, wrong)
		if code != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d %s, want 401", i, code, body)
		}
	}
	code, body := e.doHeader("GET", hubproto.PathPairState+pr.ID, "", nil, wrong)
	if code != http.StatusTooManyRequests {
		t.Fatalf("wrong secret %d: %d %s, want 429", maxSecretFail, code, body)
	}
	// The pairing is gone, even for the right secret.
	code, _ = e.doHeader("GET", hubproto.PathPairState+pr.ID, "", nil, http.Header{hubproto.PairSecretHdr: {pr.Secret}})
	if code != http.StatusNotFound {
		t.Errorf("right secret after the lock: %d, want 404", code)
	}
	// Guessing IDs locks the address out.
	for range 10 {
		e.do("GET", hubproto.PathPairState+"pair-guess", "", nil)
	}
	if code, _ := e.do("GET", hubproto.PathPairState+"pair-guess", "", nil); code != http.StatusTooManyRequests {
		t.Errorf("after many wrong IDs: %d, want 429", code)
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"K7Q-4MX", "K7Q-4MX", true},
		{"k7q4mx", "K7Q-4MX", true},
		{" k7q 4mx ", "K7Q-4MX", true},
		{"K7Q-4M", "", false},
		{"K0Q-4MX", "", false}, // 0 is not in the alphabet
		{"KIQ-4MX", "", false}, // nor is I
		{"K7Q-4MXX", "", false},
		{"會議室一二三", "", false},
	}
	for _, tc := range tests {
		got, ok := normalizeCode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("normalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for range 100 {
		if c := newCode(); !codeShape.MatchString(c) {
			t.Fatalf("newCode() = %q", c)
		}
	}
}
