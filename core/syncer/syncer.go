package syncer

import (
	"context"
	"errors"
	"log"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/store"
)

// Clock is the time the syncer runs on; tests inject a fake one so that
// back-off and polling never sleep for real.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the syncer uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer {
	return realTimer{time.NewTimer(d)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Defaults of Options.
const (
	DefaultMinBackOff        = time.Second
	DefaultMaxBackOff        = 5 * time.Minute
	DefaultDirectoryInterval = time.Hour
	// MaxServerBackOff caps a server's back-off hint, so a corrupt hint
	// cannot park a mailbox for days.
	MaxServerBackOff = 30 * time.Minute
)

// Options configure a Syncer. The zero value uses the defaults of
// core/config and of this package.
type Options struct {
	// Integration is recorded with each mailbox's sync state.
	Integration string
	Scope       config.Scope
	// Window is the range a full sync covers; zero means yesterday … +60
	// days.
	Window config.SyncWindow
	// PollInterval is the last-resort poll of each mailbox, counted from
	// its last sync, used while no notification channel works.
	PollInterval time.Duration
	// SafetyPollInterval replaces PollInterval while notifications work:
	// a slow poll that bounds how long a lost notification can go
	// unnoticed without spending Exchange's budget on idle rooms. Zero
	// means DefaultSafetyPollInterval.
	SafetyPollInterval time.Duration
	// Concurrency caps the mailboxes syncing at once through the source's
	// service account (each sync sends its requests one after another).
	Concurrency int
	// MinBackOff and MaxBackOff bound the doubling pause after failures.
	MinBackOff, MaxBackOff time.Duration
	// DirectoryInterval is how often rooms are rediscovered.
	DirectoryInterval time.Duration
	Clock             Clock
	// Logf receives diagnostics; nil means log.Printf.
	Logf func(format string, args ...any)
}

func (o *Options) defaults() {
	if o.Window == (config.SyncWindow{}) {
		o.Window = config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}
	}
	if o.PollInterval <= 0 {
		o.PollInterval = config.DefaultPollInterval
	}
	if o.SafetyPollInterval <= 0 {
		o.SafetyPollInterval = DefaultSafetyPollInterval
	}
	o.SafetyPollInterval = max(o.SafetyPollInterval, o.PollInterval)
	if o.Concurrency <= 0 {
		o.Concurrency = config.DefaultConcurrencyPerAccount
	}
	if o.MinBackOff <= 0 {
		o.MinBackOff = DefaultMinBackOff
	}
	if o.MaxBackOff < o.MinBackOff {
		o.MaxBackOff = max(DefaultMaxBackOff, o.MinBackOff)
	}
	if o.DirectoryInterval <= 0 {
		o.DirectoryInterval = DefaultDirectoryInterval
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
}

// Syncer keeps the store in step with one Source. Create it with New and
// start it with Run; the write-back methods may be called while it runs.
type Syncer struct {
	src  Source
	db   *store.DB
	bus  *bus.Bus
	opts Options
	// sem is the per-account concurrency limit: a buffered channel holding
	// one token per running call.
	sem chan struct{}

	mu    sync.Mutex
	loops map[string]*mailboxLoop // guarded by mu

	// watching is true while the source's Watch runs, i.e. while
	// notifications (streaming or pull) trigger syncs.
	watching atomic.Bool
}

// DefaultSafetyPollInterval is how often a mailbox is polled while
// notifications work.
const DefaultSafetyPollInterval = 30 * time.Minute

// pollInterval is the poll to arm now: slow while notifications work,
// PollInterval otherwise.
func (s *Syncer) pollInterval() time.Duration {
	if s.watching.Load() {
		return s.opts.SafetyPollInterval
	}
	return s.opts.PollInterval
}

type mailboxLoop struct {
	trigger chan struct{} // capacity 1: "sync soon"
	cancel  context.CancelFunc
	done    chan struct{}
}

// New returns a Syncer reading from src into db and publishing on b.
func New(src Source, db *store.DB, b *bus.Bus, opts Options) *Syncer {
	opts.defaults()
	return &Syncer{src: src, db: db, bus: b, opts: opts, sem: make(chan struct{}, opts.Concurrency),
		loops: map[string]*mailboxLoop{}}
}

// Run discovers the rooms in scope, syncs each of them in its own loop and
// watches for changes until ctx ends; it returns ctx's error. Rooms already
// in the store are synced at once, so a directory outage at start-up does
// not stop their schedules from being refreshed.
func (s *Syncer) Run(ctx context.Context) error {
	changed := make(chan string, 256)
	var watchCancel context.CancelFunc
	var watchDone chan struct{}
	var watched []string
	restartWatch := func() {
		names := s.mailboxes()
		// Keep a running watch over the same mailboxes; restart one that
		// ended (no notification channel worked) so notifications come back
		// once Exchange allows them again.
		if slices.Equal(names, watched) && watchDone != nil && s.watching.Load() {
			return
		}
		if watchCancel != nil {
			watchCancel()
			<-watchDone
		}
		watched = names
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		watchCancel, watchDone = cancel, done
		if len(names) == 0 {
			s.watching.Store(false)
			close(done)
			return
		}
		// Set before the goroutine runs, so that the next restartWatch
		// does not take a watch that is only starting for one that ended.
		s.watching.Store(true)
		go func() {
			defer close(done)
			err := s.src.Watch(wctx, names, changed)
			s.watching.Store(false)
			if wctx.Err() == nil {
				s.opts.Logf("syncer: notifications unavailable, polling every %v: %v", s.opts.PollInterval, err)
				// Their polls were armed for the slow interval and events
				// may have been lost: sync every watched mailbox now, and
				// from then on poll at PollInterval.
				for _, m := range names {
					s.Trigger(m)
				}
			}
		}()
	}
	defer func() {
		if watchCancel != nil {
			watchCancel()
			<-watchDone
		}
		s.stopAll()
	}()

	if rooms, err := s.db.Rooms(ctx); err == nil {
		for _, r := range rooms {
			s.start(ctx, r.ID)
		}
	}
	dirBackOff := time.Duration(0)
	dirTimer := s.opts.Clock.NewTimer(0)
	for {
		select {
		case <-ctx.Done():
			dirTimer.Stop()
			return ctx.Err()
		case m := <-changed:
			s.Trigger(m)
		case <-dirTimer.C():
			next := s.opts.DirectoryInterval
			if err := s.refreshDirectory(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				dirBackOff = s.nextBackOff(dirBackOff, err)
				next = dirBackOff
				s.opts.Logf("syncer: directory: %v (retry in %v)", err, next)
			} else {
				dirBackOff = 0
			}
			restartWatch()
			dirTimer = s.opts.Clock.NewTimer(next)
		}
	}
}

// sem1 runs fn holding one token of the concurrency limit.
func (s *Syncer) sem1(ctx context.Context, fn func() (Directory, error)) (Directory, error) {
	if err := s.acquire(ctx); err != nil {
		return Directory{}, err
	}
	defer s.release()
	return fn()
}

func (s *Syncer) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Syncer) release() { <-s.sem }

// mailboxes returns the mailboxes with a running loop, sorted.
func (s *Syncer) mailboxes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.loops))
	for m := range s.loops {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// start runs mailbox m's loop unless it runs already.
func (s *Syncer) start(ctx context.Context, m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.loops[m]; ok {
		return
	}
	lctx, cancel := context.WithCancel(ctx)
	l := &mailboxLoop{trigger: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	s.loops[m] = l
	go func() {
		defer close(l.done)
		s.serve(lctx, m, l.trigger)
	}()
}

func (s *Syncer) stop(m string) {
	s.mu.Lock()
	l := s.loops[m]
	delete(s.loops, m)
	s.mu.Unlock()
	if l != nil {
		l.cancel()
		<-l.done
	}
}

func (s *Syncer) stopAll() {
	for _, m := range s.mailboxes() {
		s.stop(m)
	}
}

// Trigger asks for a sync of mailbox m soon (at once unless it is backing
// off). Unknown mailboxes are ignored: notifications are only hints.
func (s *Syncer) Trigger(m string) {
	s.mu.Lock()
	l := s.loops[strings.ToLower(m)]
	s.mu.Unlock()
	if l == nil {
		return
	}
	select {
	case l.trigger <- struct{}{}:
	default: // a sync is pending already
	}
}

// serve is one mailbox's loop, shaped like syncthing's folder.Serve: it
// syncs when asked (first run, notification, poll, end of back-off), and
// while backing off it only remembers that a sync is wanted.
func (s *Syncer) serve(ctx context.Context, m string, trigger <-chan struct{}) {
	clk := s.opts.Clock
	need := true
	var backOff time.Duration
	var retry Timer
	poll := clk.NewTimer(s.pollInterval())
	defer func() {
		poll.Stop()
		if retry != nil {
			retry.Stop()
		}
	}()
	for {
		if need && retry == nil {
			need = false
			err := s.SyncMailbox(ctx, m)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				backOff = s.nextBackOff(backOff, err)
				retry = clk.NewTimer(backOff)
				s.opts.Logf("syncer: %s: %v (retry in %v)", m, err, backOff)
			} else {
				backOff = 0
			}
			poll.Stop()
			poll = clk.NewTimer(s.pollInterval())
		}
		var retryC <-chan time.Time
		if retry != nil {
			retryC = retry.C()
		}
		select {
		case <-ctx.Done():
			return
		case <-trigger:
			need = true
		case <-poll.C():
			need = true
			poll = clk.NewTimer(s.pollInterval())
		case <-retryC:
			retry = nil
			need = true
		}
	}
}

// nextBackOff doubles prev within [MinBackOff, MaxBackOff] and honours a
// longer pause the server asked for.
func (s *Syncer) nextBackOff(prev time.Duration, err error) time.Duration {
	d := min(max(prev*2, s.opts.MinBackOff), s.opts.MaxBackOff)
	var be *BackOffError
	if errors.As(err, &be) && be.Delay > d {
		d = min(be.Delay, MaxServerBackOff)
	}
	return d
}

// window returns the range a full sync covers now.
func (s *Syncer) window() store.Window {
	start, end := s.opts.Window.Range(s.opts.Clock.Now())
	return store.Window{Start: start, End: end}
}

// SyncMailbox syncs one mailbox now: incrementally from its stored token,
// or fully over the window when it has none, when the window has moved on
// (a new day) or when the source rejects the token. On failure the cache
// keeps its data, the error is recorded and the mailbox's health is
// published. Run calls it from the mailbox's loop; tools call it for a
// one-shot sync.
func (s *Syncer) SyncMailbox(ctx context.Context, m string) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	now := s.opts.Clock.Now()
	st, err := s.db.SyncState(ctx, m)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	changed, err := s.syncMailbox(ctx, m, st, now)
	if changed {
		bus.Publish(s.bus, RoomChanged{RoomID: m})
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		if rerr := s.db.RecordSyncError(ctx, m, now, err.Error()); rerr != nil {
			s.opts.Logf("syncer: %s: %v", m, rerr)
		}
		h := MailboxHealth{Mailbox: m, LastSuccess: st.LastSuccess, LastError: err.Error(), LastErrorAt: now, BackingOff: true}
		if !st.LastSuccess.IsZero() {
			h.Staleness = now.Sub(st.LastSuccess)
		}
		bus.Publish(s.bus, h)
		return err
	}
	bus.Publish(s.bus, MailboxHealth{Mailbox: m, LastSuccess: now, LastError: st.LastError, LastErrorAt: st.LastErrorAt})
	return nil
}

func (s *Syncer) syncMailbox(ctx context.Context, m string, st store.SyncState, now time.Time) (changed bool, err error) {
	w := s.window()
	next := store.SyncState{Mailbox: m, Integration: s.opts.Integration, LastSuccess: now,
		LastError: st.LastError, LastErrorAt: st.LastErrorAt}
	full := st.State == "" || st.WindowStart.IsZero() || st.WindowEnd.Before(w.End)
	if !full {
		cached := store.Window{Start: st.WindowStart, End: st.WindowEnd}
		token := st.State
		for {
			d, err := s.src.Changes(ctx, m, token, cached)
			if errors.Is(err, ErrInvalidSyncState) {
				s.opts.Logf("syncer: %s: %v; full resync", m, err)
				full = true
				break
			}
			if err != nil {
				return changed, err
			}
			next.State = d.Token
			if d.Replace != nil {
				err = s.db.ReplaceBookings(ctx, m, cached, d.Replace, next)
				changed = true
			} else {
				if len(d.Changes) > 0 {
					changed = true
				}
				next.WindowStart, next.WindowEnd = cached.Start, cached.End
				err = s.db.ApplyBookingChanges(ctx, m, d.Changes, next)
			}
			if err != nil {
				return changed, err
			}
			token = d.Token
			if !d.More {
				return changed, nil
			}
		}
	}
	snap, err := s.src.FullSync(ctx, m, w)
	if err != nil {
		return changed, err
	}
	next.State = snap.Token
	if err := s.db.ReplaceBookings(ctx, m, w, snap.Bookings, next); err != nil {
		return changed, err
	}
	return true, nil
}
