package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

// The text exposition format, line by line.
var (
	promComment = regexp.MustCompile(`^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$`)
	promSample  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*")*)?\})? (\S+)$`)
)

// parseMetrics checks every line of a scrape and returns the samples by
// their full series name (name plus labels as written).
func parseMetrics(t *testing.T, text string) map[string]float64 {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Error("scrape does not end with a newline")
	}
	samples := map[string]float64{}
	typed := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			if !promComment.MatchString(line) {
				t.Errorf("line %d: bad comment %q", i+1, line)
			}
			if f := strings.Fields(line); f[1] == "TYPE" {
				typed[f[2]] = true
			}
			continue
		}
		m := promSample.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d: bad sample %q", i+1, line)
			continue
		}
		if !typed[m[1]] {
			t.Errorf("line %d: sample of %s before its TYPE", i+1, m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("line %d: bad value %q", i+1, m[3])
		}
		series := m[1] + m[2]
		if _, dup := samples[series]; dup {
			t.Errorf("line %d: series %s twice", i+1, series)
		}
		samples[series] = v
	}
	return samples
}

func TestMetrics(t *testing.T) {
	e := newHubEnv(t)
	ctx := t.Context()
	now := e.clock.now()
	if err := e.db.PutSyncState(ctx, store.SyncState{Mailbox: hubRooms[0].ID, LastSuccess: now.Add(-90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	// A mailbox name that needs escaping in a label.
	if err := e.db.RecordSyncError(ctx, `quote"back\slash@contoso.com`, now, "x"); err != nil {
		t.Fatal(err)
	}
	adminTok := e.login(testAdmin, testPassword)
	_, dev := e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}})
	e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[1].ID}})
	if code, _ := e.do("POST", hubproto.PathAdminDevices+"/"+dev.ID+"/revoke", adminTok, nil); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	e.requestPairing("wartet")
	for range 3 {
		e.do("GET", hubproto.PathHealthz, "", nil)
	}
	e.do("GET", hubproto.PathSnapshot, "", nil)

	resp, err := e.ts.Client().Get(e.ts.URL + hubproto.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := parseMetrics(t, string(data))
	want := map[string]float64{
		`roomboard_hub_devices{state="active"}`:                                                        1,
		`roomboard_hub_devices{state="revoked"}`:                                                       1,
		`roomboard_hub_pairings_pending`:                                                               1,
		`roomboard_hub_connections`:                                                                    0,
		`roomboard_sync_staleness_seconds{mailbox="grosser-saal@contoso.com"}`:                         90,
		`roomboard_sync_staleness_seconds{mailbox="quote\"back\\slash@contoso.com"}`:                   -1,
		`roomboard_http_requests_total{route="GET /healthz",code="200"}`:                               3,
		`roomboard_http_requests_total{route="GET /api/v1/snapshot",code="401"}`:                       1,
		`roomboard_http_requests_total{route="POST /api/v1/admin/pairings/{code}/approve",code="200"}`: 2,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
	for _, name := range []string{"roomboard_hub_frames_sent_total", "roomboard_hub_evictions_total", "roomboard_hub_seq"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

func TestHealthz(t *testing.T) {
	// Its own hub without a running feed, since the test closes the
	// database under it.
	clock := &hubClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "roomboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := New(t.Context(), Options{DB: db, Clock: clock.now, Logf: t.Logf, TLS: TLSOptions{Mode: TLSOff}})
	if err != nil {
		t.Fatal(err)
	}
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", hubproto.PathHealthz, nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get()
	if diff := cmp.Diff("200 ok", strconv.Itoa(code)+" "+body); diff != "" {
		t.Errorf("healthz (-want +got):\n%s", diff)
	}
	// Within the cache time the last result stands; after it the check
	// runs again and sees the closed database.
	db.Close()
	if code, _ := get(); code != http.StatusOK {
		t.Errorf("cached healthz: %d, want 200", code)
	}
	clock.advance(healthTTL)
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Errorf("healthz with a closed database: %d, want 503", code)
	}
	if s.CertSHA256() != "" || !strings.HasPrefix(s.PublicURL(), "http://") {
		t.Errorf("TLSOff: pin %q, public URL %q", s.CertSHA256(), s.PublicURL())
	}
}
