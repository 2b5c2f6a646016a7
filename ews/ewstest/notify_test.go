package ewstest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

// These tests drive the simulator over HTTP with hand-written envelopes
// (package ews is not used on purpose) and cause mailbox changes by
// publishing item events the way the core does, with Server.mu held.

// ntfClock is a settable simulator clock.
type ntfClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *ntfClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ntfClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newNotifyServer starts a simulator that validates every request against
// Microsoft's schema.
func newNotifyServer(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	xsdcheck.Require(t)
	if opts.Now == nil {
		opts.Now = (&ntfClock{now: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)}).Now
	}
	opts.Validate = xsdcheck.Envelope
	s, ts := NewServer(opts)
	t.Cleanup(func() {
		s.ExpireSubscriptions() // stops push deliveries
		ts.Close()
	})
	return s, ts.URL + "/EWS/Exchange.asmx"
}

// rooms returns the addresses of the generated room mailboxes.
func rooms(t *testing.T, s *Server) []string {
	t.Helper()
	var out []string
	for _, m := range s.Rooms() {
		out = append(out, m.Address)
	}
	if len(out) < 2 {
		t.Fatalf("want at least two rooms, got %v", out)
	}
	return out
}

// calendarChange publishes a change of item in mailbox's calendar.
func calendarChange(t *testing.T, s *Server, kind, mailbox, item string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, ok := s.org.calendarFolderID(mailbox)
	if !ok {
		t.Fatalf("%s has no calendar", mailbox)
	}
	ev := itemEvent{Kind: kind, Mailbox: mailbox, ItemID: item, ChangeKey: "DwAAABYAAAB", FolderID: cal, Time: s.opts.Now()}
	if kind == "MovedEvent" {
		ev.OldItemID, ev.OldFolderID, ev.FolderID = item, cal, "deleteditems-of-"+mailbox
	}
	s.subs.publish(ev)
}

// envelope wraps body in a request envelope, impersonating mailbox when it
// is not empty.
func envelope(mailbox, body string) string {
	h := `<t:RequestServerVersion Version="Exchange2013_SP1"/>`
	if mailbox != "" {
		h += `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>` + mailbox + `</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
	}
	return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="` + nsTypes + `" xmlns:m="` + nsMessages + `">` +
		`<soap:Header>` + h + `</soap:Header><soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func subscribeBody(kind, mailbox string, events []string, extra string) string {
	var et strings.Builder
	for _, e := range events {
		et.WriteString(`<t:EventType>` + e + `</t:EventType>`)
	}
	folder := `<t:DistinguishedFolderId Id="calendar"/>`
	if mailbox != "" {
		folder = `<t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>` + mailbox + `</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`
	}
	return `<m:Subscribe><m:` + kind + `><t:FolderIds>` + folder + `</t:FolderIds><t:EventTypes>` + et.String() + `</t:EventTypes>` + extra + `</m:` + kind + `></m:Subscribe>`
}

// post sends a request envelope and returns the response body.
func post(t *testing.T, url, env string) []byte {
	t.Helper()
	return postAs(t, url, "", env)
}

// postAs sends env as account, for servers that trust X-Remote-User.
func postAs(t *testing.T, url, account, env string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if account != "" {
		req.Header.Set("X-Remote-User", account)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validate checks a response envelope against Microsoft's schema.
func validate(t *testing.T, what string, b []byte) {
	t.Helper()
	if err := xsdcheck.Envelope(b); err != nil {
		t.Errorf("%s does not validate: %v\n%s", what, err, b)
	}
}

// Response messages, read by local name.
type wireMessage struct {
	ResponseClass        string     `xml:"ResponseClass,attr"`
	ResponseCode         string     `xml:"ResponseCode"`
	SubscriptionID       string     `xml:"SubscriptionId"`
	Watermark            string     `xml:"Watermark"`
	Notification         *wireNote  `xml:"Notification"`
	Notifications        []wireNote `xml:"Notifications>Notification"`
	ErrorSubscriptionIDs []string   `xml:"ErrorSubscriptionIds>SubscriptionId"`
	ConnectionStatus     string     `xml:"ConnectionStatus"`
}

type wireNote struct {
	SubscriptionID    string      `xml:"SubscriptionId"`
	PreviousWatermark string      `xml:"PreviousWatermark"`
	MoreEvents        bool        `xml:"MoreEvents"`
	Events            []wireEvent `xml:",any"`
}

type wireEvent struct {
	XMLName   xml.Name
	Watermark string `xml:"Watermark"`
	ItemID    struct {
		ID string `xml:"Id,attr"`
	} `xml:"ItemId"`
}

// summary lists a notification's events as "Kind item".
func (n wireNote) summary() []string {
	var out []string
	for _, e := range n.Events {
		out = append(out, strings.TrimSpace(e.XMLName.Local+" "+e.ItemID.ID))
	}
	return out
}

// lastWatermark is the watermark of the notification's last event.
func (n wireNote) lastWatermark(t *testing.T) string {
	t.Helper()
	if len(n.Events) == 0 || n.Events[len(n.Events)-1].Watermark == "" {
		t.Fatalf("notification has no event watermark: %+v", n)
	}
	return n.Events[len(n.Events)-1].Watermark
}

// message decodes the single ...ResponseMessage element of a response.
func message(t *testing.T, b []byte) wireMessage {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no response message in %s: %v", b, err)
		}
		if se, ok := tok.(xml.StartElement); ok && strings.HasSuffix(se.Name.Local, "ResponseMessage") {
			var m wireMessage
			if err := d.DecodeElement(&m, &se); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
}

func subscribe(t *testing.T, url, impersonate, body string) wireMessage {
	t.Helper()
	return message(t, post(t, url, envelope(impersonate, body)))
}

func getEvents(t *testing.T, url, impersonate, id, watermark string) wireMessage {
	t.Helper()
	return message(t, post(t, url, envelope(impersonate, `<m:GetEvents><m:SubscriptionId>`+id+`</m:SubscriptionId><m:Watermark>`+watermark+`</m:Watermark></m:GetEvents>`)))
}

func TestSubscribeErrors(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	pull := []string{"CreatedEvent"}
	tests := []struct {
		name        string
		impersonate string
		body        string
		wantCode    string
	}{
		{"pull", room, subscribeBody("PullSubscriptionRequest", "", pull, `<t:Timeout>10</t:Timeout>`), "NoError"},
		{"streaming", room, subscribeBody("StreamingSubscriptionRequest", "", pull, ""), "NoError"},
		{"delegate access", "", subscribeBody("PullSubscriptionRequest", room, pull, `<t:Timeout>10</t:Timeout>`), "ErrorSubscriptionDelegateAccessNotSupported"},
		{"unknown folder", room, `<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:FolderId Id="AAMkAGI2bm9uc2Vuc2U="/></t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes><t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>`, "ErrorFolderNotFound"},
		{"unknown mailbox", room, subscribeBody("PullSubscriptionRequest", "nobody@contoso.com", pull, `<t:Timeout>10</t:Timeout>`), "ErrorFolderNotFound"},
		{"bad push URL", room, subscribeBody("PushSubscriptionRequest", "", pull, `<t:StatusFrequency>1</t:StatusFrequency><t:URL>ftp://listener.contoso.com/ews</t:URL>`), "ErrorInvalidPushSubscriptionUrl"},
		{"foreign watermark", room, subscribeBody("PullSubscriptionRequest", "", pull, `<t:Watermark>AAAAAHgGAAAAAAAAAQ==</t:Watermark><t:Timeout>10</t:Timeout>`), "ErrorInvalidWatermark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := post(t, url, envelope(tt.impersonate, tt.body))
			m := message(t, b)
			if m.ResponseCode != tt.wantCode {
				t.Fatalf("ResponseCode = %q, want %q\n%s", m.ResponseCode, tt.wantCode, b)
			}
			if tt.wantCode == "NoError" && m.SubscriptionID == "" {
				t.Errorf("no SubscriptionId in %s", b)
			}
			validate(t, "SubscribeResponse", b)
		})
	}
	if got := len(s.Subscriptions()); got != 2 {
		t.Errorf("Subscriptions() has %d entries, want the 2 successful ones", got)
	}

	// Timeout outside 1..1440 fails schema validation, as on Exchange.
	b := post(t, url, envelope(room, subscribeBody("PullSubscriptionRequest", "", pull, `<t:Timeout>0</t:Timeout>`)))
	if !bytes.Contains(b, []byte("ErrorSchemaValidation")) {
		t.Errorf("Timeout 0 was not refused by schema validation:\n%s", b)
	}
}

func TestPullSequencing(t *testing.T) {
	clock := &ntfClock{now: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)}
	s, url := newNotifyServer(t, Options{Now: clock.Now, TrustRemoteUserHeader: true})
	rs := rooms(t, s)
	room, other := rs[0], rs[1]

	sub := subscribe(t, url, room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent"}, `<t:Timeout>10</t:Timeout>`))
	if sub.ResponseCode != "NoError" || sub.Watermark == "" {
		t.Fatalf("Subscribe: %+v", sub)
	}
	id, w0 := sub.SubscriptionID, sub.Watermark

	// Nothing happened yet: a StatusEvent with a fresh watermark.
	b := post(t, url, envelope(room, `<m:GetEvents><m:SubscriptionId>`+id+`</m:SubscriptionId><m:Watermark>`+w0+`</m:Watermark></m:GetEvents>`))
	validate(t, "GetEventsResponse with StatusEvent", b)
	m := message(t, b)
	if m.Notification == nil || m.Notification.PreviousWatermark != w0 || m.Notification.MoreEvents {
		t.Fatalf("first GetEvents: %s", b)
	}
	if diff := cmp.Diff([]string{"StatusEvent"}, m.Notification.summary()); diff != "" {
		t.Errorf("first GetEvents (-want +got):\n%s", diff)
	}
	w1 := m.Notification.lastWatermark(t)

	calendarChange(t, s, "CreatedEvent", room, "item-1")
	calendarChange(t, s, "CreatedEvent", other, "item-of-other-room")
	calendarChange(t, s, "ModifiedEvent", room, "item-1")
	calendarChange(t, s, "MovedEvent", room, "item-1")

	b = post(t, url, envelope(room, `<m:GetEvents><m:SubscriptionId>`+id+`</m:SubscriptionId><m:Watermark>`+w1+`</m:Watermark></m:GetEvents>`))
	validate(t, "GetEventsResponse with events", b)
	m = message(t, b)
	want := []string{"CreatedEvent item-1", "ModifiedEvent item-1", "MovedEvent item-1"}
	if diff := cmp.Diff(want, m.Notification.summary()); diff != "" {
		t.Fatalf("events after w1 (-want +got):\n%s", diff)
	}
	if m.Notification.PreviousWatermark != w1 {
		t.Errorf("PreviousWatermark = %q, want %q", m.Notification.PreviousWatermark, w1)
	}
	w2 := m.Notification.lastWatermark(t)

	// A client that lost the response may ask again with the same watermark.
	if diff := cmp.Diff(want, getEvents(t, url, room, id, w1).Notification.summary()); diff != "" {
		t.Errorf("repeated GetEvents (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"StatusEvent"}, getEvents(t, url, room, id, w2).Notification.summary()); diff != "" {
		t.Errorf("GetEvents after the last event (-want +got):\n%s", diff)
	}
	// Once w2 was used, earlier watermarks are gone.
	if got := getEvents(t, url, room, id, w1).ResponseCode; got != "ErrorInvalidWatermark" {
		t.Errorf("GetEvents with an acknowledged watermark: %s, want ErrorInvalidWatermark", got)
	}
	if got := getEvents(t, url, room, id, "bm90IGEgd2F0ZXJtYXJr").ResponseCode; got != "ErrorInvalidWatermark" {
		t.Errorf("GetEvents with a garbage watermark: %s, want ErrorInvalidWatermark", got)
	}

	// More than 50 events come in pages with MoreEvents.
	for i := range 60 {
		calendarChange(t, s, "CreatedEvent", room, fmt.Sprintf("bulk-%02d", i))
	}
	m = getEvents(t, url, room, id, w2)
	if n := len(m.Notification.Events); n != 50 || !m.Notification.MoreEvents {
		t.Fatalf("first page: %d events, MoreEvents %v; want 50, true", n, m.Notification.MoreEvents)
	}
	m = getEvents(t, url, room, id, m.Notification.lastWatermark(t))
	if n := len(m.Notification.Events); n != 10 || m.Notification.MoreEvents {
		t.Fatalf("second page: %d events, MoreEvents %v; want 10, false", n, m.Notification.MoreEvents)
	}
	if got := m.Notification.Events[9].ItemID.ID; got != "bulk-59" {
		t.Errorf("last event is %q, want bulk-59", got)
	}

	// A new subscription can resume from an old watermark.
	resumed := subscribe(t, url, room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent"}, `<t:Watermark>`+w1+`</t:Watermark><t:Timeout>10</t:Timeout>`))
	if resumed.ResponseCode != "NoError" || resumed.Watermark != w1 {
		t.Fatalf("Subscribe with watermark: %+v", resumed)
	}
	if diff := cmp.Diff(want, getEvents(t, url, room, resumed.SubscriptionID, w1).Notification.summary()[:3]); diff != "" {
		t.Errorf("resumed subscription (-want +got):\n%s", diff)
	}

	// Only the subscriber's account may read it.
	b = postAs(t, url, "admin@contoso.com", envelope(room, `<m:GetEvents><m:SubscriptionId>`+id+`</m:SubscriptionId><m:Watermark>`+w2+`</m:Watermark></m:GetEvents>`))
	if got := message(t, b).ResponseCode; got != "ErrorSubscriptionAccessDenied" {
		t.Errorf("GetEvents by another account: %s, want ErrorSubscriptionAccessDenied", got)
	}

	// Not polled for longer than Timeout: the subscription expires.
	clock.advance(11 * time.Minute)
	b = post(t, url, envelope(room, `<m:GetEvents><m:SubscriptionId>`+id+`</m:SubscriptionId><m:Watermark>`+w2+`</m:Watermark></m:GetEvents>`))
	validate(t, "GetEventsResponse error", b)
	if got := message(t, b).ResponseCode; got != "ErrorSubscriptionNotFound" {
		t.Errorf("GetEvents after Timeout: %s, want ErrorSubscriptionNotFound", got)
	}
	if got := s.Subscriptions(); len(got) != 0 {
		t.Errorf("Subscriptions() after expiry = %+v, want none", got)
	}
}

func TestUnsubscribe(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	pull := subscribe(t, url, room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent"}, `<t:Timeout>5</t:Timeout>`))
	streaming := subscribe(t, url, room, subscribeBody("StreamingSubscriptionRequest", "", []string{"CreatedEvent"}, ""))
	unsubscribe := func(id string) []byte {
		return post(t, url, envelope(room, `<m:Unsubscribe><m:SubscriptionId>`+id+`</m:SubscriptionId></m:Unsubscribe>`))
	}
	tests := []struct {
		name, id, want string
	}{
		{"pull", pull.SubscriptionID, "NoError"},
		{"pull again", pull.SubscriptionID, "ErrorSubscriptionNotFound"},
		{"streaming", streaming.SubscriptionID, "NoError"},
		{"unknown", "bm8gc3VjaCBzdWJzY3JpcHRpb24=", "ErrorSubscriptionNotFound"},
	}
	for _, tt := range tests {
		b := unsubscribe(tt.id)
		validate(t, "UnsubscribeResponse", b)
		if got := message(t, b).ResponseCode; got != tt.want {
			t.Errorf("%s: ResponseCode %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := getEvents(t, url, room, pull.SubscriptionID, pull.Watermark).ResponseCode; got != "ErrorSubscriptionNotFound" {
		t.Errorf("GetEvents after Unsubscribe: %s", got)
	}
	if got := s.Subscriptions(); len(got) != 0 {
		t.Errorf("Subscriptions() = %+v, want none", got)
	}
}

func TestExpireSubscriptionsFault(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	keep := subscribe(t, url, room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent"}, `<t:Timeout>5</t:Timeout>`))
	gone := subscribe(t, url, room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent"}, `<t:Timeout>5</t:Timeout>`))
	s.Inject(Fault{Op: "GetEvents", ExpireSubscriptions: true, Times: 1})
	if got := getEvents(t, url, room, gone.SubscriptionID, gone.Watermark).ResponseCode; got != "ErrorSubscriptionNotFound" {
		t.Fatalf("GetEvents under ExpireSubscriptions: %s", got)
	}
	if got := getEvents(t, url, room, gone.SubscriptionID, gone.Watermark).ResponseCode; got != "ErrorSubscriptionNotFound" {
		t.Errorf("expired subscription came back: %s", got)
	}
	if got := getEvents(t, url, room, keep.SubscriptionID, keep.Watermark).ResponseCode; got != "NoError" {
		t.Errorf("untouched subscription: %s", got)
	}
	s.ExpireSubscriptions()
	if got := getEvents(t, url, room, keep.SubscriptionID, keep.Watermark).ResponseCode; got != "ErrorSubscriptionNotFound" {
		t.Errorf("after ExpireSubscriptions: %s", got)
	}
}

func TestResetMidStreamOnPlainResponse(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	s.Inject(Fault{Op: "Subscribe", ResetMidStream: true, Times: 1})
	resp, err := http.Post(url, "text/xml", strings.NewReader(envelope(room, subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent"}, `<t:Timeout>5</t:Timeout>`))))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("reading a reset response succeeded")
	}
}

// pushListener is a push subscriber: it records every SendNotification and
// answers with the status its answer function picks.
type pushListener struct {
	mu     sync.Mutex
	bodies [][]byte
	notes  chan wireNote
	answer func(n int) (status int, subscriptionStatus string)
}

func newPushListener(t *testing.T, answer func(n int) (int, string)) (*pushListener, string) {
	l := &pushListener{notes: make(chan wireNote, 100), answer: answer}
	ts := httptest.NewServer(l)
	t.Cleanup(ts.Close)
	return l, ts.URL + "/push/ews"
}

func (l *pushListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.bodies = append(l.bodies, b)
	n := len(l.bodies)
	l.mu.Unlock()
	code, st := l.answer(n)
	if code != http.StatusOK {
		http.Error(w, "listener unavailable", code)
		return
	}
	var env struct {
		Note wireNote `xml:"Body>SendNotification>ResponseMessages>SendNotificationResponseMessage>Notification"`
	}
	if xml.Unmarshal(b, &env) == nil {
		l.notes <- env.Note
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SendNotificationResult xmlns="%s"><SubscriptionStatus>%s</SubscriptionStatus></SendNotificationResult></s:Body></s:Envelope>`, nsMessages, st)
}

func (l *pushListener) requests() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.bodies...)
}

// next returns the next notification the listener accepted.
func (l *pushListener) next(t *testing.T) wireNote {
	t.Helper()
	select {
	case n := <-l.notes:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("no push notification arrived")
		return wireNote{}
	}
}

func waitDeliveries(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitPushDeliveries(ctx, n); err != nil {
		t.Fatalf("waiting for %d push deliveries (have %d): %v", n, s.PushDeliveries(), err)
	}
}
