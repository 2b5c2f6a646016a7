package ewssource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/roomboard/roomboard/ews"
)

// streamFailures is how many streaming connections in a row may fail
// without delivering anything before a group falls back to pull.
const streamFailures = 5

// Watch implements syncer.Source. Mailboxes are watched in groups of at
// most Options.GroupSize streaming subscriptions per connection; each
// connection is re-opened after Options.StreamTimeout (before Exchange's
// 30-minute limit). Expired subscriptions are created again, and every
// mailbox whose events may have been lost (a broken connection, a lost
// subscription) is reported as changed, since its next sync is cheap and
// a missed change is not. A group whose streaming keeps failing falls back
// to pull subscriptions; when those fail too, Watch returns and the syncer
// polls.
func (s *Source) Watch(ctx context.Context, mailboxes []string, changed chan<- string) error {
	if s.opts.PushURL != "" {
		return s.watchPush(ctx, mailboxes, changed)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(mailboxes)/s.opts.GroupSize+1)
	for lo := 0; lo < len(mailboxes); lo += s.opts.GroupSize {
		group := mailboxes[lo:min(lo+s.opts.GroupSize, len(mailboxes))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.watchGroup(ctx, group, changed)
		}()
	}
	var first error
	for range (len(mailboxes) + s.opts.GroupSize - 1) / s.opts.GroupSize {
		err := <-errs
		if first == nil && ctx.Err() == nil {
			first = err
			cancel()
		}
	}
	wg.Wait()
	if first == nil {
		return ctx.Err()
	}
	return first
}

func notify(ctx context.Context, changed chan<- string, ms ...string) {
	for _, m := range ms {
		select {
		case changed <- m:
		case <-ctx.Done():
			return
		}
	}
}

// watchGroup streams one group, falling back to pull.
func (s *Source) watchGroup(ctx context.Context, group []string, changed chan<- string) error {
	g := &streamGroup{s: s, subs: map[string]string{}, byMailbox: map[string]string{}}
	failures := 0
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		delivered, err := g.run(ctx, group, changed)
		if ctx.Err() != nil {
			break
		}
		if err == nil || delivered {
			failures, pause = 0, 100*time.Millisecond
			continue
		}
		s.opts.Logf("ewssource: streaming: %v", err)
		// Only failures that patience cannot fix (streaming refused or
		// unsupported) count towards falling back to pull.
		if _, hinted := ews.BackOff(err); !hinted && !ews.IsTransient(err) {
			failures++
		}
		if failures >= streamFailures {
			s.opts.Logf("ewssource: streaming keeps failing for %d mailboxes, falling back to pull", len(group))
			return s.pull(ctx, group, changed)
		}
		if d, ok := ews.BackOff(err); ok {
			pause = max(pause, min(d, time.Minute))
		}
		if !sleep(ctx, pause) {
			break
		}
		pause = min(pause*2, 5*time.Second)
	}
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// streamGroup holds the streaming subscriptions of one group across
// connections.
type streamGroup struct {
	s         *Source
	subs      map[string]string // subscription ID -> mailbox
	byMailbox map[string]string // mailbox -> subscription ID
}

func (g *streamGroup) drop(id string) {
	if m, ok := g.subs[id]; ok {
		delete(g.subs, id)
		delete(g.byMailbox, m)
	}
}

// subscribe creates the missing subscriptions; it reports the mailboxes
// that got a new one (their events in between may be lost).
func (g *streamGroup) subscribe(ctx context.Context, group []string, kind ews.SubscriptionKind) ([]string, error) {
	var fresh []string
	for _, m := range group {
		if _, ok := g.byMailbox[m]; ok {
			continue
		}
		c, folder := g.s.calendar(m)
		req := &ews.SubscribeRequest{Kind: kind, Folders: []ews.FolderID{folder}}
		if kind == ews.Pull {
			req.Timeout = 10 * time.Minute
		}
		sub, err := c.Subscribe(ctx, req)
		if err != nil {
			return fresh, fmt.Errorf("subscribe %s: %w", m, err)
		}
		g.subs[sub.ID] = m
		g.byMailbox[m] = sub.ID
		fresh = append(fresh, m)
	}
	return fresh, nil
}

// run opens one streaming connection and reads it until it ends. delivered
// reports whether the connection worked at all (one envelope read).
func (g *streamGroup) run(ctx context.Context, group []string, changed chan<- string) (delivered bool, err error) {
	fresh, err := g.subscribe(ctx, group, ews.Streaming)
	// A new subscription sees events from now on only: whatever changed
	// before it (after the mailbox's last sync, or while an expired one
	// was replaced) needs one sync.
	notify(ctx, changed, fresh...)
	if err != nil {
		return false, err
	}
	ids := make([]string, 0, len(g.subs))
	for id := range g.subs {
		ids = append(ids, id)
	}
	c := g.s.c
	if g.s.opts.Impersonation && len(group) > 0 {
		// Exchange routes a grouped connection through one mailbox's
		// server: impersonate (and anchor on) the group's first.
		c = c.Impersonating(group[0])
	}
	sctx, cancel := context.WithTimeout(ctx, g.s.opts.StreamTimeout+time.Minute)
	defer cancel()
	stream, err := c.GetStreamingEvents(sctx, ids, g.s.opts.StreamTimeout)
	if err != nil {
		return false, err
	}
	defer stream.Close()
	for {
		r, err := stream.Next(sctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return true, nil // closed after its timeout: open the next
			}
			if ctx.Err() == nil && sctx.Err() != nil {
				return true, nil // our own deadline
			}
			// Events written to a broken connection are lost, even
			// when it broke inside its first envelope.
			notify(ctx, changed, group...)
			return delivered, err
		}
		delivered = true
		for _, e := range r.Errors {
			lost := e.SubscriptionIDs
			if len(lost) == 0 {
				lost = ids
			}
			var ms []string
			for _, id := range lost {
				if m, ok := g.subs[id]; ok {
					ms = append(ms, m)
				}
				g.drop(id)
			}
			notify(ctx, changed, ms...)
		}
		for _, n := range r.Notifications {
			m, ok := g.subs[n.SubscriptionID]
			if !ok {
				continue
			}
			for _, e := range n.Events {
				if e.Kind != "StatusEvent" {
					notify(ctx, changed, m)
					break
				}
			}
		}
		if len(r.Errors) > 0 && len(g.subs) < len(group) {
			// Re-subscribe the lost ones on a new connection.
			return true, nil
		}
	}
}

// pull watches a group with pull subscriptions, read every PullInterval.
func (s *Source) pull(ctx context.Context, group []string, changed chan<- string) error {
	type pullSub struct{ id, watermark string }
	subs := map[string]*pullSub{}
	failures := 0
	for ctx.Err() == nil {
		for _, m := range group {
			if subs[m] != nil {
				continue
			}
			c, folder := s.calendar(m)
			sub, err := c.Subscribe(ctx, &ews.SubscribeRequest{Kind: ews.Pull, Folders: []ews.FolderID{folder}, Timeout: 10 * time.Minute})
			if err != nil {
				failures++
				if failures >= streamFailures {
					return fmt.Errorf("pull subscriptions fail: %w", err)
				}
				continue
			}
			subs[m] = &pullSub{id: sub.ID, watermark: sub.Watermark}
			notify(ctx, changed, m)
		}
		for _, m := range group {
			p := subs[m]
			if p == nil {
				continue
			}
			c, _ := s.calendar(m)
			for {
				n, err := c.GetEvents(ctx, p.id, p.watermark)
				if err != nil {
					delete(subs, m)
					failures++
					break
				}
				failures = 0
				hit := false
				for _, e := range n.Events {
					if e.Watermark != "" {
						p.watermark = e.Watermark
					}
					if e.Kind != "StatusEvent" {
						hit = true
					}
				}
				if hit {
					notify(ctx, changed, m)
				}
				if !n.MoreEvents {
					break
				}
			}
		}
		if failures >= streamFailures*len(group) {
			return errors.New("pull notifications keep failing")
		}
		if !sleep(ctx, s.opts.PullInterval) {
			break
		}
	}
	return ctx.Err()
}
