package ewstest

// GetStreamingEvents: one long HTTP response carrying a series of complete
// SOAP envelopes, each flushed as soon as it is written.
//
// What a connection sends, in order:
//   - if some requested subscriptions do not exist: an Error envelope
//     (ErrorSubscriptionNotFound) listing them in ErrorSubscriptionIds, with
//     ConnectionStatus Closed when none of the requested ones is left, else
//     OK and the connection carries on with the rest;
//   - notifications as events arrive (one m:Notification per subscription,
//     at most 50 events each, no watermarks, no ConnectionStatus — as in
//     Microsoft's published example);
//   - an empty envelope with ConnectionStatus OK when the connection opens
//     with nothing queued, and after every half minute of silence (the EWS
//     Managed API treats OK as a heartbeat and gives up on a connection
//     silent for 45 s);
//   - ConnectionStatus Closed when ConnectionTimeout minutes (capped by
//     Options.StreamingLifetime) have passed, when its last subscription is
//     unsubscribed, or when another connection takes one of its
//     subscriptions over.
//
// A subscription is served by one connection at a time; opening it on a
// new connection closes the old one (documented choice of this simulator:
// Exchange's behaviour here is not published). Events queued while no
// connection serves a subscription are sent when one opens; events already
// written to a connection that then breaks are lost, as with Exchange.

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"
)

// streamConn is one open GetStreamingEvents response. Its fields are
// guarded by subscriptions.mu, except wake.
type streamConn struct {
	subs      map[string]*subscription
	expired   []string // subscriptions removed under it, to report
	takenOver bool     // another connection took one of its subscriptions
	wake      chan struct{}
}

func (c *streamConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

type ntfGetStreamingEventsRequest struct {
	SubscriptionIDs   []string `xml:"SubscriptionIds>SubscriptionId"`
	ConnectionTimeout string   `xml:"ConnectionTimeout"`
}

type ntfStreamingResponse struct {
	XMLName  xml.Name              `xml:"m:GetStreamingEventsResponse"`
	Messages []ntfStreamingMessage `xml:"m:ResponseMessages>m:GetStreamingEventsResponseMessage"`
}

// ntfStreamingMessage follows Exchange's wire format, which differs from
// its own schema in two places: Notification and the SubscriptionId
// children of ErrorSubscriptionIds are sent in the messages namespace
// (types.xsd puts them in the types namespace). The EWS Managed API and
// exchangelib read them there.
type ntfStreamingMessage struct {
	ntfResponseMessage
	Notifications        *ntfNotifications `xml:"m:Notifications,omitempty"`
	ErrorSubscriptionIDs *ntfIDList        `xml:"m:ErrorSubscriptionIds,omitempty"`
	ConnectionStatus     string            `xml:"m:ConnectionStatus,omitempty"`
}

// ntfNotifications and ntfIDList are pointers in ntfStreamingMessage
// because encoding/xml writes the parent of an empty a>b slice anyway.
type ntfNotifications struct {
	Items []ntfNotification `xml:"m:Notification"`
}

type ntfIDList struct {
	IDs []string `xml:"m:SubscriptionId"`
}

func (s *Server) getStreamingEvents(ctx context.Context, w http.ResponseWriter, req *request) (any, error) {
	var r ntfGetStreamingEventsRequest
	if err := req.decode(&r); err != nil {
		return nil, err
	}
	if len(r.SubscriptionIDs) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'SubscriptionIds' has incomplete content.")
	}
	minutes, err := parseRange("ConnectionTimeout", r.ConnectionTimeout, 1, 30)
	if err != nil {
		return nil, err
	}
	closed := func(m ntfResponseMessage) (any, error) {
		return &ntfStreamingResponse{Messages: []ntfStreamingMessage{{ntfResponseMessage: m, ConnectionStatus: "Closed"}}}, nil
	}
	if f := req.Fault; f != nil && f.ResponseCode != "" {
		return closed(ntfError(f.ResponseCode, ""))
	}
	var ids []string
	for _, id := range r.SubscriptionIDs {
		if id = strings.TrimSpace(id); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxStreamingSubscriptions {
		// Exchange serves at most 200 subscriptions per connection; the
		// exact code it answers with is not published.
		return closed(ntfError("ErrorExceededSubscriptionCount", "A streaming connection can serve at most 200 subscriptions."))
	}

	sm := s.subs
	c := &streamConn{subs: map[string]*subscription{}, wake: make(chan struct{}, 1)}
	var bad []string
	sm.mu.Lock()
	sm.sweepLocked(sm.now())
	for _, id := range ids {
		sub := sm.byID[id]
		if sub != nil && req.Fault != nil && req.Fault.ExpireSubscriptions {
			sm.removeLocked(sub, true)
			sub = nil
		}
		if sub == nil || sub.kind != streamingSub {
			bad = append(bad, id)
			continue
		}
		if sub.account != req.Account {
			sm.mu.Unlock()
			return closed(ntfError("ErrorSubscriptionAccessDenied", ""))
		}
		c.subs[id] = sub
	}
	for id, sub := range c.subs {
		if old := sub.conn; old != nil {
			delete(old.subs, id)
			old.takenOver = true
			old.signal()
		}
		sub.conn = c
	}
	sm.mu.Unlock()
	defer sm.detach(c)

	lifetime := min(time.Duration(minutes)*sm.minute(), s.opts.StreamingLifetime)
	s.stream(ctx, w, req, c, bad, lifetime)
	return nil, nil
}

// detach releases c's subscriptions for another connection.
func (sm *subscriptions) detach(c *streamConn) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	now := sm.now()
	for _, sub := range c.subs {
		if sub.conn == c {
			sub.conn, sub.detached = nil, now
		}
	}
	c.subs = nil
}

// stream writes envelopes to w until the connection ends.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, req *request, c *streamConn, bad []string, lifetime time.Duration) {
	sm := s.subs
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	write := func(m ntfStreamingMessage) bool {
		b, err := marshalResponse(&ntfStreamingResponse{Messages: []ntfStreamingMessage{m}})
		if err != nil {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	status := func(st string) ntfStreamingMessage {
		return ntfStreamingMessage{ntfResponseMessage: ntfSuccess(), ConnectionStatus: st}
	}
	lost := func(ids []string, left int) bool {
		m := ntfStreamingMessage{ntfResponseMessage: ntfError("ErrorSubscriptionNotFound", ""), ErrorSubscriptionIDs: &ntfIDList{IDs: ids}, ConnectionStatus: "OK"}
		if left == 0 {
			m.ConnectionStatus = "Closed"
		}
		return write(m) && left > 0
	}
	reset := req.Fault != nil && req.Fault.ResetMidStream

	// first is set until the connection has said something: a client
	// learns that it is connected before any event happens.
	first := true
	if len(bad) > 0 {
		sm.mu.Lock()
		left := len(c.subs)
		sm.mu.Unlock()
		if !lost(bad, left) {
			return
		}
		first = false
	}
	keepAlive := sm.minute() / 2
	life := time.NewTimer(lifetime)
	defer life.Stop()
	quiet := time.NewTimer(keepAlive)
	defer quiet.Stop()
	for {
		sm.mu.Lock()
		notes, more := sm.drainLocked(c)
		expired, taken, left := c.expired, c.takenOver, len(c.subs)
		c.expired = nil
		sm.mu.Unlock()

		wrote := false
		if len(notes) > 0 {
			if !write(ntfStreamingMessage{ntfResponseMessage: ntfSuccess(), Notifications: &ntfNotifications{Items: notes}}) {
				return
			}
			if reset {
				abortConnection(w)
				return
			}
			wrote = true
		}
		if len(expired) > 0 {
			if !lost(expired, left) {
				return
			}
			wrote = true
		}
		if taken || left == 0 {
			write(status("Closed"))
			return
		}
		if more {
			continue
		}
		if first && !wrote {
			if !write(status("OK")) {
				return
			}
			wrote = true
		}
		first = false
		if wrote {
			quiet.Reset(keepAlive)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-quiet.C:
			if !write(status("OK")) {
				return
			}
			quiet.Reset(keepAlive)
		case <-life.C:
			write(status("Closed"))
			return
		}
	}
}

// drainLocked takes up to 50 queued events from each of c's subscriptions,
// in subscription id order, and reports whether more are waiting.
func (sm *subscriptions) drainLocked(c *streamConn) (notes []ntfNotification, more bool) {
	ids := make([]string, 0, len(c.subs))
	for id, sub := range c.subs {
		if len(sub.queue) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		sub := c.subs[id]
		n := min(len(sub.queue), maxEventsPerNotification)
		note := ntfNotification{SubscriptionID: id}
		for _, e := range sub.queue[:n] {
			note.Events = append(note.Events, sm.eventXML(e, false))
		}
		sub.queue = sub.queue[n:]
		more = more || len(sub.queue) > 0
		notes = append(notes, note)
	}
	return notes, more
}
