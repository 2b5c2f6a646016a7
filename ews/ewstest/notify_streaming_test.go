package ewstest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stream is an open GetStreamingEvents response read envelope by envelope.
type stream struct {
	t      *testing.T
	r      *bufio.Reader
	cancel context.CancelFunc
}

// openStream posts GetStreamingEvents for ids. The context is only a
// safety net against a hung test.
func openStream(t *testing.T, url string, timeout int, ids ...string) *stream {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<m:GetStreamingEvents><m:SubscriptionIds>`)
	for _, id := range ids {
		b.WriteString(`<t:SubscriptionId>` + id + `</t:SubscriptionId>`)
	}
	b.WriteString(`</m:SubscriptionIds><m:ConnectionTimeout>` + strconv.Itoa(timeout) + `</m:ConnectionTimeout></m:GetStreamingEvents>`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(envelope("", b.String())))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GetStreamingEvents: %s", resp.Status)
	}
	st := &stream{t: t, r: bufio.NewReader(resp.Body), cancel: func() { cancel(); resp.Body.Close() }}
	t.Cleanup(st.cancel)
	return st
}

const envelopeEnd = "</s:Envelope>"

// next reads one envelope, checks it against the schema and decodes it.
func (st *stream) next() (wireMessage, error) {
	st.t.Helper()
	var buf bytes.Buffer
	for !bytes.HasSuffix(buf.Bytes(), []byte(envelopeEnd)) {
		c, err := st.r.ReadByte()
		if err != nil {
			if err == io.EOF && strings.TrimSpace(buf.String()) != "" {
				err = io.ErrUnexpectedEOF
			}
			return wireMessage{}, err
		}
		buf.WriteByte(c)
	}
	doc := bytes.TrimSpace(buf.Bytes())
	validate(st.t, "GetStreamingEvents envelope", schemaForm(doc))
	return message(st.t, doc), nil
}

func (st *stream) mustNext() wireMessage {
	st.t.Helper()
	m, err := st.next()
	if err != nil {
		st.t.Fatalf("reading the stream: %v", err)
	}
	return m
}

// events reads envelopes until want events arrived, skipping keep-alives,
// and returns them as "subscription: Kind item" in arrival order.
func (st *stream) events(want int, names map[string]string) []string {
	st.t.Helper()
	var got []string
	for len(got) < want {
		m := st.mustNext()
		if m.ResponseClass != "Success" || m.ConnectionStatus == "Closed" {
			st.t.Fatalf("stream ended early: %+v (have %v)", m, got)
		}
		for _, n := range m.Notifications {
			for _, e := range n.summary() {
				got = append(got, names[n.SubscriptionID]+": "+e)
			}
		}
	}
	return got
}

// schemaForm rewrites the two places where Exchange's streaming wire
// format departs from Microsoft's own schema (see ntfStreamingMessage):
// Notification and ErrorSubscriptionIds/SubscriptionId are sent in the
// messages namespace, types.xsd declares them in the types namespace.
// Everything else is validated as sent.
func schemaForm(doc []byte) []byte {
	return []byte(strings.NewReplacer(
		"<m:Notification>", "<t:Notification>", "</m:Notification>", "</t:Notification>",
		"<m:SubscriptionId>", "<t:SubscriptionId>", "</m:SubscriptionId>", "</t:SubscriptionId>",
	).Replace(string(doc)))
}

func streamingSubscription(t *testing.T, url, room string, events ...string) string {
	t.Helper()
	b := post(t, url, envelope(room, subscribeBody("StreamingSubscriptionRequest", "", events, "")))
	validate(t, "streaming SubscribeResponse", b)
	m := message(t, b)
	if m.ResponseCode != "NoError" || m.SubscriptionID == "" || m.Watermark != "" {
		t.Fatalf("streaming Subscribe: %s", b)
	}
	return m.SubscriptionID
}

func TestStreamingTwoSubscriptionsOneConnection(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	rs := rooms(t, s)
	a := streamingSubscription(t, url, rs[0], "CreatedEvent", "ModifiedEvent", "FreeBusyChangedEvent")
	b := streamingSubscription(t, url, rs[1], "DeletedEvent")
	names := map[string]string{a: "A", b: "B"}

	st := openStream(t, url, 30, a, b)
	if m := st.mustNext(); m.ConnectionStatus != "OK" || len(m.Notifications) != 0 {
		t.Fatalf("first envelope is not a keep-alive: %+v", m)
	}
	for _, info := range s.Subscriptions() {
		if !info.Connected {
			t.Errorf("subscription %s is not connected", info.ID)
		}
	}

	calendarChange(t, s, "CreatedEvent", rs[0], "meeting-1")
	calendarChange(t, s, "CreatedEvent", rs[1], "ignored-by-B")
	calendarChange(t, s, "DeletedEvent", rs[1], "meeting-2")
	calendarChange(t, s, "ModifiedEvent", rs[0], "meeting-1")

	got := st.events(5, names)
	// Events arrive in order per subscription; how the two interleave
	// depends on when the connection woke up.
	perSub := map[string][]string{}
	for _, e := range got {
		perSub[e[:1]] = append(perSub[e[:1]], e)
	}
	want := map[string][]string{
		"A": {"A: CreatedEvent meeting-1", "A: FreeBusyChangedEvent meeting-1", "A: ModifiedEvent meeting-1", "A: FreeBusyChangedEvent meeting-1"},
		"B": {"B: DeletedEvent meeting-2"},
	}
	if diff := cmp.Diff(want, perSub); diff != "" {
		t.Errorf("streamed events (-want +got):\n%s", diff)
	}
}

func TestStreamingDeliversBooking(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	id := streamingSubscription(t, url, room, "CreatedEvent")
	st := openStream(t, url, 30, id)
	st.mustNext() // keep-alive

	start := s.Now().Add(24 * time.Hour).Truncate(time.Hour)
	if _, err := s.AddBooking(room, Booking{Subject: "Quartalsplanung Büro Zürich / 北京辦公室", Start: start, End: start.Add(time.Hour)}); err != nil {
		t.Fatalf("AddBooking: %v", err)
	}
	got := st.events(1, map[string]string{id: "S"})
	if !strings.HasPrefix(got[0], "S: CreatedEvent ") {
		t.Errorf("first streamed event = %q, want a CreatedEvent of the room's copy", got[0])
	}
}

func TestStreamingLifetimeCloses(t *testing.T) {
	s, url := newNotifyServer(t, Options{StreamingLifetime: 300 * time.Millisecond})
	room := rooms(t, s)[0]
	id := streamingSubscription(t, url, room, "CreatedEvent")
	st := openStream(t, url, 30, id)
	var last wireMessage
	for {
		m, err := st.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("stream broke instead of closing: %v", err)
		}
		last = m
	}
	if last.ConnectionStatus != "Closed" || last.ResponseCode != "NoError" {
		t.Errorf("last envelope = %+v, want NoError with ConnectionStatus Closed", last)
	}

	// The subscription outlives its connection; events queued meanwhile
	// arrive on the next one.
	calendarChange(t, s, "CreatedEvent", room, "while-disconnected")
	st = openStream(t, url, 1, id)
	if diff := cmp.Diff([]string{"S: CreatedEvent while-disconnected"}, st.events(1, map[string]string{id: "S"})); diff != "" {
		t.Errorf("events after reconnecting (-want +got):\n%s", diff)
	}
}

func TestStreamingResetMidStream(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	id := streamingSubscription(t, url, room, "CreatedEvent")
	names := map[string]string{id: "S"}
	s.Inject(Fault{Op: "GetStreamingEvents", ResetMidStream: true, Times: 1})

	st := openStream(t, url, 30, id)
	st.mustNext() // keep-alive
	calendarChange(t, s, "CreatedEvent", room, "before-reset")
	if diff := cmp.Diff([]string{"S: CreatedEvent before-reset"}, st.events(1, names)); diff != "" {
		t.Errorf("events before the reset (-want +got):\n%s", diff)
	}
	if _, err := st.next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("after the first notification: %v, want an unexpected EOF", err)
	}

	// The subscription survives; a new connection picks it up.
	st = openStream(t, url, 30, id)
	st.mustNext()
	calendarChange(t, s, "CreatedEvent", room, "after-reset")
	if diff := cmp.Diff([]string{"S: CreatedEvent after-reset"}, st.events(1, names)); diff != "" {
		t.Errorf("events after reconnecting (-want +got):\n%s", diff)
	}
}

func TestStreamingSubscriptionErrors(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	const bogus = "Ym9ndXMgc3Vic2NyaXB0aW9uIGlk"

	t.Run("unknown and known", func(t *testing.T) {
		id := streamingSubscription(t, url, room, "CreatedEvent")
		st := openStream(t, url, 30, id, bogus)
		m := st.mustNext()
		if m.ResponseCode != "ErrorSubscriptionNotFound" || m.ConnectionStatus != "OK" || !cmp.Equal(m.ErrorSubscriptionIDs, []string{bogus}) {
			t.Fatalf("first envelope = %+v", m)
		}
		calendarChange(t, s, "CreatedEvent", room, "still-served")
		if diff := cmp.Diff([]string{"S: CreatedEvent still-served"}, st.events(1, map[string]string{id: "S"})); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}

		// ExpireSubscriptions reports the lost subscription and closes.
		s.ExpireSubscriptions()
		m = st.mustNext()
		if m.ResponseCode != "ErrorSubscriptionNotFound" || m.ConnectionStatus != "Closed" || !cmp.Equal(m.ErrorSubscriptionIDs, []string{id}) {
			t.Errorf("after ExpireSubscriptions: %+v", m)
		}
		if _, err := st.next(); err != io.EOF {
			t.Errorf("stream did not end after Closed: %v", err)
		}
	})

	t.Run("expire fault", func(t *testing.T) {
		id := streamingSubscription(t, url, room, "CreatedEvent")
		s.Inject(Fault{Op: "GetStreamingEvents", ExpireSubscriptions: true, Times: 1})
		m := openStream(t, url, 30, id).mustNext()
		if m.ResponseCode != "ErrorSubscriptionNotFound" || m.ConnectionStatus != "Closed" || !cmp.Equal(m.ErrorSubscriptionIDs, []string{id}) {
			t.Errorf("envelope = %+v", m)
		}
		if got := s.Subscriptions(); len(got) != 0 {
			t.Errorf("Subscriptions() = %+v, want none", got)
		}
	})

	t.Run("taken over", func(t *testing.T) {
		id := streamingSubscription(t, url, room, "CreatedEvent")
		first := openStream(t, url, 30, id)
		first.mustNext()
		second := openStream(t, url, 30, id)
		second.mustNext()
		if m := first.mustNext(); m.ConnectionStatus != "Closed" {
			t.Errorf("older connection got %+v, want ConnectionStatus Closed", m)
		}
		calendarChange(t, s, "CreatedEvent", room, "to-the-newer")
		if diff := cmp.Diff([]string{"S: CreatedEvent to-the-newer"}, second.events(1, map[string]string{id: "S"})); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})

	t.Run("too many", func(t *testing.T) {
		ids := make([]string, maxStreamingSubscriptions+1)
		for i := range ids {
			ids[i] = bogus + strconv.Itoa(i)
		}
		m := openStream(t, url, 30, ids...).mustNext()
		if m.ResponseCode != "ErrorExceededSubscriptionCount" || m.ConnectionStatus != "Closed" {
			t.Errorf("201 subscriptions: %+v", m)
		}
	})
}

func TestStreamingKeepAliveAndConnectionTimeout(t *testing.T) {
	// Two 200 ms "minutes": keep-alives every 100 ms, closed after 400 ms.
	s, url := newNotifyServer(t, Options{NotificationMinute: 200 * time.Millisecond})
	id := streamingSubscription(t, url, rooms(t, s)[0], "CreatedEvent")
	st := openStream(t, url, 2, id)
	var statuses []string
	for {
		m, err := st.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Notifications) != 0 || m.ResponseCode != "NoError" {
			t.Fatalf("unexpected envelope %+v", m)
		}
		statuses = append(statuses, m.ConnectionStatus)
	}
	if len(statuses) < 3 || statuses[len(statuses)-1] != "Closed" {
		t.Fatalf("statuses = %v, want keep-alives (OK) and a final Closed", statuses)
	}
	for _, st := range statuses[:len(statuses)-1] {
		if st != "OK" {
			t.Errorf("statuses = %v, want only OK before Closed", statuses)
		}
	}
}
