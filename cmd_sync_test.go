package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/platform/paths"
)

const syncUser = `CONTOSO\svc-roomboard`

// syncRig is a Basic-auth simulator and a configuration home with an
// integration "sim" for it, made through 'config integration add'.
func syncRig(t *testing.T, extra ...string) (*ewstest.Server, *httptest.Server) {
	t.Helper()
	configHome(t)
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 7, Rooms: 12, Auth: ewstest.AuthBasic,
		Passwords: map[string]string{syncUser: testPassword}, NotificationMinute: 200 * time.Millisecond,
		BusyBackOff: 30 * time.Millisecond})
	t.Cleanup(ts.Close)
	addSimIntegration(t, ts, testPassword, extra...)
	return sim, ts
}

func addSimIntegration(t *testing.T, ts *httptest.Server, password string, extra ...string) {
	t.Helper()
	args := []string{"config", "integration", "add", "-password-stdin", "-replace", "-kind", "ews", "-id", "sim",
		"-name", "Simulator 模拟器", "-url", ts.URL + "/EWS/Exchange.asmx", "-auth", "basic", "-user", syncUser}
	args = append(args, extra...)
	if code, _, errOut := runStdin(t, password+"\n", args...); code != exitOK {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
}

// summaryValue returns the value printed after label in the summary.
func summaryValue(t *testing.T, out, label string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, label); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("summary lacks %q:\n%s", label, out)
	return ""
}

// truthCounts counts the simulator's rooms and their bookings over the
// syncer's default window.
func truthCounts(sim *ewstest.Server) (rooms, bookings int) { // rooms counts equipment too
	start, end := config.SyncWindow{DaysBack: config.DefaultDaysBack, DaysAhead: config.DefaultDaysAhead}.Range(time.Now())
	// The rig's scope takes all equipment too. EWS cannot list equipment,
	// so the source finds what its name searches find
	// (ewssource.DefaultEquipmentQueries; see core/ewssource's doc).
	mbs := sim.Rooms()
	for _, m := range sim.Mailboxes(ewstest.KindEquipment) {
		if slices.ContainsFunc(ewssource.DefaultEquipmentQueries, func(q string) bool {
			return strings.Contains(strings.ToLower(m.Name), strings.ToLower(q))
		}) {
			mbs = append(mbs, m)
		}
	}
	for _, r := range mbs {
		rooms++
		bookings += len(sim.Truth(r.Address, start, end))
	}
	return rooms, bookings
}

// cachedBookings reads every booking of the cache at the default path.
func cachedBookings(t *testing.T) map[string][]room.Booking {
	t.Helper()
	d, err := paths.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, d.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]room.Booking{}
	for _, r := range rooms {
		bs, err := db.BookingsBetween(ctx, r.ID, time.Time{}, time.Now().AddDate(10, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		out[r.ID] = bs
	}
	return out
}

func TestSyncOnceMatchesSimulator(t *testing.T) {
	sim, ts := syncRig(t)
	code, out, errOut := runStdin(t, "", "sync")
	if code != exitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	rooms, bookings := truthCounts(sim)
	if bookings == 0 {
		t.Fatal("the simulator has no bookings; the test would prove nothing")
	}
	got := map[string]string{
		"rooms":     summaryValue(t, out, "Rooms in the cache:"),
		"bookings":  summaryValue(t, out, "Bookings in the cache:"),
		"mailboxes": summaryValue(t, out, "Mailboxes:"),
	}
	want := map[string]string{"rooms": strconv.Itoa(rooms), "bookings": strconv.Itoa(bookings),
		"mailboxes": strconv.Itoa(rooms) + " ok, 0 failed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-truth +printed):\n%s\n%s", diff, out)
	}
	if n, err := strconv.Atoi(summaryValue(t, out, "Exchange requests:")); err != nil || n < rooms {
		t.Errorf("Exchange requests = %d, %v; want at least one per room", n, err)
	}
	// Without a terminal, progress comes as plain lines on stderr.
	if want := "synced " + strconv.Itoa(rooms) + "/" + strconv.Itoa(rooms) + " mailboxes"; !strings.Contains(errOut, want) || strings.Contains(errOut, "\r") {
		t.Errorf("stderr lacks the plain progress line %q:\n%q", want, errOut)
	}
	good := cachedBookings(t)

	// A wrong password: exit 1, a message that says what to do, and the
	// cache as it was.
	addSimIntegration(t, ts, "falsches Passwort")
	code, out, errOut = runStdin(t, "", "sync", "-quiet")
	if code != exitFailure {
		t.Fatalf("sync with a wrong password: exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
	}
	for _, want := range []string{`rejected the account CONTOSO\svc-roomboard (HTTP 401)`, "add -replace", "keeps its last good data"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, "falsches") {
		t.Error("the output repeats the password")
	}
	if got := summaryValue(t, out, "Bookings in the cache:"); got != strconv.Itoa(bookings) {
		t.Errorf("after the failure the summary shows %s bookings, want the cached %d", got, bookings)
	}
	if diff := cmp.Diff(good, cachedBookings(t)); diff != "" {
		t.Errorf("a failed sync changed the cache (-before +after):\n%s", diff)
	}
}

func TestSyncUsage(t *testing.T) {
	configHome(t)
	tests := []struct {
		args []string
		code int
		in   string
	}{
		{[]string{"sync", "-h"}, exitOK, "Examples:"},
		{[]string{"sync", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"sync"}, exitFailure, "no configuration file"},
		{[]string{"sync", "-id", "nosuch"}, exitFailure, `no integration "nosuch"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runStdin(t, "", tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.in) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, tc.code, errOut, tc.in)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until cond holds; the limit only bounds a hang.
func waitFor(t *testing.T, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, show())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSyncWatchPrintsChanges(t *testing.T) {
	// Exchange refuses subscriptions to delegates, so notifications need
	// impersonation (without it, -watch polls).
	sim, _ := syncRig(t, "-impersonation")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, []string{"sync", "-watch", "-quiet"})
	}()
	show := func() string { return out.String() + errOut.String() }
	waitFor(t, "the first sync", func() bool { return strings.Contains(out.String(), "Watching for changes") }, show)

	// Book free slots a few days ahead in the first room until a change
	// is printed: notifications start once the syncer has listed the rooms
	// again, so a change made before that is only seen at the next poll.
	rm := sim.Rooms()[0]
	// Keep the subject in the room's copy (Exchange's default replaces it
	// with the organizer's name).
	if err := sim.SetCalendarProcessing(rm.Address, ewstest.CalendarProcessing{}); err != nil {
		t.Fatal(err)
	}
	printed := func() bool {
		return strings.Contains(out.String(), rm.Name+": booked") && strings.Contains(out.String(), "Übergabe 交接")
	}
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
	for h := 0; h < 24 && !printed(); h++ {
		start := day.Add(time.Duration(h) * time.Hour)
		id, err := sim.AddBooking(rm.Address, ewstest.Booking{Subject: "Übergabe 交接", Start: start, End: start.Add(30 * time.Minute)})
		switch {
		case errors.Is(err, ewstest.ErrDeclined):
			if err := sim.CancelBooking(id); err != nil {
				t.Fatal(err)
			}
			continue
		case err != nil:
			t.Fatal(err)
		}
		for i := 0; i < 150 && !printed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(t, "the change to be printed", printed, show)
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("sync -watch after Ctrl-C: exit %d, want %d\n%s", code, exitOK, show())
	}
}
