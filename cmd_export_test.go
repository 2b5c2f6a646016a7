package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/ics"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/platform/paths"
)

var (
	zurich, _ = time.LoadLocation("Europe/Zurich")
	taipei, _ = time.LoadLocation("Asia/Taipei")
)

var exportRooms = []room.Room{
	{ID: "grosser-saal@contoso.com", Email: "Grosser-Saal@contoso.com", Name: "Großer Saal", Capacity: 40,
		Kind: room.KindRoom, TimeZone: "Europe/Zurich"},
	{ID: "huiyishi-1@contoso.com", Email: "huiyishi-1@contoso.com", Name: "會議室一", Capacity: 8,
		Kind: room.KindRoom, TimeZone: "Asia/Taipei"},
}

// exportBooking is what a test expects to find back in an export.
type exportBooking struct {
	Room    string
	Start   time.Time
	End     time.Time
	Summary string
}

// buildCache writes a cache with both rooms and bookings inside, across
// the edges of and outside November 2026, and returns its path.
func buildCache(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roomboard.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UpsertRooms(ctx, exportRooms); err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, loc) }
	zb := []room.Booking{
		{SourceID: "z1", ICalUID: "uid-z1", Subject: "Budget 2027 – Übergabe", Organizer: room.Mailbox{Name: "Jürgen Müller", Email: "juergen@contoso.com"},
			Start: at(zurich, 3, 9, 0), End: at(zurich, 3, 10, 0)},
		{SourceID: "z2", ICalUID: "uid-z2", Subject: "Personalgespräch Frau Köhler", Private: true, Organizer: room.Mailbox{Name: "Anna Weiß", Email: "anna@contoso.com"},
			Start: at(zurich, 3, 14, 0), End: at(zurich, 3, 15, 0)},
		{SourceID: "z3", ICalUID: "uid-z3", Subject: "Jahresend-Apéro", Start: at(zurich, 30, 23, 30), End: time.Date(2026, 12, 1, 0, 30, 0, 0, zurich)},
		{SourceID: "z4", ICalUID: "uid-z4", Subject: "Oktober", Start: time.Date(2026, 10, 31, 10, 0, 0, 0, zurich), End: time.Date(2026, 10, 31, 11, 0, 0, 0, zurich)},
	}
	tb := []room.Booking{
		{SourceID: "t1", ICalUID: "uid-t1", Subject: "季度會議 (简体: 季度会议)", Organizer: room.Mailbox{Name: "王小明", Email: "wang@contoso.com"},
			Start: at(taipei, 5, 10, 0), End: at(taipei, 5, 11, 30)},
		{SourceID: "t2", ICalUID: "uid-t2", Subject: "Dezember", Start: time.Date(2026, 12, 2, 9, 0, 0, 0, taipei), End: time.Date(2026, 12, 2, 10, 0, 0, 0, taipei)},
	}
	w := store.Window{Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.ReplaceBookings(ctx, "grosser-saal@contoso.com", w, withRoom(zb, "grosser-saal@contoso.com"), store.SyncState{Integration: "hq"}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceBookings(ctx, "huiyishi-1@contoso.com", w, withRoom(tb, "huiyishi-1@contoso.com"), store.SyncState{Integration: "hq"}); err != nil {
		t.Fatal(err)
	}
	return path
}

func withRoom(bs []room.Booking, id string) []room.Booking {
	for i := range bs {
		bs[i].RoomID = id
	}
	return bs
}

// wantNovember is what an export of November 2026 of both rooms holds.
var wantNovember = []exportBooking{
	{"grosser-saal@contoso.com", time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), "Budget 2027 – Übergabe"},
	{"grosser-saal@contoso.com", time.Date(2026, 11, 3, 13, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC), ics.LabelPrivate},
	{"grosser-saal@contoso.com", time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC), time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), "Jahresend-Apéro"},
	{"huiyishi-1@contoso.com", time.Date(2026, 11, 5, 2, 0, 0, 0, time.UTC), time.Date(2026, 11, 5, 3, 30, 0, 0, time.UTC), "季度會議 (简体: 季度会议)"},
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// parseICS reads an export back with go-ical and returns its events, with
// the room found by its name in LOCATION.
func parseICS(t *testing.T, data string) []exportBooking {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the export: %v\n%s", err, data)
	}
	var got []exportBooking
	for _, ev := range cal.Events() {
		start, err := ev.DateTimeStart(time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		end, err := ev.DateTimeEnd(time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if p := ev.Props.Get(ical.PropDateTimeStart); p.Params.Get(ical.ParamTimezoneID) == "" {
			t.Errorf("DTSTART %s has no TZID: rooms with a zone are written in local time", p.Value)
		}
		summary, _ := ev.Props.Text(ical.PropSummary)
		location, _ := ev.Props.Text(ical.PropLocation)
		var roomID string
		for _, r := range exportRooms {
			if r.Name == location {
				roomID = r.ID
			}
		}
		got = append(got, exportBooking{roomID, start.UTC(), end.UTC(), summary})
	}
	sort.Slice(got, func(i, j int) bool {
		if got[i].Room != got[j].Room {
			return got[i].Room < got[j].Room
		}
		return got[i].Start.Before(got[j].Start)
	})
	return got
}

func TestExportICS(t *testing.T) {
	db := buildCache(t)
	before := fileSum(t, db)
	code, out, errOut := runCmd(t, "export", "-db", db, "-rooms", "all", "-from", "2026-11-01", "-to", "2026-12-01", "-tz", "Europe/Zurich")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := parseICS(t, out)
	if diff := cmp.Diff(wantNovember, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, leak := range []string{"Personalgespräch", "Köhler", "Oktober", "Dezember"} {
		if strings.Contains(out, leak) {
			t.Errorf("the export contains %q", leak)
		}
	}
	for _, tz := range []string{"TZID:Europe/Zurich", "TZID:Asia/Taipei"} {
		if !strings.Contains(out, tz) {
			t.Errorf("the export has no VTIMEZONE %s", tz)
		}
	}
	if fileSum(t, db) != before {
		t.Error("export changed the cache file")
	}
}

func TestExportCSV(t *testing.T) {
	db := buildCache(t)
	outFile := filepath.Join(t.TempDir(), "woche.csv")
	os.WriteFile(outFile, []byte("old export"), 0o600)
	code, _, errOut := runCmd(t, "export", "-db", db, "-format", "csv", "-rooms", "huiyishi-1@contoso.com,GROSSER-SAAL@contoso.com",
		"-from", "2026-11-01", "-to", "2026-11-08", "-tz", "Europe/Zurich", "-o", outFile)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "Wrote 3 bookings of 2 rooms") {
		t.Errorf("stderr: %q", errOut)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(data, []byte("\uFEFF"))
	if !ok {
		t.Error("the CSV has no UTF-8 byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ics.CSVHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var got [][]string
	for _, r := range rows[1:] {
		got = append(got, []string{r[col["Room email"]], r[col["Start"]], r[col["End"]], r[col["Time zone"]], r[col["Subject"]]})
	}
	// Rooms in the order given; times in -tz.
	want := [][]string{
		{"huiyishi-1@contoso.com", "2026-11-05 03:00", "2026-11-05 04:30", "Europe/Zurich", "季度會議 (简体: 季度会议)"},
		{"Grosser-Saal@contoso.com", "2026-11-03 09:00", "2026-11-03 10:00", "Europe/Zurich", "Budget 2027 – Übergabe"},
		{"Grosser-Saal@contoso.com", "2026-11-03 14:00", "2026-11-03 15:00", "Europe/Zurich", ics.LabelPrivate},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if strings.Contains(string(data), "Personalgespräch") {
		t.Error("the CSV contains a private subject")
	}
	if entries, _ := os.ReadDir(filepath.Dir(outFile)); len(entries) != 1 {
		t.Errorf("the output directory holds %d files, want only the export (no temporary files)", len(entries))
	}
}

// TestExportDefaultCache finds the cache in ROOMBOARD_HOME.
func TestExportDefaultCache(t *testing.T) {
	db := buildCache(t)
	t.Setenv(paths.EnvHome, filepath.Dir(db))
	code, out, errOut := runCmd(t, "export", "-rooms", "grosser-saal@contoso.com", "-from", "2026-11-03", "-to", "2026-11-04", "-tz", "UTC")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("%d events, want 2:\n%s", n, out)
	}
}

func TestExportErrors(t *testing.T) {
	db := buildCache(t)
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	os.WriteFile(notDB, []byte("Zürich, 會議室 – not a database"), 0o600)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	damaged := filepath.Join(dir, "damaged.db")
	os.WriteFile(damaged, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xA5}, 8192)...), 0o600)
	missing := filepath.Join(dir, "missing.db")

	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"missing cache", []string{"-db", missing}, exitFailure, "no cache at " + missing + ": run 'roomboard sync'"},
		{"not a database", []string{"-db", notDB}, exitFailure, "is not a Roomboard cache"},
		{"empty file", []string{"-db", empty}, exitFailure, "is not a Roomboard cache"},
		{"damaged database", []string{"-db", damaged}, exitFailure, "corrupt"},
		{"directory", []string{"-db", dir}, exitUsage, "is a directory"},
		{"bad from", []string{"-db", db, "-from", "2026-13-01"}, exitUsage, `-from "2026-13-01": write the day as YYYY-MM-DD`},
		{"bad to", []string{"-db", db, "-from", "2026-11-01", "-to", "1.12.2026"}, exitUsage, `-to "1.12.2026"`},
		{"to before from", []string{"-db", db, "-from", "2026-11-01", "-to", "2026-11-01"}, exitUsage, "must be after -from"},
		{"unknown room", []string{"-db", db, "-rooms", "grosser-saal@contoso.com,kleiner-saal@contoso.com"}, exitUsage, "not in the cache: kleiner-saal@contoso.com"},
		{"bad format", []string{"-db", db, "-format", "pdf"}, exitUsage, `-format "pdf"`},
		{"bad zone", []string{"-db", db, "-tz", "Mars/Olympus_Mons"}, exitUsage, "not an IANA time zone"},
		{"output directory missing", []string{"-db", db, "-from", "2026-11-01", "-o", filepath.Join(dir, "nope", "x.ics")}, exitFailure, "write "},
	}
	sums := map[string][32]byte{}
	for _, p := range []string{db, notDB, empty, damaged} {
		sums[p] = fileSum(t, p)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, append([]string{"export"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inStderr, errOut)
			}
			if out != "" {
				t.Errorf("stdout is not empty: %q", out)
			}
		})
	}
	for p, sum := range sums {
		if fileSum(t, p) != sum {
			t.Errorf("export changed %s", p)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("export created %s: %v", missing, err)
	}
}

func TestExportRange(t *testing.T) {
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC) // the day Zurich springs forward
	tests := []struct {
		from, to   string
		start, end time.Time
	}{
		{"", "", time.Date(2026, 3, 29, 0, 0, 0, 0, zurich), time.Date(2026, 4, 29, 0, 0, 0, 0, zurich)},
		{"2026-03-29", "2026-03-30", time.Date(2026, 3, 29, 0, 0, 0, 0, zurich), time.Date(2026, 3, 30, 0, 0, 0, 0, zurich)},
		{"2026-01-31", "", time.Date(2026, 1, 31, 0, 0, 0, 0, zurich), time.Date(2026, 3, 3, 0, 0, 0, 0, zurich)},
	}
	for _, tc := range tests {
		start, end, err := exportRange(tc.from, tc.to, zurich, now)
		if err != nil {
			t.Fatal(err)
		}
		if !start.Equal(tc.start) || !end.Equal(tc.end) {
			t.Errorf("exportRange(%q, %q) = %v … %v, want %v … %v", tc.from, tc.to, start, end, tc.start, tc.end)
		}
	}
	if _, _, err := exportRange("2026-01-01", "2030-01-01", zurich, now); err == nil {
		t.Error("a range over three years was accepted")
	}
}
