package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// seedBookings stores two bookings in room 0 today: a normal and a private
// one.
func (e *hubEnv) seedBookings() {
	e.t.Helper()
	now := e.clock.now()
	r := hubRooms[0]
	bs := []room.Booking{
		{RoomID: r.ID, SourceID: "AAMk-1", ICalUID: "uid-1@contoso.com", Subject: "Quartalsplanung Ölförderung",
			Organizer: room.Mailbox{Name: "Jürgen Müller", Email: "juergen@contoso.com"},
			Attendees: []room.Attendee{{Name: "李小龍", Email: "li@contoso.com"}},
			Start:     now.Add(time.Hour), End: now.Add(2 * time.Hour)},
		{RoomID: r.ID, SourceID: "AAMk-2", ICalUID: "uid-2@contoso.com", Subject: "Vertraulich: Gehälter",
			Organizer: room.Mailbox{Name: "王小明", Email: "wang@contoso.com"}, Private: true,
			Start: now.Add(3 * time.Hour), End: now.Add(4 * time.Hour)},
	}
	w := store.Window{Start: now.Add(-24 * time.Hour), End: now.Add(60 * 24 * time.Hour)}
	if err := e.db.ReplaceBookings(e.t.Context(), r.ID, w, bs, store.SyncState{LastSuccess: now}); err != nil {
		e.t.Fatal(err)
	}
}

func TestPolicyChange(t *testing.T) {
	e := newHubEnv(t)
	e.seedBookings()
	adminTok := e.login(testAdmin, testPassword)
	changes := bus.Subscribe[syncer.RoomChanged](e.bus)
	defer changes.Close()

	id := hubRooms[0].ID
	policy := hubproto.RoomPolicy{HideSubject: true, HideAttendees: true,
		CheckIn: hubproto.CheckInPolicy{Enabled: true, BeforeMin: 5, AfterMin: 10, ReleaseAfterMin: 15}}
	code, body := e.do("PUT", hubproto.PathAdminRooms+"/"+id+"/policy", adminTok, policy)
	wantStatus(t, "put policy", code, http.StatusOK, body)
	if diff := cmp.Diff(policy, decodeBody[hubproto.AdminRoom](t, body).Policy); diff != "" {
		t.Errorf("answered policy (-want +got):\n%s", diff)
	}
	select {
	case ev := <-changes.Events():
		if ev.RoomID != id {
			t.Errorf("RoomChanged for %q, want %q", ev.RoomID, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no RoomChanged published")
	}

	// Visible to operators…
	code, body = e.do("GET", hubproto.PathAdminRooms, adminTok, nil)
	wantStatus(t, "rooms", code, http.StatusOK, body)
	var got *hubproto.AdminRoom
	for _, r := range decodeBody[[]hubproto.AdminRoom](t, body) {
		if r.ID == id {
			got = &r
		}
	}
	if got == nil || !cmp.Equal(policy, got.Policy) || got.Name != hubRooms[0].Name {
		t.Errorf("room after policy change = %+v", got)
	}
	// …and to kiosks: the subject is gone from the room's view.
	v, err := e.s.feed.RoomView(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(v)
	if bytes.Contains(raw, []byte("Quartalsplanung")) || bytes.Contains(raw, []byte("Gehälter")) || len(v.Bookings) != 2 {
		t.Errorf("kiosk view after the policy change: %s", raw)
	}

	// A directory refresh does not undo it.
	stale := hubRooms[0]
	if err := e.db.UpsertRooms(t.Context(), []room.Room{stale}); err != nil {
		t.Fatal(err)
	}
	r, err := e.db.Room(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(policy.Policy(), r.Policy); diff != "" {
		t.Errorf("policy after the directory refresh (-want +got):\n%s", diff)
	}

	// Audited, with the operator as actor.
	code, body = e.do("GET", hubproto.PathAdminAudit+"?target="+id, adminTok, nil)
	wantStatus(t, "audit", code, http.StatusOK, body)
	page := decodeBody[hubproto.AuditPage](t, body)
	if len(page.Entries) != 1 || page.Entries[0].Action != "room.policy" || page.Entries[0].Actor != "operator:"+testAdmin {
		t.Fatalf("audit = %+v", page)
	}
	var audited hubproto.RoomPolicy
	if err := json.Unmarshal(page.Entries[0].Detail, &audited); err != nil || !cmp.Equal(policy, audited) {
		t.Errorf("audited detail %s, %v", page.Entries[0].Detail, err)
	}

	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{hubproto.PathAdminRooms + "/no-such-room@contoso.com/policy", policy, http.StatusNotFound},
		{hubproto.PathAdminRooms + "/" + id + "/policy", []byte(`{"checkIn":{"beforeMin":-5}}`), http.StatusBadRequest},
		{hubproto.PathAdminRooms + "/" + id + "/policy", []byte(`{"hideSubject":"yes"}`), http.StatusBadRequest},
	} {
		if code, body := e.do("PUT", tc.path, adminTok, tc.body); code != tc.want {
			t.Errorf("PUT %s %v: %d %s, want %d", tc.path, tc.body, code, body, tc.want)
		}
	}
}

func TestICalFeed(t *testing.T) {
	e := newHubEnv(t)
	e.seedBookings()
	adminTok := e.login(testAdmin, testPassword)
	id := hubRooms[0].ID
	code, body := e.do("POST", hubproto.PathAdminRooms+"/"+id+"/feed", adminTok, nil)
	wantStatus(t, "create feed", code, http.StatusOK, body)
	ft := decodeBody[hubproto.FeedToken](t, body)
	path, ok := strings.CutPrefix(ft.URL, testPublicURL)
	if !ok || !strings.HasPrefix(path, "/ical/") || !strings.HasSuffix(path, ".ics") || ft.RoomID != id {
		t.Fatalf("feed = %+v", ft)
	}

	resp, err := e.ts.Client().Get(e.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cal, err := ical.NewDecoder(resp.Body).Decode()
	if err != nil {
		t.Fatalf("parse feed: %v", err)
	}
	var summaries []string
	for _, ev := range cal.Events() {
		s, err := ev.Props.Text(ical.PropSummary)
		if err != nil {
			t.Fatal(err)
		}
		summaries = append(summaries, s)
	}
	// The private meeting is masked before it leaves the hub.
	if diff := cmp.Diff([]string{"Quartalsplanung Ölförderung", "Private"}, summaries); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}

	// Admin rooms show the feed; a new token revokes the old one.
	code, body = e.do("GET", hubproto.PathAdminRooms, adminTok, nil)
	wantStatus(t, "rooms", code, http.StatusOK, body)
	if !strings.Contains(string(body), `"feedSince"`) {
		t.Errorf("rooms do not show the feed: %s", body)
	}
	code, body = e.do("POST", hubproto.PathAdminRooms+"/"+id+"/feed", adminTok, nil)
	wantStatus(t, "remake feed", code, http.StatusOK, body)
	if code, _ := e.do("GET", path, "", nil); code != http.StatusNotFound {
		t.Errorf("old feed URL after remaking: %d, want 404", code)
	}
	newPath := strings.TrimPrefix(decodeBody[hubproto.FeedToken](t, body).URL, testPublicURL)
	code, body = e.do("DELETE", hubproto.PathAdminRooms+"/"+id+"/feed", adminTok, nil)
	wantStatus(t, "revoke feed", code, http.StatusNoContent, body)
	if code, _ := e.do("GET", newPath, "", nil); code != http.StatusNotFound {
		t.Errorf("feed URL after revoking: %d, want 404", code)
	}
	for _, p := range []string{"/ical/short.ics", "/ical/" + strings.Repeat("A", tokenLen), "/ical/" + strings.Repeat("A", tokenLen) + ".ics"} {
		if code, _ := e.do("GET", p, "", nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	es, err := e.db.ListAudit(t.Context(), store.AuditQuery{Target: id})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range es {
		actions = append(actions, en.Action)
	}
	if diff := cmp.Diff([]string{"room.feed-revoke", "room.feed-create", "room.feed-create"}, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestAdminReads(t *testing.T) {
	e := newHubEnv(t)
	ctx := t.Context()
	now := e.clock.now()
	settings := json.RawMessage(`{"id":"contoso-onprem","name":"Contoso Zürich","kind":"ews","ews":{"serverURL":"https://mail.contoso.com/EWS/Exchange.asmx","auth":"ntlm","username":"svc-räume"},"scope":{"rooms":{"mode":"all"}}}`)
	if err := e.db.PutIntegration(ctx, store.Integration{ID: "contoso-onprem", Name: "Contoso Zürich", Kind: "ews", Settings: settings, Updated: now}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.PutSyncState(ctx, store.SyncState{Mailbox: hubRooms[0].ID, Integration: "contoso-onprem", LastSuccess: now.Add(-90 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.RecordSyncError(ctx, hubRooms[2].ID, now, "ErrorServerBusy"); err != nil {
		t.Fatal(err)
	}
	tok := e.login(testAdmin, testPassword)

	code, body := e.do("GET", hubproto.PathAdminIntegrations, tok, nil)
	wantStatus(t, "integrations", code, http.StatusOK, body)
	ins := decodeBody[[]hubproto.Integration](t, body)
	if len(ins) != 1 || ins[0].ID != "contoso-onprem" || ins[0].Kind != "ews" {
		t.Errorf("integrations = %s", body)
	}
	code, body = e.do("GET", hubproto.PathAdminScope, tok, nil)
	wantStatus(t, "scope", code, http.StatusOK, body)
	sc := decodeBody[[]hubproto.IntegrationScope](t, body)
	if len(sc) != 1 || string(sc[0].Scope) != `{"rooms":{"mode":"all"}}` {
		t.Errorf("scope = %s", body)
	}

	code, body = e.do("GET", hubproto.PathAdminSync, tok, nil)
	wantStatus(t, "sync", code, http.StatusOK, body)
	want := []hubproto.MailboxSync{
		{Mailbox: hubRooms[0].ID, Integration: "contoso-onprem", LastSuccess: now.Add(-90 * time.Second), StalenessSec: 90},
		{Mailbox: hubRooms[2].ID, LastError: "ErrorServerBusy", LastErrorAt: now, StalenessSec: -1},
	}
	if diff := cmp.Diff(want, decodeBody[[]hubproto.MailboxSync](t, body)); diff != "" {
		t.Errorf("sync (-want +got):\n%s", diff)
	}

	// Audit paging: 5 entries (EnsureAdmin, login and three more) in
	// pages of two.
	for i := range 3 {
		e.s.audit(ctx, "syncer", "test.entry", "t"+strconv.Itoa(i), nil)
	}
	var ids []int64
	before := int64(0)
	for page := 0; page < 5; page++ {
		q := "?limit=2"
		if before > 0 {
			q += "&before=" + strconv.FormatInt(before, 10)
		}
		code, body := e.do("GET", hubproto.PathAdminAudit+q, tok, nil)
		wantStatus(t, "audit page", code, http.StatusOK, body)
		p := decodeBody[hubproto.AuditPage](t, body)
		for _, en := range p.Entries {
			ids = append(ids, en.ID)
		}
		if p.NextBefore == 0 {
			break
		}
		before = p.NextBefore
	}
	if diff := cmp.Diff([]int64{5, 4, 3, 2, 1}, ids); diff != "" {
		t.Errorf("audit IDs over pages (-want +got):\n%s", diff)
	}
	for _, q := range []string{"?limit=0", "?limit=501", "?before=x"} {
		if code, _ := e.do("GET", hubproto.PathAdminAudit+q, tok, nil); code != http.StatusBadRequest {
			t.Errorf("audit%s: %d, want 400", q, code)
		}
	}
}
