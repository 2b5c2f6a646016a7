package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/roomboard/roomboard/ews"
)

const demoExamples = `  roomboard demo                 # start a simulator on 127.0.0.1:8099, walk through it, keep serving
  roomboard demo -once           # walk through and exit
  roomboard demo -ews http://127.0.0.1:8099/EWS/Exchange.asmx   # walk through a running simulator`

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo",
		"Start the Exchange simulator and walk through it with Roomboard's EWS client: room lists,\n"+
			"rooms, and today's bookings of a few rooms. No Exchange server is needed.",
		demoExamples)
	addr := fs.String("addr", "127.0.0.1:8099", "listen `address` for the simulator")
	ewsURL := fs.String("ews", "", "walk through this EWS `URL` instead of starting a simulator")
	rooms := fs.Int("rooms", 40, "number of rooms to simulate")
	seed := fs.Int64("seed", 1, "seed for the simulated organisation")
	once := fs.Bool("once", false, "exit after the walk-through instead of serving the simulator")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ewsURL != "" {
		return walkThrough(ctx, e.stdout, ews.New(*ewsURL, nil), time.Now())
	}
	cfg := &simulateConfig{addr: *addr}
	cfg.opts.Rooms, cfg.opts.Seed = *rooms, *seed
	srv, _, err := newSimulator(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w (is another simulator running? try -addr 127.0.0.1:0)", err)
	}
	url := "http://" + ln.Addr().String() + "/EWS/Exchange.asmx"
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(sctx, ln, srv) }()

	fmt.Fprintf(e.stdout, "Started the Exchange simulator at %s (%d rooms, seed %d).\n\n", url, len(srv.Rooms()), *seed)
	if err := walkThrough(ctx, e.stdout, ews.New(url, nil), time.Now()); err != nil {
		return err
	}
	if *once {
		stop()
		return <-done
	}
	fmt.Fprintf(e.stdout, "\nThe simulator keeps running at %s. Point an EWS client at it, or press Ctrl-C to stop.\n", url)
	return <-done
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
