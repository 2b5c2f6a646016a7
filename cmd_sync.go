package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/platform/keyring"
	"github.com/roomboard/roomboard/platform/paths"
)

// `roomboard sync` runs the hub's sync engine (core/syncer over
// core/ewssource) headless: once, to fill or refresh the cache for export
// and scripts, or with -watch until Ctrl-C. It uses exactly the code the
// hub uses, so a sync that works here works in the hub.

const syncExamples = `  roomboard sync                      # sync every enabled integration once
  roomboard sync -id hq -quiet        # from cron: only the summary
  roomboard sync -watch               # keep the cache current and print each change
  roomboard sync -db /var/lib/roomboard/roomboard.db -config /etc/roomboard/roomboard.json`

func runSync(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sync",
		"Sync the rooms and bookings of the enabled integrations' scope from Exchange into the local\n"+
			"cache, as the hub does, and print a summary. The service account's secret comes from the OS\n"+
			"keyring (store it with 'roomboard config integration add'). A mailbox that fails keeps its last\n"+
			"good data in the cache. Exits 1 when any mailbox failed.",
		syncExamples)
	cfgPath := configFlag(fs)
	dbPath := fs.String("db", "", "the cache `file` (default: roomboard.db in the data directory; "+paths.EnvHome+" moves it)")
	id := fs.String("id", "", "sync only the integration with this `ID`")
	watch := fs.Bool("watch", false, "keep running after the first sync: follow Exchange's notifications and print each change until Ctrl-C")
	quiet := fs.Bool("quiet", false, "print no progress, only the summary and errors")
	timeout := fs.Duration("timeout", 10*time.Minute, "count mailboxes not synced within this `duration` as failed (first sync only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	c, exists, err := loadConfig(path)
	if err != nil {
		return err
	}
	in, err := pickIntegration(c, path, exists, *id)
	if err != nil {
		return err
	}
	client, err := ewsClientFor(ctx, in)
	if err != nil {
		return err
	}
	requests := countRequests(client)

	if *dbPath == "" {
		d, err := paths.Default()
		if err != nil {
			return err
		}
		*dbPath = d.Database()
	}
	if err := os.MkdirAll(filepath.Dir(*dbPath), 0o700); err != nil {
		return fmt.Errorf("create the data directory: %w", err)
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return cacheError(*dbPath, err)
	}
	defer db.Close()

	stdout, stderr := &lockedWriter{w: e.stdout}, &lockedWriter{w: e.stderr}
	logf := func(string, ...any) {}
	if *watch {
		logf = func(format string, args ...any) {
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
		}
	}
	src := ewssource.New(client, ewssource.Options{Impersonation: in.EWS.Impersonation, Delegate: in.EWS.DelegateAddress, Logf: logf})
	opts := syncer.Options{Integration: in.ID, Scope: in.Scope, Window: c.Hub.SyncWindow,
		PollInterval: c.Hub.PollInterval.Duration, Concurrency: c.Hub.ConcurrencyPerAccount, Logf: logf}
	explain := func(err error) string { return explainSyncError(in.EWS, err) }

	fmt.Fprintf(stdout, "Syncing %q (%s) into %s ...\n", in.ID, endpoint(in), *dbPath)
	var prog *progress
	if !*quiet {
		prog = newProgress(stderr, isTerminalWriter(e.stderr))
	}
	ictx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	sess, res := startSync(ctx, ictx, src, db, opts, prog.update)
	prog.finish()
	res.Requests = requests.Load()
	if ctx.Err() != nil {
		if sess != nil {
			sess.stop()
		}
		return ctx.Err()
	}
	printSyncSummary(stdout, res, explain)
	if !*watch {
		if sess != nil {
			sess.stop()
		}
		return res.err(explain)
	}
	if sess == nil {
		return res.err(explain)
	}
	defer sess.stop()
	fmt.Fprintln(stdout, "\nWatching for changes; press Ctrl-C to stop.")
	return sess.watch(ctx, stdout, explain)
}

// pickIntegration chooses the integration to sync. The cache keeps one
// integration's rooms for now (the syncer treats every cached room as its
// own), so several enabled integrations need -id.
func pickIntegration(c *config.Config, path string, exists bool, id string) (*config.Integration, error) {
	if id != "" {
		_, in, err := loadIntegration(path, id)
		if err != nil {
			return nil, err
		}
		if in.Disabled {
			return nil, fmt.Errorf("integration %q is disabled in %s", id, path)
		}
		return in, nil
	}
	var enabled []*config.Integration
	for i := range c.Integrations {
		if !c.Integrations[i].Disabled {
			enabled = append(enabled, &c.Integrations[i])
		}
	}
	switch {
	case len(enabled) == 0 && !exists:
		return nil, fmt.Errorf("nothing to sync: there is no configuration file at %s yet; add an integration with 'roomboard config integration add'", path)
	case len(enabled) == 0:
		return nil, fmt.Errorf("nothing to sync: %s has no enabled integration", path)
	case len(enabled) > 1:
		var ids []string
		for _, in := range enabled {
			ids = append(ids, in.ID)
		}
		return nil, usageError{fmt.Sprintf("several integrations are enabled (%s); the cache holds one of them for now, choose it with -id",
			strings.Join(ids, ", "))}
	}
	return enabled[0], nil
}

// ewsClientFor builds the EWS client of integration in with its secret
// from the OS keyring, the way 'config integration test' connects.
func ewsClientFor(ctx context.Context, in *config.Integration) (*ews.Client, error) {
	password, err := ewsPassword(ctx, in, "syncing")
	if err != nil {
		return nil, err
	}
	return newEWSClient(in.EWS, password)
}

// ewsPassword checks that in is an EWS integration this build can reach
// and reads its service-account password from the OS keyring. what names
// the action ("syncing", "testing") in the error.
func ewsPassword(ctx context.Context, in *config.Integration, what string) (string, error) {
	if in.Kind != config.KindEWS || in.EWS == nil {
		return "", fmt.Errorf("%s %s integrations is not available yet; it arrives with the Microsoft Graph source", what, in.Kind)
	}
	if in.EWS.ServerURL == "" {
		return "", fmt.Errorf("integration %q finds its server through Autodiscover, which %s does not do yet; set -url with 'roomboard config integration add -replace'", in.ID, what)
	}
	password, err := keyring.New().Get(ctx, config.SecretKey(in.ID, config.SecretPassword))
	switch {
	case config.IsSecretNotFound(err):
		return "", fmt.Errorf("the service account password of %q is not in the OS keyring; store it with 'roomboard config integration add -replace -id %s ...'", in.ID, in.ID)
	case err != nil:
		return "", err
	}
	return password, nil
}

// countRequests makes c count the HTTP requests it sends to Exchange.
func countRequests(c *ews.Client) *atomic.Int64 {
	n := new(atomic.Int64)
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	hc := *c.HTTPClient
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = countingTransport{next: next, n: n}
	c.HTTPClient = &hc
	return n
}

type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

// explainSyncError says what a failure means and what to do, with the
// error itself for the log.
func explainSyncError(x *config.EWS, err error) string {
	if x == nil {
		x = &config.EWS{}
	}
	msg := explainEWSError(x, err)
	if msg == "The connection test failed" {
		return err.Error()
	}
	return msg + "\n    (" + err.Error() + ")"
}

// recordingSource keeps the last error of each mailbox's sync as a value:
// the bus carries only its text, and the explanation needs the error
// chain (HTTP 401, access denied, ...).
type recordingSource struct {
	syncer.Source
	mu   sync.Mutex
	errs map[string]error
}

func (s *recordingSource) note(m string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.errs, m)
	} else {
		s.errs[m] = err
	}
}

func (s *recordingSource) lastErr(m string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errs[m]
}

// FullSync implements syncer.Source.
func (s *recordingSource) FullSync(ctx context.Context, m string, w store.Window) (syncer.Snapshot, error) {
	snap, err := s.Source.FullSync(ctx, m, w)
	s.note(m, err)
	return snap, err
}

// Changes implements syncer.Source.
func (s *recordingSource) Changes(ctx context.Context, m, token string, w store.Window) (syncer.Delta, error) {
	d, err := s.Source.Changes(ctx, m, token, w)
	if !errors.Is(err, syncer.ErrInvalidSyncState) {
		s.note(m, err)
	}
	return d, err
}

// mailboxFailure is a mailbox whose first sync failed.
type mailboxFailure struct {
	Mailbox string
	Err     error
}

// syncResult is what the first sync of a session did.
type syncResult struct {
	// DirErr is set when the rooms could not be listed; nothing was
	// synced then.
	DirErr   error
	Rooms    int
	Bookings int
	OK       int
	Failed   []mailboxFailure
	Duration time.Duration
	// Requests is the number of HTTP requests sent to Exchange.
	Requests int64
}

// err is the command's error for r, or nil when everything synced.
func (r syncResult) err(explain func(error) string) error {
	switch {
	case r.DirErr != nil:
		return fmt.Errorf("could not list the rooms: %s\nNothing was synced; the cache keeps its last good data", explain(r.DirErr))
	case len(r.Failed) > 0:
		return fmt.Errorf("%d of %d mailboxes failed to sync (see above); the cache keeps their last good data", len(r.Failed), len(r.Failed)+r.OK)
	}
	return nil
}

// syncSession is a running syncer whose first sync has finished.
type syncSession struct {
	db      *store.DB
	syncer  *syncer.Syncer
	src     *recordingSource
	bus     *bus.Bus
	changes *bus.Subscription[syncer.RoomChanged]
	health  *bus.Subscription[syncer.MailboxHealth]
	window  func() store.Window
	cancel  context.CancelFunc
	done    chan error
}

// startSync starts a syncer over src and db and waits (at most until
// firstCtx ends) until every mailbox in scope has been synced once,
// reporting progress as it goes. The syncer keeps running under ctx until
// stop. The session is nil when the rooms could not be listed.
func startSync(ctx, firstCtx context.Context, src syncer.Source, db *store.DB, opts syncer.Options,
	progress func(done, total, bookings int)) (*syncSession, syncResult) {
	began := time.Now()
	var res syncResult
	rec := &recordingSource{Source: src, errs: map[string]error{}}
	// Listing the rooms first tells how many mailboxes there are (the
	// progress bar's total) and stops a sync that cannot even log on
	// before it touches the cache. The syncer lists them again itself.
	dir, err := src.Directory(firstCtx, opts.Scope)
	if err != nil {
		res.DirErr = err
		res.Rooms, res.Bookings = cacheCounts(ctx, db, windowOf(opts))
		res.Duration = time.Since(began)
		return nil, res
	}
	pending := map[string]bool{}
	for _, r := range dir.Rooms {
		pending[strings.ToLower(r.ID)] = true
	}
	total := len(pending)

	b := bus.New()
	sess := &syncSession{db: db, src: rec, bus: b,
		changes: bus.Subscribe[syncer.RoomChanged](b, bus.WithBuffer(1024)),
		health:  bus.Subscribe[syncer.MailboxHealth](b, bus.WithBuffer(total+64)),
		window:  func() store.Window { return windowOf(opts) },
		done:    make(chan error, 1)}
	rctx, cancel := context.WithCancel(ctx)
	sess.cancel = cancel
	s := syncer.New(rec, db, b, opts)
	sess.syncer = s
	go func() { sess.done <- s.Run(rctx) }()

	w := sess.window()
	if progress != nil {
		progress(0, total, 0)
	}
wait:
	for len(pending) > 0 {
		select {
		case <-firstCtx.Done():
			break wait
		case h := <-sess.health.Events():
			if !pending[h.Mailbox] {
				continue
			}
			delete(pending, h.Mailbox)
			if h.BackingOff {
				err := rec.lastErr(h.Mailbox)
				if err == nil {
					err = errors.New(h.LastError)
				}
				res.Failed = append(res.Failed, mailboxFailure{h.Mailbox, err})
			} else {
				res.OK++
				if bs, err := db.BookingsBetween(ctx, h.Mailbox, w.Start, w.End); err == nil {
					res.Bookings += len(bs)
				}
			}
			if progress != nil {
				progress(total-len(pending), total, res.Bookings)
			}
		}
	}
	for m := range pending {
		res.Failed = append(res.Failed, mailboxFailure{m, fmt.Errorf("not synced within the time limit (%w)", firstCtx.Err())})
	}
	slices.SortFunc(res.Failed, func(a, b mailboxFailure) int { return strings.Compare(a.Mailbox, b.Mailbox) })
	res.Rooms, res.Bookings = cacheCounts(ctx, db, w)
	res.Duration = time.Since(began)
	return sess, res
}

// windowOf is the range the syncer covers now under opts.
func windowOf(opts syncer.Options) store.Window {
	win := opts.Window
	if win == (config.SyncWindow{}) {
		win = config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}
	}
	start, end := win.Range(time.Now())
	return store.Window{Start: start, End: end}
}

// cacheCounts counts the cached rooms and their bookings in w.
func cacheCounts(ctx context.Context, db *store.DB, w store.Window) (rooms, bookings int) {
	rs, err := db.Rooms(ctx)
	if err != nil {
		return 0, 0
	}
	for _, r := range rs {
		bs, err := db.BookingsBetween(ctx, r.ID, w.Start, w.End)
		if err == nil {
			bookings += len(bs)
		}
	}
	return len(rs), bookings
}

// stop ends the syncer and waits for it.
func (s *syncSession) stop() {
	s.cancel()
	<-s.done
	s.changes.Close()
	s.health.Close()
	s.bus.Close()
}

func printSyncSummary(w io.Writer, r syncResult, explain func(error) string) {
	var t table
	t.add("Rooms in the cache:", fmt.Sprint(r.Rooms))
	t.add("Bookings in the cache:", fmt.Sprint(r.Bookings))
	if r.DirErr != nil {
		t.add("Mailboxes:", "none synced: the rooms could not be listed")
	} else {
		t.add("Mailboxes:", fmt.Sprintf("%d ok, %d failed", r.OK, len(r.Failed)))
	}
	t.add("Duration:", r.Duration.Round(time.Millisecond).String())
	if r.Requests > 0 {
		t.add("Exchange requests:", fmt.Sprint(r.Requests))
	}
	fmt.Fprintln(w)
	t.write(w, "")
	if len(r.Failed) == 0 {
		return
	}
	// Usually many mailboxes fail for one reason (a missing permission):
	// say it once, then list them.
	type group struct {
		why       string
		mailboxes []string
	}
	var groups []*group
	byWhy := map[string]*group{}
	for _, f := range r.Failed {
		why := explain(f.Err)
		g := byWhy[why]
		if g == nil {
			g = &group{why: why}
			byWhy[why] = g
			groups = append(groups, g)
		}
		g.mailboxes = append(g.mailboxes, f.Mailbox)
	}
	fmt.Fprintln(w, "\nFailed mailboxes (their cached data is kept as it was):")
	for _, g := range groups {
		fmt.Fprintf(w, "  %s\n", g.why)
		for i, m := range g.mailboxes {
			if i == 10 {
				fmt.Fprintf(w, "    ... and %d more\n", len(g.mailboxes)-10)
				break
			}
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
}

// watch prints one line per change of the cache (a booking added, changed
// or removed; a room added or removed; a mailbox failing or recovering)
// until ctx ends.
func (s *syncSession) watch(ctx context.Context, w io.Writer, explain func(error) string) error {
	known := map[string]map[string]room.Booking{}
	names := map[string]string{}
	load := func(id string) (room.Room, map[string]room.Booking, bool) {
		r, err := s.db.Room(ctx, id)
		if err != nil {
			return room.Room{}, nil, false
		}
		win := s.window()
		bs, err := s.db.BookingsBetween(ctx, id, win.Start, win.End)
		if err != nil {
			return r, nil, false
		}
		m := make(map[string]room.Booking, len(bs))
		for _, b := range bs {
			if !b.Cancelled {
				m[b.ID] = b
			}
		}
		return r, m, true
	}
	if rooms, err := s.db.Rooms(ctx); err == nil {
		for _, r := range rooms {
			if _, bs, ok := load(r.ID); ok {
				known[r.ID], names[r.ID] = bs, r.Name
			}
		}
	}
	failing := map[string]bool{}
	stamp := func() string { return time.Now().Format("15:04:05") }
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case h := <-s.health.Events():
			switch {
			case h.BackingOff && !failing[h.Mailbox]:
				failing[h.Mailbox] = true
				why := h.LastError
				if err := s.src.lastErr(h.Mailbox); err != nil {
					why = explain(err)
				}
				fmt.Fprintf(w, "%s %s: sync failed, showing data from %s: %s\n", stamp(), h.Mailbox, h.LastSuccess.Format("15:04:05"), why)
			case !h.BackingOff && failing[h.Mailbox]:
				delete(failing, h.Mailbox)
				fmt.Fprintf(w, "%s %s: syncing again\n", stamp(), h.Mailbox)
			}
		case ev := <-s.changes.Events():
			old, seen := known[ev.RoomID]
			if ev.Removed {
				if seen {
					fmt.Fprintf(w, "%s room removed: %s\n", stamp(), names[ev.RoomID])
					delete(known, ev.RoomID)
				}
				continue
			}
			r, now, ok := load(ev.RoomID)
			if !ok {
				continue
			}
			if !seen {
				fmt.Fprintf(w, "%s room added: %s (%d bookings)\n", stamp(), r.Name, len(now))
			} else if names[r.ID] != r.Name {
				fmt.Fprintf(w, "%s room renamed: %s → %s\n", stamp(), names[r.ID], r.Name)
			}
			if seen {
				for _, line := range bookingChanges(r, old, now) {
					fmt.Fprintf(w, "%s %s\n", stamp(), line)
				}
			}
			known[r.ID], names[r.ID] = now, r.Name
		}
	}
}

// bookingChanges describes how a room's bookings went from old to now, one
// line per booking, masked by the room's policy.
func bookingChanges(r room.Room, old, now map[string]room.Booking) []string {
	loc, err := r.Location()
	if err != nil {
		loc = time.UTC
	}
	describe := func(b room.Booking) string {
		st := room.State{Current: &b, Location: loc}
		return fmt.Sprintf("%s–%s %s", b.Start.In(loc).Format("Mon 2 Jan 15:04"), b.End.In(loc).Format("15:04 MST"), meetingText(st, r.Policy))
	}
	var lines []string
	for id, b := range now {
		o, ok := old[id]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("%s: booked %s", r.Name, describe(b)))
		case !o.Start.Equal(b.Start) || !o.End.Equal(b.End) || o.Subject != b.Subject || o.Private != b.Private:
			lines = append(lines, fmt.Sprintf("%s: changed %s (was %s)", r.Name, describe(b), describe(o)))
		}
	}
	for id, o := range old {
		if _, ok := now[id]; !ok {
			lines = append(lines, fmt.Sprintf("%s: cancelled %s", r.Name, describe(o)))
		}
	}
	slices.Sort(lines)
	return lines
}

// progress shows the first sync's progress on stderr: a bar redrawn in
// place on a terminal, a line per tenth otherwise (logs, CI). A nil
// *progress shows nothing.
type progress struct {
	w     io.Writer
	tty   bool
	shown int // tenths already printed, without a terminal
	drawn bool
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty, shown: -1} }

func (p *progress) update(done, total, bookings int) {
	if p == nil {
		return
	}
	if p.tty {
		const width = 30
		filled := width
		if total > 0 {
			filled = width * done / total
		}
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d mailboxes, %d bookings\x1b[K",
			strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, bookings)
		p.drawn = true
		return
	}
	tenth := 10
	if total > 0 {
		tenth = 10 * done / total
	}
	if tenth > p.shown {
		p.shown = tenth
		fmt.Fprintf(p.w, "synced %d/%d mailboxes, %d bookings\n", done, total, bookings)
	}
}

func (p *progress) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// isTerminalWriter reports whether w is a terminal.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// lockedWriter serialises writes from the syncer's goroutines and the
// command's own.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
