package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/platform/paths"
)

const demoExamples = `  roomboard demo                 # simulator, sync, hub, a room player and a floor player
  roomboard demo -lang zh-TW     # the kiosks in 繁體中文, showing the Taipei rooms
  roomboard demo -headless       # no windows: the text board and the hub
  roomboard demo -once           # walk through, sync, show the board once and exit
  roomboard demo -db ./demo.db -every 10s   # keep the cache; change a meeting every 10 s
  roomboard demo -ews http://127.0.0.1:8099/EWS/Exchange.asmx   # walk through a running simulator`

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo",
		"Start the Exchange simulator and walk through it with Roomboard's EWS client. Then sync it into a\n"+
			"local cache with the sync engine, start a hub over that cache and open two kiosks paired with it:\n"+
			"a room player and a floor player. The terminal shows a live board of the rooms while the demo\n"+
			"books, extends and cancels a meeting in the simulator every few seconds, and the kiosks follow.\n"+
			"No Exchange server is needed.",
		demoExamples)
	addr := fs.String("addr", "127.0.0.1:8099", "listen `address` for the simulator")
	hubAddr := fs.String("hub-addr", "127.0.0.1:8443", "listen `address` for the hub")
	ewsURL := fs.String("ews", "", "walk through this EWS `URL` instead of starting a simulator")
	rooms := fs.Int("rooms", 40, "number of rooms to simulate")
	seed := fs.Int64("seed", 1, "seed for the simulated organisation")
	once := fs.Bool("once", false, "exit after the walk-through and one board instead of serving the simulator (implies -headless)")
	dbPath := fs.String("db", "", "sync into this cache `file` (default: a temporary one, removed at exit)")
	every := fs.Duration("every", 5*time.Second, "make a change in the simulator this `often`")
	headless := fs.Bool("headless", false, "open no kiosk windows: the text board and the hub only")
	only := fs.String("only", "", "open only the `room` or the floor player")
	lang := fs.String("lang", "en", "kiosk language: en, zh-TW, zh-CN or de (the kiosks show that site's rooms)")
	fullscreen := fs.Bool("fullscreen", false, "open the kiosk windows full screen")
	quitAfter := fs.Duration("quit-after", 0, "stop after this `duration` (for tests and screenshots)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *every <= 0 {
		return usageError{"-every must be positive"}
	}
	if *only != "" && *only != "room" && *only != "floor" {
		return usageError{"-only takes room or floor"}
	}
	if *ewsURL != "" {
		return walkThrough(ctx, e.stdout, ews.New(*ewsURL, nil), time.Now())
	}
	if *once {
		*headless = true
	}
	if !*headless && !hasDisplay() {
		fmt.Fprintln(e.stderr, "roomboard demo: no display (DISPLAY/WAYLAND_DISPLAY unset): showing the text board only")
		*headless = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *quitAfter > 0 {
		t := time.AfterFunc(*quitAfter, cancel)
		defer t.Stop()
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s hub: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	var screens *demoScreens
	onSynced := func(ctx context.Context, sess *syncSession, dir string) error {
		if *once {
			return nil
		}
		h, err := startDemoHub(ctx, sess, dir, *hubAddr, logf)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nThe hub serves kiosks at %s (certificate SHA-256 %s…).\n", h.url, h.pin[:16])
		if screens == nil {
			return nil
		}
		return screens.start(ctx, e, h, sess, dir)
	}
	run := func() error {
		return demoMain(ctx, e, *addr, *rooms, *seed, *dbPath, *once, *every, onSynced)
	}
	if *headless {
		return run()
	}
	a := newFyneApp("com.roomboard.demo")
	screens = newDemoScreens(a, *lang, *only, *fullscreen)
	errc := make(chan error, 1)
	go func() {
		errc <- run()
		cancel()
	}()
	runApp(ctx, a, a.Run)
	cancel()
	err := <-errc
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// demoMain runs the simulator, the walk-through and the live board.
func demoMain(ctx context.Context, e *env, addr string, rooms int, seed int64, dbPath string, once bool, every time.Duration,
	onSynced func(context.Context, *syncSession, string) error) error {
	cfg := &simulateConfig{addr: addr}
	cfg.opts.Rooms, cfg.opts.Seed = rooms, seed
	srv, _, err := newSimulator(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w (is another simulator running? try -addr 127.0.0.1:0)", err)
	}
	url := "http://" + ln.Addr().String() + "/EWS/Exchange.asmx"
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(sctx, ln, srv) }()

	fmt.Fprintf(e.stdout, "Started the Exchange simulator at %s (%d rooms, seed %d).\n\n", url, len(srv.Rooms()), seed)
	if err := walkThrough(ctx, e.stdout, ews.New(url, nil), time.Now()); err != nil {
		return err
	}
	bctx, stopBoard := context.WithCancel(ctx)
	boardDone := make(chan error, 1)
	go func() {
		boardDone <- liveBoard(bctx, e, srv, url, dbPath, once, every, onSynced)
	}()
	select {
	case err = <-boardDone:
	case err = <-done:
		// The simulator stopped on its own (a serve error): end the board.
		stopBoard()
		<-boardDone
		return err
	}
	stopBoard()
	if once || err != nil {
		stop()
		<-done
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil
		}
		return err
	}
	return <-done
}

// liveBoard syncs the simulator into a cache with the real syncer and shows
// the rooms' board, then (unless once) keeps it current while it makes a
// change in the simulator every so often, until ctx ends.
func liveBoard(ctx context.Context, e *env, sim *ewstest.Server, url, dbPath string, once bool, every time.Duration,
	onSynced func(context.Context, *syncSession, string) error) error {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "roomboard-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, paths.DatabaseFileName)
	} else if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return fmt.Errorf("create the cache's directory: %w", err)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return cacheError(dbPath, err)
	}
	defer db.Close()
	c := ews.New(url, nil)
	requests := countRequests(c)
	quiet := func(string, ...any) {}
	// Impersonation, because Exchange refuses notifications to delegates.
	src := ewssource.New(c, ewssource.Options{Impersonation: true, Logf: quiet})
	opts := syncer.Options{Integration: "demo", Logf: quiet, Scope: config.Scope{
		Rooms: config.Selection{Mode: config.SelectAll}, Equipment: config.Selection{Mode: config.SelectAll},
		Users: config.UserScope{Mode: config.UsersNone}}}
	explain := func(err error) string { return explainSyncError(nil, err) }

	fmt.Fprintf(e.stdout, "\nSyncing the simulator into %s with Roomboard's sync engine ...\n", dbPath)
	sess, res := startSync(ctx, ctx, src, db, opts, nil)
	res.Requests = requests.Load()
	if ctx.Err() != nil {
		if sess != nil {
			sess.stop()
		}
		return ctx.Err()
	}
	printSyncSummary(e.stdout, res, explain)
	if sess == nil {
		return res.err(explain)
	}
	defer sess.stop()
	if onSynced != nil {
		if err := onSynced(ctx, sess, filepath.Dir(dbPath)); err != nil {
			return err
		}
	}

	board := func() string { return cachedBoard(ctx, db, time.Now()) }
	if once {
		fmt.Fprintf(e.stdout, "\n%s", board())
		return nil
	}
	tty := isTerminalWriter(e.stdout)
	var log []string
	last := ""
	draw := func() {
		if !tty {
			// Syncs that changed nothing visible print nothing.
			if b := board(); b != last {
				last = b
				fmt.Fprintf(e.stdout, "\n%s", b)
			}
			return
		}
		var b strings.Builder
		b.WriteString("\x1b[H\x1b[2J")
		b.WriteString(board())
		b.WriteString("\n")
		for _, l := range log {
			b.WriteString(l + "\n")
		}
		fmt.Fprintf(&b, "\nThe simulator runs at %s. Press Ctrl-C to stop.\n", url)
		fmt.Fprint(e.stdout, b.String())
	}
	if !tty {
		fmt.Fprintf(e.stdout, "\nA new board follows every change. The simulator runs at %s. Press Ctrl-C to stop.\n", url)
	}
	draw()
	ch := &demoChanger{sim: sim, db: db}
	tick := time.NewTicker(every)
	defer tick.Stop()
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	var redraw <-chan time.Time // a short pause gathers the rooms of one change
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			line := now.Format("15:04:05") + " " + ch.next(ctx, now)
			log = append(log, line)
			if len(log) > 5 {
				log = log[len(log)-5:]
			}
			if !tty {
				fmt.Fprintln(e.stdout, "\n"+line)
			}
		case <-sess.changes.Events():
			if redraw == nil {
				redraw = time.After(150 * time.Millisecond)
			}
		case <-redraw:
			redraw = nil
			draw()
		case <-minute.C:
			if tty {
				draw() // statuses move on with the clock
			}
		}
	}
}

// cachedBoard renders the board from the cache.
func cachedBoard(ctx context.Context, db *store.DB, now time.Time) string {
	rooms, err := db.Rooms(ctx)
	if err != nil {
		return "The cache cannot be read: " + err.Error() + "\n"
	}
	bookings := make(map[string][]room.Booking, len(rooms))
	for _, r := range rooms {
		// Two days either side cover "busy until" across midnight and
		// all-day blocks in any zone.
		bs, err := db.BookingsBetween(ctx, r.ID, now.AddDate(0, 0, -2), now.AddDate(0, 0, 2))
		if err == nil {
			bookings[r.ID] = bs
		}
	}
	return renderBoard(rooms, bookings, now)
}

// demoChanger books a meeting in a free room, extends it, cancels it, and
// starts over in the next room, through the simulator's Go API: what
// people do in Outlook, which the board must follow.
type demoChanger struct {
	sim     *ewstest.Server
	db      *store.DB
	step    int
	next0   int // where the search for a free room starts
	id      string
	room    string
	booking ewstest.Booking
}

// next makes one change and says which.
func (d *demoChanger) next(ctx context.Context, now time.Time) string {
	switch d.step {
	case 1:
		d.booking.End = d.booking.End.Add(15 * time.Minute)
		if err := d.sim.UpdateBooking(d.id, d.booking); err != nil {
			d.step = 2
			return fmt.Sprintf("Could not extend the meeting in %s: %v", d.room, err)
		}
		d.step = 2
		return fmt.Sprintf("Extended the meeting in %s until %s.", d.room, d.booking.End.Local().Format("15:04"))
	case 2:
		d.step = 0
		if err := d.sim.CancelBooking(d.id); err != nil {
			return fmt.Sprintf("Could not cancel the meeting in %s: %v", d.room, err)
		}
		return fmt.Sprintf("Cancelled the meeting in %s.", d.room)
	}
	rooms, err := d.db.Rooms(ctx)
	if err != nil || len(rooms) == 0 {
		return "No room to book yet."
	}
	start := now.Truncate(time.Minute)
	end := start.Add(30 * time.Minute)
	organizer := ""
	if users := d.sim.Mailboxes(ewstest.KindUser); len(users) > 0 {
		organizer = users[d.next0%len(users)].Address
	}
	for i := range rooms {
		r := rooms[(d.next0+i)%len(rooms)]
		bs, _ := d.db.BookingsBetween(ctx, r.ID, start, end.Add(45*time.Minute))
		if st := room.StatusAt(r, bs, now); st.Status != room.Free || (!st.FreeUntil.IsZero() && st.FreeUntil.Before(end.Add(45*time.Minute))) {
			continue
		}
		d.next0 += i + 1
		d.booking = ewstest.Booking{Organizer: organizer, Subject: "Demo: Stand-up 站会", Start: start, End: end}
		id, err := d.sim.AddBooking(r.ID, d.booking)
		if err != nil {
			if id != "" {
				d.sim.CancelBooking(id)
			}
			return fmt.Sprintf("%s declined a meeting: %v", r.Name, err)
		}
		d.id, d.room, d.step = id, r.Name, 1
		return fmt.Sprintf("Booked %s %s–%s for %s.", r.Name, start.Local().Format("15:04"), end.Local().Format("15:04"), orDash(organizer))
	}
	return "No room is free for the next 75 minutes."
}

// walkThrough prints room lists, rooms and today's bookings of a few rooms,
// all fetched through the EWS client.
func walkThrough(ctx context.Context, w io.Writer, c *ews.Client, now time.Time) error {
	lists, err := c.GetRoomLists(ctx)
	if err != nil {
		return fmt.Errorf("room lists: %w", err)
	}
	sv := c.ServerVersion()
	fmt.Fprintf(w, "Exchange %s (schema %s)\n\n", sv.Build(), sv.Version)
	fmt.Fprintf(w, "Room lists (%d)\n", len(lists))
	var lt table
	for _, l := range lists {
		lt.add(l.Name, l.EmailAddress)
	}
	lt.write(w, "  ")

	var shown []ews.Mailbox
	for i, l := range lists {
		if i == 2 {
			fmt.Fprintf(w, "\n(%d more room lists not shown)\n", len(lists)-2)
			break
		}
		rooms, err := c.GetRooms(ctx, l.EmailAddress)
		if err != nil {
			return fmt.Errorf("rooms of %s: %w", l.Name, err)
		}
		fmt.Fprintf(w, "\nRooms in %s (%d)\n", l.Name, len(rooms))
		var rt table
		for _, r := range rooms {
			rt.add(r.Name, r.EmailAddress)
		}
		rt.write(w, "  ")
		if len(rooms) > 0 {
			shown = append(shown, rooms[0])
		}
		if len(rooms) > 1 {
			shown = append(shown, rooms[1])
		}
	}

	organizerSubjects := false
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	for _, r := range shown {
		res, err := c.FindItem(ctx, &ews.FindItemRequest{
			Folder:       ews.CalendarOf(r.EmailAddress),
			CalendarView: &ews.CalendarView{Start: day, End: day.AddDate(0, 0, 1), MaxEntries: 200},
			Shape:        ews.AllProperties,
		})
		if err != nil {
			return fmt.Errorf("today in %s: %w", r.Name, err)
		}
		items := res.Items
		sort.Slice(items, func(i, j int) bool { return items[i].Start.Before(items[j].Start) })
		fmt.Fprintf(w, "\nToday in %s (%d bookings, times in %s)\n", r.Name, len(items), zoneName(now))
		var bt table
		for _, it := range items {
			subject := it.Subject
			switch {
			case strings.EqualFold(it.Sensitivity, "Private"):
				subject = "(private)"
			case subject == it.Organizer.Name:
				// Exchange's room defaults (DeleteSubject +
				// AddOrganizerToSubject) leave only the organizer.
				subject += " *"
				organizerSubjects = true
			}
			bt.add(it.Start.In(now.Location()).Format("15:04")+"–"+it.End.In(now.Location()).Format("15:04"), subject, it.Organizer.Name)
		}
		bt.write(w, "  ")
	}
	if organizerSubjects {
		fmt.Fprintf(w, "\n* The room mailbox replaced the subject with the organizer's name, as Exchange does by\n"+
			"  default (Set-CalendarProcessing -DeleteSubject $true -AddOrganizerToSubject $true).\n")
	}
	return nil
}

// zoneName names now's zone for people: "UTC+08:00 (CST)" rather than Go's
// "Local".
func zoneName(now time.Time) string {
	name, off := now.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d (%s, this machine's zone)", sign, off/3600, off%3600/60, name)
}
