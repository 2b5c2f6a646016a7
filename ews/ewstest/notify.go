package ewstest

// This file models EWS notifications: the subscription table shared by
// pull, push (notify_push.go) and streaming (notify_streaming.go)
// subscriptions, the event log behind watermarks, and the Subscribe,
// GetEvents and Unsubscribe operations.
//
// Locking: the simulator core calls publish while holding Server.mu, so the
// order is always Server.mu → subscriptions.mu. Nothing here takes
// Server.mu while holding subscriptions.mu, and nothing blocks or does I/O
// under either lock: streaming writes and push POSTs happen after the
// state they need has been copied out.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Exchange's notification limits, and the simulator's own bounds.
const (
	// maxEventsPerNotification is how many events GetEvents and a push
	// notification carry at most ("the first 50 events from the queue").
	maxEventsPerNotification = 50
	// maxStreamingSubscriptions is how many subscriptions one
	// GetStreamingEvents connection may carry.
	maxStreamingSubscriptions = 200
	// eventLogSize bounds the events kept for Subscribe with a Watermark;
	// an older watermark is answered with ErrorInvalidWatermark.
	eventLogSize = 10000
	// maxQueuedEvents bounds the events waiting for one subscription. A
	// subscription that falls further behind is dropped, and its client
	// sees ErrorSubscriptionNotFound and must re-subscribe and resync.
	maxQueuedEvents = 5000
	// maxSubscriptionsPerMailbox is EWSMaxSubscriptions of Exchange
	// 2013 and later on premises, counted against the watched mailbox.
	// Without it every Subscribe would add state (and, for push, a
	// goroutine) without bound.
	maxSubscriptionsPerMailbox = 5000
	// streamingOrphanLifetime is how long a streaming subscription
	// survives without a GetStreamingEvents connection serving it.
	streamingOrphanLifetime = 30 * time.Minute
)

// notificationEventTypes are the values of t:NotificationEventTypeType.
var notificationEventTypes = map[string]bool{
	"CopiedEvent": true, "CreatedEvent": true, "DeletedEvent": true, "ModifiedEvent": true,
	"MovedEvent": true, "NewMailEvent": true, "FreeBusyChangedEvent": true,
}

type subKind int

const (
	pullSub subKind = iota + 1
	pushSub
	streamingSub
)

func (k subKind) String() string {
	switch k {
	case pullSub:
		return "Pull"
	case pushSub:
		return "Push"
	case streamingSub:
		return "Streaming"
	}
	return "Unknown"
}

// logEntry is one event with its place in the server-wide sequence that
// watermarks encode.
type logEntry struct {
	seq  uint64
	kind string // element name: CreatedEvent, ..., FreeBusyChangedEvent
	ev   itemEvent
}

// subscription is one Subscribe result. Every field is guarded by
// subscriptions.mu.
type subscription struct {
	id         string
	kind       subKind
	account    string // authenticated account that subscribed; only it may read
	mailbox    string // the watched mailbox
	allFolders bool
	folders    map[string]bool
	eventTypes map[string]bool
	version    string // RequestServerVersion of the Subscribe, echoed to push

	queue []*logEntry // matching events not yet delivered (or acknowledged)
	ack   uint64      // pull, push: sequence number the client has acknowledged

	timeout  time.Duration // pull: expiry after this long without GetEvents
	lastUsed time.Time     // pull: last Subscribe or GetEvents

	conn     *streamConn // streaming: the connection serving it, or nil
	detached time.Time   // streaming: when it last lost (or never had) a connection

	url             string        // push
	statusFrequency int           // push, minutes
	wake            chan struct{} // push: new events queued (capacity 1)
	done            chan struct{} // closed when the subscription is removed
}

// subscriptions is the server's notification state.
type subscriptions struct {
	s *Server

	mu    sync.Mutex
	epoch uint32 // ties watermarks to this server instance
	seq   uint64 // last event sequence number
	log   []*logEntry
	byID  map[string]*subscription

	deliveries int           // acknowledged push notifications
	delivered  chan struct{} // closed and replaced on every delivery
}

func newSubscriptions(s *Server) *subscriptions {
	var b [4]byte
	rand.Read(b[:])
	return &subscriptions{
		s:         s,
		epoch:     binary.BigEndian.Uint32(b[:]),
		byID:      map[string]*subscription{},
		delivered: make(chan struct{}),
	}
}

func (s *Server) registerNotifications() {
	s.handle("Subscribe", s.subscribe)
	s.handle("GetEvents", s.getEvents)
	s.handle("Unsubscribe", s.unsubscribe)
	s.handle("GetStreamingEvents", s.getStreamingEvents)
}

// now is the simulator's clock (Server.Now), which decides subscription
// expiry.
func (sm *subscriptions) now() time.Time { return sm.s.Now() }

// minute is how long one notification-timer minute lasts in real time.
func (sm *subscriptions) minute() time.Duration {
	if m := sm.s.opts.NotificationMinute; m > 0 {
		return m
	}
	return time.Minute
}

// publish records a mailbox change and queues it for every subscription
// that watches it. The core calls it with Server.mu held; it never blocks.
func (sm *subscriptions) publish(ev itemEvent) {
	ev.Mailbox = strings.ToLower(ev.Mailbox)
	if ev.Time.IsZero() {
		ev.Time = sm.now()
	}
	kinds := []string{ev.Kind}
	// Exchange also raises FreeBusyChangedEvent when a calendar change
	// alters free/busy; only subscribers asking for it see it.
	if cal, ok := sm.s.org.calendarFolderID(ev.Mailbox); ok && (ev.FolderID == cal || ev.OldFolderID == cal) {
		kinds = append(kinds, "FreeBusyChangedEvent")
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.sweepLocked(sm.now())
	for _, k := range kinds {
		sm.seq++
		e := &logEntry{seq: sm.seq, kind: k, ev: ev}
		sm.log = append(sm.log, e)
		if len(sm.log) > 2*eventLogSize {
			sm.log = append([]*logEntry(nil), sm.log[len(sm.log)-eventLogSize:]...)
		}
		for _, sub := range sm.byID {
			if sub.matches(e) {
				sm.enqueueLocked(sub, e)
			}
		}
	}
}

func (sub *subscription) matches(e *logEntry) bool {
	if e.ev.Mailbox != sub.mailbox || !sub.eventTypes[e.kind] {
		return false
	}
	return sub.allFolders || sub.folders[e.ev.FolderID] || (e.ev.OldFolderID != "" && sub.folders[e.ev.OldFolderID])
}

func (sm *subscriptions) enqueueLocked(sub *subscription, e *logEntry) {
	if len(sub.queue) >= maxQueuedEvents {
		sm.removeLocked(sub, true)
		return
	}
	sub.queue = append(sub.queue, e)
	switch {
	case sub.conn != nil:
		sub.conn.signal()
	case sub.wake != nil:
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

// removeLocked deletes sub. expired says the client did not ask for it, so
// a streaming connection serving sub reports it with
// ErrorSubscriptionNotFound.
func (sm *subscriptions) removeLocked(sub *subscription, expired bool) {
	if sm.byID[sub.id] != sub {
		return
	}
	delete(sm.byID, sub.id)
	close(sub.done)
	if c := sub.conn; c != nil {
		delete(c.subs, sub.id)
		if expired {
			c.expired = append(c.expired, sub.id)
		}
		sub.conn = nil
		c.signal()
	}
}

// sweepLocked drops pull subscriptions not polled within their Timeout and
// streaming subscriptions left without a connection for 30 minutes, both
// measured on the simulator's clock.
func (sm *subscriptions) sweepLocked(now time.Time) {
	for _, sub := range sm.byID {
		switch {
		case sub.kind == pullSub && now.Sub(sub.lastUsed) > sub.timeout:
			sm.removeLocked(sub, true)
		case sub.kind == streamingSub && sub.conn == nil && now.Sub(sub.detached) > streamingOrphanLifetime:
			sm.removeLocked(sub, true)
		}
	}
}

// countLocked returns how many subscriptions watch mailbox.
func (sm *subscriptions) countLocked(mailbox string) int {
	n := 0
	for _, sub := range sm.byID {
		if sub.mailbox == mailbox {
			n++
		}
	}
	return n
}

// lookupLocked returns the live subscription id, or nil.
func (sm *subscriptions) lookupLocked(id string) *subscription {
	sm.sweepLocked(sm.now())
	return sm.byID[strings.TrimSpace(id)]
}

// Watermarks are opaque to clients. Like Exchange's they are base64; inside
// they carry this server's epoch and an event sequence number.
func (sm *subscriptions) watermark(seq uint64) string {
	var b [13]byte
	binary.BigEndian.PutUint32(b[0:4], sm.epoch)
	binary.LittleEndian.PutUint64(b[4:12], seq)
	b[12] = 1
	return base64.StdEncoding.EncodeToString(b[:])
}

// parseWatermarkLocked returns the sequence number in w, or false when w
// is malformed, from another server, or ahead of this one.
func (sm *subscriptions) parseWatermarkLocked(w string) (uint64, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(w))
	if err != nil || len(b) != 13 || binary.BigEndian.Uint32(b[0:4]) != sm.epoch || b[12] != 1 {
		return 0, false
	}
	seq := binary.LittleEndian.Uint64(b[4:12])
	return seq, seq <= sm.seq
}

func newSubscriptionID() string {
	var b [21]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// SubscriptionInfo describes one live notification subscription.
type SubscriptionInfo struct {
	ID      string
	Kind    string // "Pull", "Push" or "Streaming"
	Mailbox string // the watched mailbox
	// Connected reports whether a GetStreamingEvents connection is
	// serving a streaming subscription.
	Connected bool
	// Pending is how many events wait for delivery or acknowledgement.
	Pending int
}

// Subscriptions returns the live subscriptions, sorted by ID. Expired ones
// are dropped first, so the count is what clients could still use.
func (s *Server) Subscriptions() []SubscriptionInfo {
	sm := s.subs
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.sweepLocked(sm.now())
	out := make([]SubscriptionInfo, 0, len(sm.byID))
	for _, sub := range sm.byID {
		out = append(out, SubscriptionInfo{ID: sub.id, Kind: sub.kind.String(), Mailbox: sub.mailbox, Connected: sub.conn != nil, Pending: len(sub.queue)})
	}
	slices.SortFunc(out, func(a, b SubscriptionInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ExpireSubscriptions drops every subscription, as a mailbox move or a
// server restart does: GetEvents and GetStreamingEvents then answer
// ErrorSubscriptionNotFound, open streaming connections report the lost
// subscriptions and close, and push deliveries stop. Clients must
// subscribe again.
func (s *Server) ExpireSubscriptions() {
	sm := s.subs
	sm.mu.Lock()
	defer sm.mu.Unlock()
	for _, sub := range sm.byID {
		sm.removeLocked(sub, true)
	}
}

// PushDeliveries returns how many push notifications (events and status
// pings) subscribers have acknowledged with a SendNotificationResult.
func (s *Server) PushDeliveries() int {
	sm := s.subs
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.deliveries
}

// WaitPushDeliveries blocks until subscribers have acknowledged at least n
// push notifications in total, or ctx is done.
func (s *Server) WaitPushDeliveries(ctx context.Context, n int) error {
	sm := s.subs
	for {
		sm.mu.Lock()
		got, ch := sm.deliveries, sm.delivered
		sm.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Wire structs. Requests match by local name (any prefix works);
// responses carry the m: and t: prefixes the envelope declares.

type ntfSubscribeRequest struct {
	Pull      *ntfSubscriptionSpec `xml:"PullSubscriptionRequest"`
	Push      *ntfSubscriptionSpec `xml:"PushSubscriptionRequest"`
	Streaming *ntfSubscriptionSpec `xml:"StreamingSubscriptionRequest"`
}

type ntfSubscriptionSpec struct {
	SubscribeToAllFolders string         `xml:"SubscribeToAllFolders,attr"`
	FolderIDs             []ntfFolderRef `xml:"FolderIds>FolderId"`
	DistinguishedFolders  []ntfFolderRef `xml:"FolderIds>DistinguishedFolderId"`
	EventTypes            []string       `xml:"EventTypes>EventType"`
	Watermark             *string        `xml:"Watermark"`
	Timeout               string         `xml:"Timeout"`
	StatusFrequency       string         `xml:"StatusFrequency"`
	URL                   string         `xml:"URL"`
}

type ntfFolderRef struct {
	ID      string `xml:"Id,attr"`
	Mailbox string `xml:"Mailbox>EmailAddress"`
}

type ntfGetEventsRequest struct {
	SubscriptionID string `xml:"SubscriptionId"`
	Watermark      string `xml:"Watermark"`
}

type ntfUnsubscribeRequest struct {
	SubscriptionID string `xml:"SubscriptionId"`
}

// ntfResponseMessage is m:ResponseMessageType.
type ntfResponseMessage struct {
	ResponseClass      string `xml:"ResponseClass,attr"`
	MessageText        string `xml:"m:MessageText,omitempty"`
	ResponseCode       string `xml:"m:ResponseCode"`
	DescriptiveLinkKey *int   `xml:"m:DescriptiveLinkKey,omitempty"`
}

func ntfSuccess() ntfResponseMessage {
	return ntfResponseMessage{ResponseClass: "Success", ResponseCode: "NoError"}
}

// ntfError is an error response message as Exchange writes it, with
// DescriptiveLinkKey 0.
func ntfError(code, text string) ntfResponseMessage {
	zero := 0
	if text == "" {
		text = ntfMessageTexts[code]
	}
	if text == "" {
		text = "The request failed: " + code + "."
	}
	return ntfResponseMessage{ResponseClass: "Error", MessageText: text, ResponseCode: code, DescriptiveLinkKey: &zero}
}

// ntfMessageTexts are the MessageText strings Exchange sends with these
// codes.
var ntfMessageTexts = map[string]string{
	"ErrorSubscriptionNotFound":                   "The specified subscription was not found.",
	"ErrorSubscriptionAccessDenied":               "Access is denied. Only the subscription owner may access the subscription.",
	"ErrorSubscriptionDelegateAccessNotSupported": "Subscriptions are not supported for delegate user access.",
	"ErrorInvalidWatermark":                       "The watermark is invalid.",
	"ErrorInvalidPullSubscriptionId":              "The subscription id isn't a valid pull subscription id.",
	"ErrorInvalidSubscription":                    "The subscription is invalid.",
	"ErrorInvalidSubscriptionRequest":             "The subscription request is invalid.",
	"ErrorInvalidPushSubscriptionUrl":             "The push subscription URL is invalid.",
	"ErrorFolderNotFound":                         "The specified folder could not be found in the store.",
	"ErrorExceededSubscriptionCount":              "You have exceeded the available subscriptions for your account. Remove unnecessary subscriptions and try your request again.",
}

type ntfSubscribeResponse struct {
	XMLName  xml.Name              `xml:"m:SubscribeResponse"`
	Messages []ntfSubscribeMessage `xml:"m:ResponseMessages>m:SubscribeResponseMessage"`
}

type ntfSubscribeMessage struct {
	ntfResponseMessage
	SubscriptionID string `xml:"m:SubscriptionId,omitempty"`
	Watermark      string `xml:"m:Watermark,omitempty"`
}

type ntfGetEventsResponse struct {
	XMLName  xml.Name              `xml:"m:GetEventsResponse"`
	Messages []ntfGetEventsMessage `xml:"m:ResponseMessages>m:GetEventsResponseMessage"`
}

type ntfGetEventsMessage struct {
	ntfResponseMessage
	Notification *ntfNotification `xml:"m:Notification,omitempty"`
}

type ntfUnsubscribeResponse struct {
	XMLName  xml.Name             `xml:"m:UnsubscribeResponse"`
	Messages []ntfResponseMessage `xml:"m:ResponseMessages>m:UnsubscribeResponseMessage"`
}

// ntfNotification is t:NotificationType.
type ntfNotification struct {
	SubscriptionID    string `xml:"t:SubscriptionId"`
	PreviousWatermark string `xml:"t:PreviousWatermark,omitempty"`
	MoreEvents        *bool  `xml:"t:MoreEvents,omitempty"`
	Events            []ntfEvent
}

// ntfEvent is one event element; XMLName carries its kind.
type ntfEvent struct {
	XMLName           xml.Name
	Watermark         string `xml:"t:Watermark,omitempty"`
	TimeStamp         string `xml:"t:TimeStamp,omitempty"`
	ItemID            *ntfID `xml:"t:ItemId,omitempty"`
	ParentFolderID    *ntfID `xml:"t:ParentFolderId,omitempty"`
	OldItemID         *ntfID `xml:"t:OldItemId,omitempty"`
	OldParentFolderID *ntfID `xml:"t:OldParentFolderId,omitempty"`
}

type ntfID struct {
	ID        string `xml:"Id,attr"`
	ChangeKey string `xml:"ChangeKey,attr,omitempty"`
}

// eventXML renders e. Streaming notifications carry no watermarks
// (streaming subscriptions cannot resume); pull and push ones do.
func (sm *subscriptions) eventXML(e *logEntry, withWatermark bool) ntfEvent {
	x := ntfEvent{
		XMLName:        xml.Name{Local: "t:" + e.kind},
		TimeStamp:      e.ev.Time.UTC().Format("2006-01-02T15:04:05Z"),
		ItemID:         &ntfID{ID: e.ev.ItemID, ChangeKey: e.ev.ChangeKey},
		ParentFolderID: &ntfID{ID: e.ev.FolderID},
	}
	if withWatermark {
		x.Watermark = sm.watermark(e.seq)
	}
	if e.kind == "MovedEvent" || e.kind == "CopiedEvent" {
		x.OldItemID = &ntfID{ID: firstNonEmpty(e.ev.OldItemID, e.ev.ItemID)}
		x.OldParentFolderID = &ntfID{ID: firstNonEmpty(e.ev.OldFolderID, e.ev.FolderID)}
	}
	return x
}

// statusEvent is the StatusEvent sent when there is nothing else to say.
func (sm *subscriptions) statusEvent(withWatermark bool) ntfEvent {
	x := ntfEvent{XMLName: xml.Name{Local: "t:StatusEvent"}}
	if withWatermark {
		x.Watermark = sm.watermark(sm.seq)
	}
	return x
}

// parseRange parses an xs:int restricted to lo..hi; Exchange rejects
// anything else in schema validation.
func parseRange(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, schemaFault("The request failed schema validation: The '" + name + "' element is invalid - The value '" + v + "' is invalid according to its datatype.")
	}
	return n, nil
}

func (s *Server) subscribe(_ context.Context, w http.ResponseWriter, req *request) (any, error) {
	var r ntfSubscribeRequest
	if err := req.decode(&r); err != nil {
		return nil, err
	}
	var spec *ntfSubscriptionSpec
	var kind subKind
	n := 0
	for _, c := range []struct {
		spec *ntfSubscriptionSpec
		kind subKind
	}{{r.Pull, pullSub}, {r.Push, pushSub}, {r.Streaming, streamingSub}} {
		if c.spec != nil {
			spec, kind = c.spec, c.kind
			n++
		}
	}
	if n != 1 {
		return nil, schemaFault("The request failed schema validation: Subscribe takes exactly one of PullSubscriptionRequest, PushSubscriptionRequest or StreamingSubscriptionRequest.")
	}
	answer := func(m ntfSubscribeMessage) (any, error) {
		resp := &ntfSubscribeResponse{Messages: []ntfSubscribeMessage{m}}
		return s.ntfAnswer(w, req, resp)
	}
	fail := func(code string) (any, error) {
		return answer(ntfSubscribeMessage{ntfResponseMessage: ntfError(code, "")})
	}

	// What Exchange's schema validation would reject.
	if len(spec.EventTypes) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'EventTypes' has incomplete content.")
	}
	types := map[string]bool{}
	for _, t := range spec.EventTypes {
		t = strings.TrimSpace(t)
		if !notificationEventTypes[t] {
			return nil, schemaFault("The request failed schema validation: The 'EventType' element is invalid - The value '" + t + "' is invalid according to its datatype.")
		}
		types[t] = true
	}
	var timeout, frequency int
	var err error
	switch kind {
	case pullSub:
		if timeout, err = parseRange("Timeout", spec.Timeout, 1, 1440); err != nil {
			return nil, err
		}
	case pushSub:
		if frequency, err = parseRange("StatusFrequency", spec.StatusFrequency, 1, 1440); err != nil {
			return nil, err
		}
	case streamingSub:
		if spec.Watermark != nil {
			return nil, schemaFault("The request failed schema validation: The element 'StreamingSubscriptionRequest' has invalid child element 'Watermark'.")
		}
	}
	all, _ := strconv.ParseBool(strings.TrimSpace(spec.SubscribeToAllFolders))

	if f := req.Fault; f != nil && f.ResponseCode != "" {
		return fail(f.ResponseCode)
	}
	if kind == pushSub {
		u, err := url.Parse(strings.TrimSpace(spec.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fail("ErrorInvalidPushSubscriptionUrl")
		}
	}
	if len(spec.FolderIDs)+len(spec.DistinguishedFolders) == 0 && !all {
		return fail("ErrorInvalidSubscriptionRequest")
	}

	// Folders resolve under Server.mu, and the subscription's starting
	// point is taken before Server.mu is released, so no change can fall
	// between the two.
	s.mu.Lock()
	acting := req.mailbox()
	self, _, _ := s.org.resolveFolder("msgfolderroot", "", "", acting)
	owner := ""
	folders := map[string]bool{}
	refs := make([]ntfFolderRef, 0, len(spec.FolderIDs)+len(spec.DistinguishedFolders))
	for _, f := range spec.FolderIDs {
		refs = append(refs, ntfFolderRef{ID: f.ID})
	}
	distinguished := len(refs)
	refs = append(refs, spec.DistinguishedFolders...)
	for i, f := range refs {
		var o, id string
		var ok bool
		if i < distinguished {
			o, id, ok = s.org.resolveFolder("", "", strings.TrimSpace(f.ID), acting)
		} else {
			o, id, ok = s.org.resolveFolder(strings.TrimSpace(f.ID), strings.TrimSpace(f.Mailbox), "", acting)
		}
		if !ok {
			s.mu.Unlock()
			return fail("ErrorFolderNotFound")
		}
		if owner != "" && o != owner {
			// One subscription watches one mailbox.
			s.mu.Unlock()
			return fail("ErrorInvalidSubscriptionRequest")
		}
		owner, folders[id] = o, true
	}
	if owner == "" {
		owner = self
	}
	if owner == "" || owner != self {
		// Exchange refuses subscriptions through delegate access; a
		// service account must impersonate the mailbox it watches.
		s.mu.Unlock()
		return fail("ErrorSubscriptionDelegateAccessNotSupported")
	}

	sm := s.subs
	sm.mu.Lock()
	sm.sweepLocked(sm.now())
	if sm.countLocked(owner) >= maxSubscriptionsPerMailbox {
		sm.mu.Unlock()
		s.mu.Unlock()
		return fail("ErrorExceededSubscriptionCount")
	}
	start := sm.seq
	if spec.Watermark != nil {
		seq, ok := sm.parseWatermarkLocked(*spec.Watermark)
		if !ok || (len(sm.log) > 0 && seq+1 < sm.log[0].seq) {
			sm.mu.Unlock()
			s.mu.Unlock()
			return fail("ErrorInvalidWatermark")
		}
		start = seq
	}
	now := sm.now()
	sub := &subscription{
		id: newSubscriptionID(), kind: kind, account: req.Account, mailbox: owner,
		allFolders: all, folders: folders, eventTypes: types, version: req.Version,
		ack: start, timeout: time.Duration(timeout) * time.Minute, lastUsed: now, detached: now,
		url: strings.TrimSpace(spec.URL), statusFrequency: frequency,
		done: make(chan struct{}),
	}
	if kind == pushSub {
		sub.wake = make(chan struct{}, 1)
	}
	for _, e := range sm.log {
		if e.seq > start && sub.matches(e) {
			sub.queue = append(sub.queue, e)
		}
	}
	sm.byID[sub.id] = sub
	msg := ntfSubscribeMessage{ntfResponseMessage: ntfSuccess(), SubscriptionID: sub.id}
	if kind != streamingSub {
		msg.Watermark = sm.watermark(start)
	}
	sm.mu.Unlock()
	s.mu.Unlock()

	if kind == pushSub {
		go sm.runPush(sub)
	}
	return answer(msg)
}

func (s *Server) getEvents(_ context.Context, w http.ResponseWriter, req *request) (any, error) {
	var r ntfGetEventsRequest
	if err := req.decode(&r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.SubscriptionID) == "" || strings.TrimSpace(r.Watermark) == "" {
		return nil, schemaFault("The request failed schema validation: GetEvents needs SubscriptionId and Watermark.")
	}
	msg := s.subs.pull(req, r.SubscriptionID, r.Watermark)
	return s.ntfAnswer(w, req, &ntfGetEventsResponse{Messages: []ntfGetEventsMessage{msg}})
}

// pull answers one GetEvents: the events after watermark, at most 50, or a
// StatusEvent. Events stay queued until a later GetEvents names a
// watermark past them, so a client that lost a response can ask again
// with the same watermark.
func (sm *subscriptions) pull(req *request, id, watermark string) ntfGetEventsMessage {
	fail := func(code string) ntfGetEventsMessage {
		return ntfGetEventsMessage{ntfResponseMessage: ntfError(code, "")}
	}
	if f := req.Fault; f != nil && f.ResponseCode != "" {
		return fail(f.ResponseCode)
	}
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sub := sm.lookupLocked(id)
	if sub != nil && req.Fault != nil && req.Fault.ExpireSubscriptions {
		sm.removeLocked(sub, true)
		sub = nil
	}
	switch {
	case sub == nil:
		return fail("ErrorSubscriptionNotFound")
	case sub.kind != pullSub:
		return fail("ErrorInvalidPullSubscriptionId")
	case sub.account != req.Account:
		return fail("ErrorSubscriptionAccessDenied")
	}
	seq, ok := sm.parseWatermarkLocked(watermark)
	if !ok || seq < sub.ack {
		return fail("ErrorInvalidWatermark")
	}
	sub.lastUsed = sm.now()
	n := 0
	for n < len(sub.queue) && sub.queue[n].seq <= seq {
		n++
	}
	sub.queue, sub.ack = sub.queue[n:], seq
	batch := sub.queue[:min(len(sub.queue), maxEventsPerNotification)]
	more := len(sub.queue) > len(batch)
	note := &ntfNotification{SubscriptionID: sub.id, PreviousWatermark: sm.watermark(seq), MoreEvents: &more}
	for _, e := range batch {
		note.Events = append(note.Events, sm.eventXML(e, true))
	}
	if len(batch) == 0 {
		note.Events = []ntfEvent{sm.statusEvent(true)}
	}
	return ntfGetEventsMessage{ntfResponseMessage: ntfSuccess(), Notification: note}
}

func (s *Server) unsubscribe(_ context.Context, w http.ResponseWriter, req *request) (any, error) {
	var r ntfUnsubscribeRequest
	if err := req.decode(&r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.SubscriptionID) == "" {
		return nil, schemaFault("The request failed schema validation: Unsubscribe needs a SubscriptionId.")
	}
	msg := ntfSuccess()
	sm := s.subs
	sm.mu.Lock()
	sub := sm.lookupLocked(r.SubscriptionID)
	switch {
	case req.Fault != nil && req.Fault.ResponseCode != "":
		msg = ntfError(req.Fault.ResponseCode, "")
	case sub == nil:
		msg = ntfError("ErrorSubscriptionNotFound", "")
	case sub.account != req.Account:
		msg = ntfError("ErrorSubscriptionAccessDenied", "")
	case sub.kind == pushSub:
		// A push subscriber ends its subscription by answering a
		// notification with SubscriptionStatus Unsubscribe.
		msg = ntfError("ErrorInvalidSubscription", "Push subscriptions are ended by answering a notification with SubscriptionStatus Unsubscribe.")
	default:
		sm.removeLocked(sub, false)
	}
	sm.mu.Unlock()
	return s.ntfAnswer(w, req, &ntfUnsubscribeResponse{Messages: []ntfResponseMessage{msg}})
}

// ntfAnswer returns resp for the server to write, unless an injected
// ResetMidStream fault asks for the connection to drop halfway through it.
func (s *Server) ntfAnswer(w http.ResponseWriter, req *request, resp any) (any, error) {
	if req.Fault == nil || !req.Fault.ResetMidStream {
		return resp, nil
	}
	b, err := marshalResponse(resp)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b[:len(b)/2])
	abortConnection(w)
	return nil, nil
}

// abortConnection drops the client connection without finishing the
// response, so the client sees an unexpected EOF.
func abortConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		conn.Close()
		return
	}
	// HTTP/2 or a wrapped writer: net/http aborts the stream for us.
	panic(http.ErrAbortHandler)
}
