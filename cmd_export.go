package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/ics"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/platform/paths"
)

const exportExamples = `  roomboard export -rooms all -from 2026-11-01 -to 2026-12-01 -o november.ics
  roomboard export -format csv -rooms grosser-saal@contoso.com,huiyishi-1@contoso.com \
      -from 2026-11-01 -to 2026-11-08 -tz Europe/Zurich -o woche.csv
  roomboard export -db /var/lib/roomboard/roomboard.db -rooms all -from 2026-11-02 -to 2026-11-03 | less`

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "export",
		"Export the bookings of rooms from the local cache as iCalendar (RFC 5545) or CSV. Private\n"+
			"meetings and what a room's policy hides are masked. Nothing is fetched from Exchange: run\n"+
			"'roomboard sync' (or the hub) first. The cache is only read.\n\n"+
			"-from and -to are calendar days in -tz; -to is exclusive (its midnight ends the range).",
		exportExamples)
	format := fs.String("format", "ics", "`ics` or csv")
	rooms := fs.String("rooms", "all", "`all`, or comma-separated room (or equipment) mailbox addresses")
	from := fs.String("from", "", "first `day` to export, YYYY-MM-DD (default: today)")
	to := fs.String("to", "", "`day` the export ends before, YYYY-MM-DD (default: one month after -from)")
	out := fs.String("o", "", "write to this `file` (replaced atomically) instead of standard output")
	dbPath := fs.String("db", "", "the cache `file` (default: roomboard.db in the data directory; "+paths.EnvHome+" moves it)")
	tz := fs.String("tz", "", "IANA time `zone` for -from/-to and the CSV times (default: this machine's zone for the days, each room's zone for CSV times)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "ics" && *format != "csv" {
		return usageError{fmt.Sprintf("-format %q: choose ics or csv", *format)}
	}
	loc := time.Local
	if *tz != "" {
		l, err := time.LoadLocation(*tz)
		if err != nil || *tz == "Local" {
			return usageError{fmt.Sprintf("-tz %q is not an IANA time zone; use a name such as Europe/Zurich, Asia/Taipei or UTC", *tz)}
		}
		loc = l
	}
	start, end, err := exportRange(*from, *to, loc, time.Now())
	if err != nil {
		return err
	}
	if *dbPath == "" {
		d, err := paths.Default()
		if err != nil {
			return err
		}
		*dbPath = d.Database()
	}

	db, err := openCacheReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.Rooms(ctx)
	if err != nil {
		return cacheError(*dbPath, err)
	}
	selected, err := selectRooms(all, *rooms)
	if err != nil {
		return err
	}
	var bookings []room.Booking
	for _, r := range selected {
		bs, err := db.BookingsBetween(ctx, r.ID, start, end)
		if err != nil {
			return cacheError(*dbPath, err)
		}
		bookings = append(bookings, bs...)
	}

	write := func(w io.Writer) error {
		if *format == "csv" {
			var csvLoc *time.Location
			if *tz != "" {
				csvLoc = loc
			}
			return ics.WriteCSV(w, selected, bookings, csvLoc)
		}
		return ics.Write(w, ics.Calendar{Rooms: selected, Bookings: bookings, From: start, To: end, Stamp: time.Now().UTC()})
	}
	if *out == "" {
		return write(e.stdout)
	}
	if err := writeFileAtomic(*out, write); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Wrote %d bookings of %d rooms to %s.\n", len(bookings), len(selected), *out)
	return nil
}

// exportRange turns -from and -to into instants: midnights in loc.
func exportRange(from, to string, loc *time.Location, now time.Time) (start, end time.Time, err error) {
	parse := func(flag, v string) (time.Time, error) {
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(v), loc)
		if err != nil {
			return time.Time{}, usageError{fmt.Sprintf("%s %q: write the day as YYYY-MM-DD, e.g. 2026-11-01", flag, v)}
		}
		return d, nil
	}
	if from == "" {
		n := now.In(loc)
		start = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	} else if start, err = parse("-from", from); err != nil {
		return
	}
	if to == "" {
		end = time.Date(start.Year(), start.Month()+1, start.Day(), 0, 0, 0, 0, loc)
	} else if end, err = parse("-to", to); err != nil {
		return
	}
	if !end.After(start) {
		return start, end, usageError{fmt.Sprintf("-to %s must be after -from %s (-to is exclusive: -from 2026-11-01 -to 2026-11-02 is one day)",
			end.Format("2006-01-02"), start.Format("2006-01-02"))}
	}
	if end.Sub(start) > 3*366*24*time.Hour {
		return start, end, usageError{"the range is longer than three years; export it in parts"}
	}
	return start, end, nil
}

// openCacheReadOnly opens the cache only if it already exists and is a
// SQLite database: store.Open would create a missing file and turn an
// empty one into a fresh cache, and an export must never do either.
func openCacheReadOnly(ctx context.Context, path string) (*store.DB, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no cache at %s: run 'roomboard sync' (or start the hub) first, or name the cache with -db", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open the cache: %w", err)
	}
	head := make([]byte, len(sqliteMagic))
	_, rerr := io.ReadFull(f, head)
	fi, serr := f.Stat()
	f.Close()
	switch {
	case serr == nil && fi.IsDir():
		return nil, usageError{fmt.Sprintf("-db %s is a directory; name the cache file (roomboard.db) in it", path)}
	case rerr != nil || !bytes.Equal(head, sqliteMagic):
		return nil, fmt.Errorf("%s is not a Roomboard cache (not a SQLite database); nothing was changed. Check -db, "+
			"or delete the file and run 'roomboard sync' to rebuild the cache", path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, cacheError(path, err)
	}
	return db, nil
}

// cacheError adds what to do to the store's typed errors.
func cacheError(path string, err error) error {
	var corrupt *store.CorruptError
	var tooNew *store.SchemaTooNewError
	switch {
	case errors.As(err, &corrupt):
		return fmt.Errorf("%w\nThe cache holds only copies of Exchange data: delete %s and run 'roomboard sync' to rebuild it", err, path)
	case errors.As(err, &tooNew):
		return fmt.Errorf("%w (the cache was written by a newer Roomboard)", err)
	}
	return fmt.Errorf("read the cache %s: %w", path, err)
}

// selectRooms picks the rooms named in list ("all", or addresses matched
// case-insensitively) and reports every unknown one.
func selectRooms(all []room.Room, list string) ([]room.Room, error) {
	if strings.TrimSpace(list) == "all" {
		if len(all) == 0 {
			return nil, errors.New("the cache has no rooms yet: run 'roomboard sync' first")
		}
		return all, nil
	}
	byAddr := make(map[string]room.Room, len(all))
	for _, r := range all {
		byAddr[strings.ToLower(r.ID)] = r
		byAddr[strings.ToLower(r.Email)] = r
	}
	var out []room.Room
	var unknown []string
	seen := map[string]bool{}
	for _, a := range splitList(list) {
		r, ok := byAddr[strings.ToLower(a)]
		switch {
		case !ok:
			unknown = append(unknown, a)
		case !seen[r.ID]:
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	if len(unknown) > 0 {
		hint := "the cache has no rooms yet: run 'roomboard sync' first"
		if len(all) > 0 {
			var some []string
			for i, r := range all {
				if i == 5 {
					some = append(some, "…")
					break
				}
				some = append(some, r.Email)
			}
			hint = fmt.Sprintf("the cache has %d rooms, e.g. %s; or use -rooms all", len(all), strings.Join(some, ", "))
		}
		return nil, usageError{fmt.Sprintf("-rooms: not in the cache: %s (%s)", strings.Join(unknown, ", "), hint)}
	}
	if len(out) == 0 {
		return nil, usageError{"-rooms: name at least one room address, or all"}
	}
	return out, nil
}

// writeFileAtomic writes through a temporary file in path's directory and
// renames it over path, so readers never see half an export and a failure
// leaves an existing file as it was.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
