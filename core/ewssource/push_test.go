package ewssource

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// pushMinute is how long a minute lasts for the simulator's push timers
// and the watchdog in these tests.
const pushMinute = 100 * time.Millisecond

// pushRig is a simulator, a hub serving the push handler at the path
// core/server uses, and a Source whose PushURL points at the hub.
type pushRig struct {
	sim  *ewstest.Server
	hub  *httptest.Server
	src  *Source
	room string
}

func newPushRig(t *testing.T) *pushRig {
	t.Helper()
	logf := testLogf(t)
	sim, ts := ewstest.NewServer(ewstest.Options{NotificationMinute: pushMinute, Logf: logf})
	t.Cleanup(ts.Close)
	mux := http.NewServeMux()
	hub := httptest.NewServer(mux)
	t.Cleanup(hub.Close)
	src := New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), Options{PushURL: hub.URL + hubproto.PathEWSPush, Impersonation: true, Logf: logf})
	src.push.minute = pushMinute
	mux.Handle(hubproto.PathEWSPush, src.PushHandler())
	return &pushRig{sim: sim, hub: hub, src: src, room: sim.Rooms()[0].Address}
}

// watch runs Watch on the rig's room until the test ends.
func (r *pushRig) watch(t *testing.T) (changed chan string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	changed = make(chan string, 16)
	done := make(chan error, 1)
	go func() { done <- r.src.Watch(ctx, []string{r.room}, changed) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	}
	t.Cleanup(stop)
	return changed, stop
}

func expectChanged(t *testing.T, changed <-chan string, want, why string) {
	t.Helper()
	select {
	case got := <-changed:
		if got != want {
			t.Fatalf("%s: reported %s, want %s", why, got, want)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s: %s not reported", why, want)
	}
}

func pushSubs(sim *ewstest.Server) []ewstest.SubscriptionInfo {
	var out []ewstest.SubscriptionInfo
	for _, s := range sim.Subscriptions() {
		if s.Kind == "Push" {
			out = append(out, s)
		}
	}
	return out
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPushBookingChangeReported: a booking made in the simulator reaches
// the hub's handler as a SendNotification POST, and the room is reported.
func TestPushBookingChangeReported(t *testing.T) {
	r := newPushRig(t)
	changed, _ := r.watch(t)
	expectChanged(t, changed, r.room, "new subscription")

	subs := pushSubs(r.sim)
	if len(subs) != 1 || subs[0].Mailbox != r.room {
		t.Fatalf("simulator push subscriptions = %+v, want one for %s", subs, r.room)
	}
	// The simulator pings the new subscription at once; it must be
	// acknowledged (OK), not ended, even if it raced Subscribe's answer.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := r.sim.WaitPushDeliveries(ctx, 1); err != nil {
		t.Fatalf("no push delivery acknowledged: %v", err)
	}
	if got := pushSubs(r.sim); len(got) != 1 || got[0].ID != subs[0].ID {
		t.Fatalf("after the first ping, subscriptions = %+v, want %s still alive", got, subs[0].ID)
	}

	start := r.sim.Now().Add(2 * time.Hour).Truncate(time.Hour)
	if _, err := r.sim.AddBooking(r.room, ewstest.Booking{
		Subject: "Quartalsplanung Müller / 季度規劃", Start: start, End: start.Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	expectChanged(t, changed, r.room, "booking added")
}

// TestPushStoppedWatchUnsubscribes: once Watch ends, the handler answers
// the simulator's next notification with Unsubscribe and the simulator
// drops the subscription.
func TestPushStoppedWatchUnsubscribes(t *testing.T) {
	r := newPushRig(t)
	changed, stop := r.watch(t)
	expectChanged(t, changed, r.room, "new subscription")
	stop()
	eventually(t, func() bool { return len(pushSubs(r.sim)) == 0 }, "the simulator to drop the push subscription")
}

// TestPushResubscribesWithoutPings: when the simulator loses the
// subscription (no more status pings), the watchdog subscribes again
// after three missed pings and reports the room, whose events may be
// lost.
func TestPushResubscribesWithoutPings(t *testing.T) {
	r := newPushRig(t)
	changed, _ := r.watch(t)
	expectChanged(t, changed, r.room, "new subscription")
	old := pushSubs(r.sim)
	if len(old) != 1 {
		t.Fatalf("push subscriptions = %+v, want one", old)
	}
	r.sim.ExpireSubscriptions()
	expectChanged(t, changed, r.room, "subscribed again")
	got := pushSubs(r.sim)
	if len(got) != 1 || got[0].ID == old[0].ID || got[0].Mailbox != r.room {
		t.Fatalf("push subscriptions after expiry = %+v, want one new one for %s (old %s)", got, r.room, old[0].ID)
	}
}

// notificationBody is a SendNotification request for subscription id
// carrying events of the given kinds.
func notificationBody(id string, kinds ...string) string {
	var ev strings.Builder
	for i, k := range kinds {
		ev.WriteString(`<t:` + k + `><t:Watermark>AQAAAA` + string(rune('A'+i)) + `=</t:Watermark>`)
		if k != "StatusEvent" {
			ev.WriteString(`<t:TimeStamp>2026-03-02T09:15:14Z</t:TimeStamp><t:ItemId Id="AAMk-item" ChangeKey="DwAAAB"/><t:ParentFolderId Id="AAMk-cal"/>`)
		}
		ev.WriteString(`</t:` + k + `>`)
	}
	return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
<soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header>
<soap:Body><m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">
<m:ResponseCode>NoError</m:ResponseCode><m:Notification><t:SubscriptionId>` + id + `</t:SubscriptionId>
<t:PreviousWatermark>AQAAAA0=</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>` + ev.String() + `</m:Notification>
</m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification></soap:Body></soap:Envelope>`
}

// subscriptionStatus reads the SubscriptionStatus of a handler's answer.
func subscriptionStatus(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Status string `xml:"Body>SendNotificationResult>SubscriptionStatus"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, body)
	}
	return env.Status
}

func TestPushHandlerAnswers(t *testing.T) {
	const room = "raum-münchen-2og@contoso.com"
	src := New(nil, Options{PushURL: "https://hub.contoso.com/ews/push", Logf: t.Logf})
	live, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped, stop := context.WithCancel(context.Background())
	stop()
	changed := make(chan string, 4)
	src.push.begin()
	src.push.end("sub-live", &pushSub{mailbox: room, changed: changed, watch: live})
	src.push.begin()
	src.push.end("sub-stopped", &pushSub{mailbox: room, changed: changed, watch: stopped})

	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantCode    int
		wantStatus  string // SubscriptionStatus of a 200 answer
		wantChanged []string
	}{
		{"booking created", "POST", "text/xml; charset=utf-8", notificationBody("sub-live", "CreatedEvent", "ModifiedEvent"), 200, "OK", []string{room}},
		{"status ping", "POST", "text/xml; charset=utf-8", notificationBody("sub-live", "StatusEvent"), 200, "OK", nil},
		{"SOAP 1.2 content type", "POST", "application/soap+xml", notificationBody("sub-live", "DeletedEvent"), 200, "OK", []string{room}},
		{"unknown subscription", "POST", "text/xml", notificationBody("sub-forged", "CreatedEvent"), 200, "Unsubscribe", nil},
		{"stopped watch", "POST", "text/xml", notificationBody("sub-stopped", "CreatedEvent"), 200, "Unsubscribe", nil},
		{"malformed XML", "POST", "text/xml", `<soap:Envelope><soap:Body><m:SendNotification>`, 400, "", nil},
		{"XML but not a notification", "POST", "text/xml", `<?xml version="1.0"?><a>b</a>`, 400, "", nil},
		{"empty body", "POST", "text/xml", ``, 400, "", nil},
		{"JSON", "POST", "application/json", `{"SubscriptionId":"sub-live"}`, 400, "", nil},
		{"no content type", "POST", "", notificationBody("sub-live", "CreatedEvent"), 400, "", nil},
		{"too large", "POST", "text/xml", strings.Replace(notificationBody("sub-live", "CreatedEvent"), "<t:MoreEvents>", strings.Repeat(" ", ews.MaxPushNotificationBytes)+"<t:MoreEvents>", 1), 413, "", nil},
		{"GET", "GET", "", "", 405, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, hubproto.PathEWSPush, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			src.PushHandler().ServeHTTP(w, req)
			if w.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantCode, w.Body)
			}
			if tt.wantCode == 200 {
				if ct := w.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if got := subscriptionStatus(t, w.Body.Bytes()); got != tt.wantStatus {
					t.Errorf("SubscriptionStatus %q, want %q", got, tt.wantStatus)
				}
			}
			var got []string
			for len(changed) > 0 {
				got = append(got, <-changed)
			}
			if diff := cmp.Diff(tt.wantChanged, got); diff != "" {
				t.Errorf("reported mailboxes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPushHandlerWaitsForSubscribe: a ping that arrives while Subscribe is
// still in flight is held until its ID is known, not answered Unsubscribe.
func TestPushHandlerWaitsForSubscribe(t *testing.T) {
	src := New(nil, Options{Logf: t.Logf})
	src.push.begin()
	answered := make(chan string, 1)
	go func() {
		req := httptest.NewRequest("POST", hubproto.PathEWSPush, strings.NewReader(notificationBody("sub-new", "StatusEvent")))
		req.Header.Set("Content-Type", "text/xml")
		w := httptest.NewRecorder()
		src.PushHandler().ServeHTTP(w, req)
		answered <- w.Body.String()
	}()
	// The handler cannot answer before end: it would have to say
	// Unsubscribe, and the assertion below would catch that.
	src.push.end("sub-new", &pushSub{mailbox: "room@contoso.com", changed: make(chan string, 1), watch: context.Background()})
	if got := subscriptionStatus(t, []byte(<-answered)); got != "OK" {
		t.Errorf("SubscriptionStatus %q, want OK", got)
	}
}

func FuzzPushHandler(f *testing.F) {
	f.Add([]byte(notificationBody("sub-live", "CreatedEvent")))
	f.Add([]byte(notificationBody("sub-live", "StatusEvent", "MovedEvent")))
	f.Add([]byte(notificationBody("sub-other", "CreatedEvent")))
	f.Add([]byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault/></soap:Body></soap:Envelope>`))
	f.Add([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>"))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><x>&a;&a;</x>`))
	src := New(nil, Options{Logf: func(string, ...any) {}})
	changed := make(chan string, 1)
	src.push.begin()
	src.push.end("sub-live", &pushSub{mailbox: "room@contoso.com", changed: changed, watch: context.Background()})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", hubproto.PathEWSPush, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		w := httptest.NewRecorder()
		src.PushHandler().ServeHTTP(w, req)
		select {
		case <-changed:
		default:
		}
		switch w.Code {
		case 200:
			if st := subscriptionStatus(t, w.Body.Bytes()); st != "OK" && st != "Unsubscribe" {
				t.Fatalf("SubscriptionStatus %q", st)
			}
		case 400, 413:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}

// testLogf is t.Logf until the test's cleanups run, then silent: the
// simulator's push deliveries and the watchdog run on goroutines of their
// own that may still log while the test ends, and logging after the end
// is a data race in package testing.
func testLogf(t *testing.T) func(string, ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() {
		mu.Lock()
		done = true
		mu.Unlock()
	})
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(format, args...)
		}
	}
}
