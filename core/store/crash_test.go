package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/room"
)

// crashEnv switches TestCrashSafety into the child role: it names the
// database the child syncs into until it is killed.
const crashEnv = "ROOMBOARD_STORE_CRASH_CHILD_DB"

// crashBase is where the crash test's bookings start.
var crashBase = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// crashBatch is the n-th batch (n ≥ 1) a fake sync applies: new bookings,
// an update, a delete, and a create repeated for an item already stored,
// which a source may send after a resync and must not duplicate.
func crashBatch(n int) []Change {
	var cs []Change
	for k := range 8 {
		cs = append(cs, Change{Op: OpCreate, Booking: crashBooking(n, k, "")})
	}
	if n > 1 {
		cs = append(cs, Change{Op: OpUpdate, Booking: crashBooking(n-1, 0, fmt.Sprintf(" – geändert in %d", n))})
		cs = append(cs, Change{Op: OpCreate, Booking: crashBooking(n-1, 2, "")})
	}
	if n > 3 {
		cs = append(cs, Change{Op: OpDelete, Booking: room.Booking{SourceID: crashSourceID(n-3, 1)}})
	}
	return cs
}

func crashSourceID(n, k int) string { return fmt.Sprintf("AAMkAGI2-%06d-%d", n, k) }

func crashBooking(n, k int, suffix string) room.Booking {
	start := crashBase.Add(time.Duration(n*8+k) * 15 * time.Minute)
	return room.Booking{
		RoomID: saal, SourceID: crashSourceID(n, k), ChangeKey: fmt.Sprintf("CK-%d-%d%s", n, k, suffix),
		ICalUID: fmt.Sprintf("uid-%d-%d", n, k), Subject: fmt.Sprintf("Besprechung %d/%d 會議%s", n, k, suffix),
		Organizer: room.Mailbox{Name: "李娜", Email: "li.na@contoso.com"},
		Attendees: []room.Attendee{{Name: "Jürgen Groß", Email: "juergen.gross@contoso.com", Response: room.ResponseAccepted}},
		Start:     start, End: start.Add(15 * time.Minute), Updated: crashBase,
	}
}

func crashState(n int) SyncState {
	return SyncState{Integration: "onprem", State: fmt.Sprintf("batch-%06d", n), LastSuccess: crashBase}
}

// crashChild is the killed process: it opens the database, resumes from
// the stored sync state and applies batches until it is killed. It prints
// "applied" once its first batch is committed.
func crashChild(path string) error {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		return err
	}
	if err := db.UpsertRoomLists(ctx, testLists); err != nil {
		return err
	}
	if err := db.UpsertRooms(ctx, testRooms); err != nil {
		return err
	}
	n := 0
	st, err := db.SyncState(ctx, saal)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(strings.TrimPrefix(st.State, "batch-")); err != nil {
			return fmt.Errorf("stored state %q: %w", st.State, err)
		}
	}
	// The bound only matters if the parent died without killing us.
	stop := time.Now().Add(2 * time.Minute)
	for i := n + 1; time.Now().Before(stop); i++ {
		if err := db.ApplyBookingChanges(ctx, saal, crashBatch(i), crashState(i)); err != nil {
			return err
		}
		if i == n+1 {
			fmt.Println("applied")
		}
	}
	return nil
}

// TestCrashSafety kills a syncing subprocess with SIGKILL at random points,
// many times. After each kill the database must reopen consistent, hold
// exactly the bookings of the batches its sync state says were applied
// (each batch all or nothing, no duplicates), and the next run resumes
// from there.
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		if err := crashChild(path); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 4))
	path := filepath.Join(t.TempDir(), "crash.db")
	model := map[string]room.Booking{}
	applied := 0
	const rounds = 30
	deadline := time.Now().Add(90 * time.Second)
	done := 0
	for ; done < rounds && time.Now().Before(deadline); done++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Most kills land in the middle of the batch loop; some land
		// while the child opens or migrates the database.
		if rng.IntN(4) > 0 {
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "applied\n" {
				cmd.Wait()
				t.Fatalf("round %d: child said %q (%v), stderr:\n%s", done, line, err, stderr.String())
			}
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		} else {
			time.Sleep(time.Duration(rng.IntN(60_000)) * time.Microsecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if strings.Contains(stderr.String(), "crash child:") {
			t.Fatalf("round %d: child failed before the kill:\n%s", done, stderr.String())
		}
		applied = checkAfterCrash(t, path, model, applied)
		t.Logf("round %d: %d batches applied, %d bookings", done, applied, len(model))
	}
	if done < rounds/2 || applied == 0 {
		t.Errorf("only %d rounds and %d batches before the deadline", done, applied)
	}
}

// checkAfterCrash reopens the database and compares it with model advanced
// to the batch its sync state names; it returns that batch number.
func checkAfterCrash(t *testing.T, path string, model map[string]room.Booking, applied int) int {
	t.Helper()
	ctx := context.Background()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return applied // killed before the file was created
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("integrity after kill: %v", err)
	}
	n := 0
	if st, err := db.SyncState(ctx, saal); err == nil {
		if n, err = strconv.Atoi(strings.TrimPrefix(st.State, "batch-")); err != nil {
			t.Fatalf("stored state %q", st.State)
		}
	} else if !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if n < applied {
		t.Fatalf("sync state went back from batch %d to %d: a committed batch was lost", applied, n)
	}
	for i := applied + 1; i <= n; i++ {
		for _, c := range crashBatch(i) {
			id := c.Booking.SourceID
			if c.Op == OpDelete {
				delete(model, id)
				continue
			}
			b := c.Booking
			b.ID = BookingID(saal, id)
			model[id] = b
		}
	}
	want := make([]room.Booking, 0, len(model))
	for _, b := range model {
		want = append(want, b)
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Start.Before(want[j].Start) })
	got, err := db.BookingsBetween(ctx, saal, crashBase.Add(-time.Hour), crashBase.Add(100*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Fatalf("after batch %d the cache differs from batches 1…%d applied once each (-want +got):\n%s", n, n, diff)
	}
	return n
}
