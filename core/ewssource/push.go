package ewssource

// Push notifications: Exchange POSTs SendNotification requests to a URL
// the hub serves (Options.PushURL, reached by Exchange, mounted by
// core/server at hubproto.PathEWSPush with [Source.PushHandler]). They are
// the fallback for sites whose Exchange cannot stream to the hub but can
// reach it, and like every notification they only trigger a sync.

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/roomboard/roomboard/ews"
)

// defaultPushStatusFrequency is how often Exchange pings an idle push
// subscription when Options.PushStatusFrequency is zero. One minute is
// Exchange's shortest, and lets a lost subscription be noticed within
// three.
const defaultPushStatusFrequency = time.Minute

// pushMissedPings is how many status pings may go missing before a push
// subscription counts as lost and is made again.
const pushMissedPings = 3

// pushRegistry holds the live push subscriptions of all running Watch
// calls of a Source, for the handler to look up. Its zero value is ready.
type pushRegistry struct {
	mu   sync.Mutex
	subs map[string]*pushSub // subscription ID → subscription; guarded by mu
	// begun and ended count Subscribe calls; guarded by mu. Exchange
	// pings a new subscription at once, possibly before Subscribe has
	// returned its ID to us, so the handler waits for the calls in flight
	// when a notification arrives before it calls an ID unknown.
	begun, ended uint64
	// settled is closed and replaced whenever a pending Subscribe ends;
	// guarded by mu.
	settled chan struct{}

	// minute is how long Exchange's minute lasts for the watchdog; zero
	// means time.Minute. Tests shorten it along with the simulator's
	// NotificationMinute.
	minute time.Duration
}

// pushSub is one push subscription of a Watch call.
type pushSub struct {
	mailbox string
	changed chan<- string
	watch   context.Context // the Watch call's context
	seen    time.Time       // last notification of any kind; guarded by pushRegistry.mu
}

// begin records a Subscribe call in flight; end records its outcome: the
// new subscription, or nil when it failed.
func (r *pushRegistry) begin() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begun++
}

func (r *pushRegistry) end(id string, p *pushSub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended++
	if p != nil {
		if r.subs == nil {
			r.subs = map[string]*pushSub{}
		}
		r.subs[id] = p
	}
	if r.settled != nil {
		close(r.settled)
		r.settled = nil
	}
}

// lookup returns id's subscription (recording a notification for it),
// waiting while Subscribe calls are in flight that may yet return it. It
// returns nil for an ID that is not ours, or when ctx ends first.
func (r *pushRegistry) lookup(ctx context.Context, id string) *pushSub {
	r.mu.Lock()
	inFlight := r.begun
	r.mu.Unlock()
	for {
		r.mu.Lock()
		if p := r.subs[id]; p != nil {
			p.seen = time.Now()
			r.mu.Unlock()
			return p
		}
		if r.ended >= inFlight {
			r.mu.Unlock()
			return nil
		}
		if r.settled == nil {
			r.settled = make(chan struct{})
		}
		wait := r.settled
		r.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil
		}
	}
}

func (r *pushRegistry) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs, id)
}

func (r *pushRegistry) lastSeen(id string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.subs[id]; p != nil {
		return p.seen
	}
	return time.Time{}
}

// PushHandler returns the handler for Exchange's push notifications, to
// be served at Options.PushURL (core/server mounts it at
// hubproto.PathEWSPush). It accepts only POSTs of XML bodies up to
// ews.MaxPushNotificationBytes. A notification for a subscription of a
// running Watch is acknowledged with SubscriptionStatus OK and, unless it
// is only a status ping, reports that subscription's mailbox as changed;
// a notification for any other subscription (an earlier run, a stopped
// Watch, a forged ID) is answered with Unsubscribe, which makes Exchange
// drop it. A body that is not a SendNotification gets 400.
//
// Anyone who can reach the URL can call it, so it trusts nothing it is
// sent: the worst a forged request can do is trigger an incremental sync
// of a mailbox whose (unguessable) subscription ID it knows.
//
// The handler is safe for concurrent use and may be served before, while
// and after Watch runs.
func (s *Source) PushHandler() http.Handler {
	return http.HandlerFunc(s.servePush)
}

func (s *Source) servePush(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a SendNotification request", http.StatusMethodNotAllowed)
		return
	}
	if !isXML(r.Header.Get("Content-Type")) {
		http.Error(w, "want a SOAP (text/xml) body", http.StatusBadRequest)
		return
	}
	body := http.MaxBytesReader(w, r.Body, ews.MaxPushNotificationBytes)
	n, err := ews.ParsePushNotification(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || errors.Is(err, ews.ErrTooLarge) {
			http.Error(w, "notification too large", http.StatusRequestEntityTooLarge)
			return
		}
		s.opts.Logf("ewssource: push notification from %s: %v", r.RemoteAddr, err)
		http.Error(w, "not a SendNotification request", http.StatusBadRequest)
		return
	}
	p := s.push.lookup(r.Context(), n.SubscriptionID)
	if p == nil || p.watch.Err() != nil {
		writePushResult(w, true)
		return
	}
	for _, e := range n.Events {
		if e.Kind != "StatusEvent" {
			// Exchange waits for the answer and retries a notification
			// it gets none for, so wait for the syncer to take the
			// mailbox, but not longer than the request or Watch lives.
			select {
			case p.changed <- p.mailbox:
			case <-p.watch.Done():
			case <-r.Context().Done():
			}
			break
		}
	}
	writePushResult(w, false)
}

func writePushResult(w http.ResponseWriter, unsubscribe bool) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(ews.PushNotificationResult(unsubscribe))
}

// isXML reports whether a Content-Type is one a SOAP request may have:
// text/xml for SOAP 1.1, which Exchange uses, application/soap+xml for
// SOAP 1.2 and plain application/xml.
func isXML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "text/xml", "application/xml", "application/soap+xml":
		return true
	}
	return false
}

// watchPush watches mailboxes with push subscriptions to Options.PushURL.
// A subscription that has not been heard of (not even a status ping) for
// pushMissedPings status periods is made again, and its mailbox reported
// as changed, since its events may be lost; Exchange drops the old one
// when the handler answers Unsubscribe to it. When subscribing keeps
// failing, watchPush returns and the syncer polls.
func (s *Source) watchPush(ctx context.Context, mailboxes []string, changed chan<- string) error {
	freq := s.opts.PushStatusFrequency
	if freq <= 0 {
		freq = defaultPushStatusFrequency
	}
	minute := s.push.minute
	if minute <= 0 {
		minute = time.Minute
	}
	// period is one status period in real time.
	period := time.Duration(int64(freq/time.Minute)) * minute
	if period <= 0 {
		period = minute
	}

	ids := map[string]string{} // mailbox → subscription ID
	defer func() {
		for _, id := range ids {
			s.push.remove(id)
		}
	}()
	failures := 0
	var lastErr error
	for {
		var fresh []string
		for _, m := range mailboxes {
			if id, ok := ids[m]; ok {
				if time.Since(s.push.lastSeen(id)) < pushMissedPings*period {
					continue
				}
				s.opts.Logf("ewssource: push subscription of %s missed %d status pings, subscribing again", m, pushMissedPings)
				s.push.remove(id)
				delete(ids, m)
			}
			c, folder := s.calendar(m)
			s.push.begin()
			sub, err := c.Subscribe(ctx, &ews.SubscribeRequest{
				Kind: ews.Push, Folders: []ews.FolderID{folder},
				URL: s.opts.PushURL, StatusFrequency: freq,
			})
			if err != nil {
				s.push.end("", nil)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failures++
				lastErr = err
				continue
			}
			failures = 0
			s.push.end(sub.ID, &pushSub{mailbox: m, changed: changed, watch: ctx, seen: time.Now()})
			ids[m] = sub.ID
			fresh = append(fresh, m)
		}
		// A new subscription sees events from now on only.
		notify(ctx, changed, fresh...)
		if failures >= streamFailures {
			return fmt.Errorf("push subscriptions fail: %w", lastErr)
		}
		if !sleep(ctx, period) {
			return ctx.Err()
		}
	}
}
