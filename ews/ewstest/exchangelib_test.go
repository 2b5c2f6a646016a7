package ewstest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

// systemPython is Debian's interpreter, which sees the python3-exchangelib
// package; a python3 earlier on PATH (pyenv) usually does not.
const systemPython = "/usr/bin/python3"

// exchangelibUser and exchangelibPassword are a TEST FIXTURE for the
// in-process simulator, not a secret.
const (
	exchangelibUser     = "svc-roomboard@contoso.com"
	exchangelibPassword = "Raumbuchung-Test-2026"
)

// requireExchangelib skips the test when Debian's exchangelib is missing,
// except in CI, where the third-party check must not silently disappear.
func requireExchangelib(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, systemPython, "-c", "import exchangelib; print(exchangelib.__version__)").CombinedOutput()
	if err == nil {
		t.Logf("exchangelib %s", strings.TrimSpace(string(out)))
		return
	}
	msg := fmt.Sprintf("exchangelib check needs %s with python3-exchangelib (apt-get install -y python3-exchangelib): %v: %s",
		systemPython, err, bytes.TrimSpace(out))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// exchange records each request and the status of its answer, so that a
// failure shows exactly what exchangelib sent.
type exchange struct {
	Op       string
	Request  string
	Status   int
	Response string
}

type trafficLog struct {
	mu  sync.Mutex
	log []exchange
}

func (l *trafficLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, ewstest.MaxRequestBytes))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		l.mu.Lock()
		l.log = append(l.log, exchange{Op: r.Header.Get("SOAPAction"), Request: string(body), Status: rec.status, Response: rec.head.String()})
		l.mu.Unlock()
	})
}

// dump logs the recorded traffic, the failing exchanges in full.
func (l *trafficLog) dump(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.log {
		if e.Status == http.StatusOK {
			t.Logf("#%d %d %s", i, e.Status, e.Op)
			continue
		}
		t.Logf("#%d %d %s\n--- request:\n%s\n--- response:\n%s", i, e.Status, e.Op, e.Request, e.Response)
	}
}

// recordingWriter keeps the status and the first bytes of a response.
// Flush is passed on so GetStreamingEvents still streams.
type recordingWriter struct {
	http.ResponseWriter
	status int
	head   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if n := 4096 - w.head.Len(); n > 0 {
		w.head.Write(p[:min(n, len(p))])
	}
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// stepResult is one JSON line of exchangelib_check.py.
type stepResult struct {
	Step  string `json:"step"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Count int    `json:"count"`

	Addresses []string            `json:"addresses"`
	ByList    map[string][]string `json:"by_list"`
	FolderID  string              `json:"folder_id"`
	ItemID    string              `json:"item_id"`
	Subject   string              `json:"subject"`
	Gone      bool                `json:"gone"`
	Views     []struct {
		Mailbox   string `json:"mailbox"`
		Error     string `json:"error"`
		ViewType  string `json:"view_type"`
		MergedLen int    `json:"merged_len"`
		Events    int    `json:"events"`
	} `json:"views"`
	Room           string `json:"room"`
	Event          string `json:"event"`
	LiveEvent      string `json:"live_event"`
	SubscriptionID string `json:"subscription_id"`
}

type exchangelibArgs struct {
	url, mailbox, viewMailbox string
	start, end, meetingStart  time.Time
}

// runExchangelib starts the check script and calls onStep for every line it
// prints; after the create, update and delete steps the script waits until
// onStep returns, so onStep sees the simulator in that state.
func runExchangelib(t *testing.T, a exchangelibArgs, onStep func(stepResult)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
	defer cancel()
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	cmd := exec.CommandContext(ctx, systemPython, "testdata/exchangelib_check.py",
		"--url", a.url, "--user", exchangelibUser, "--password", exchangelibPassword,
		"--mailbox", a.mailbox, "--access-type", "delegate", "--view-mailbox", a.viewMailbox,
		"--start", rfc(a.start), "--end", rfc(a.end), "--meeting-start", rfc(a.meetingStart),
		"--stream-timeout", "60", "--pause")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start exchangelib check: %v", err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		var r stepResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Errorf("exchangelib check printed a non-JSON line %q: %v", sc.Text(), err)
			continue
		}
		t.Logf("exchangelib: %s", sc.Text())
		onStep(r)
		switch r.Step {
		case "create", "update", "delete":
			io.WriteString(stdin, "continue\n")
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("exchangelib check: %v\nstderr:\n%s", err, stderr.String())
	}
}

// TestExchangelib drives the simulator with exchangelib, an EWS client we
// did not write, through every operation Roomboard relies on, and checks
// each answer against the simulator's own state.
func TestExchangelib(t *testing.T) {
	requireExchangelib(t)
	xsdcheck.Require(t)
	sim := ewstest.New(ewstest.Options{
		Seed:      7,
		Auth:      ewstest.AuthBasic,
		Passwords: map[string]string{exchangelibUser: exchangelibPassword},
		// What exchangelib sends must be valid against Microsoft's schema,
		// or the simulator's strict mode would turn real clients away.
		Validate: xsdcheck.Envelope,
	})
	var traffic trafficLog
	ts := httptest.NewServer(traffic.wrap(sim))
	defer ts.Close()
	defer func() {
		if t.Failed() {
			traffic.dump(t)
		}
	}()

	start := sim.Now().UTC().Truncate(time.Hour)
	end := start.Add(7 * 24 * time.Hour)
	want := expectDirectory(sim)
	if len(want.rooms) == 0 {
		t.Fatal("simulator generated no rooms in room lists")
	}
	// exchangelib books the first room (sorted) for an hour the simulator
	// knows to be free, so the room accepts.
	room := want.rooms[0]
	meetingStart := freeHour(sim, room, start.Add(24*time.Hour))
	const organizer = exchangelibUser

	var created, updated stepResult
	seen := map[string]bool{}
	runExchangelib(t, exchangelibArgs{
		url: ts.URL + "/EWS/Exchange.asmx", mailbox: organizer, viewMailbox: room,
		start: start, end: end, meetingStart: meetingStart,
	}, func(r stepResult) {
		seen[r.Step] = true
		if !r.OK {
			t.Errorf("exchangelib step %s failed: %s", r.Step, r.Error)
			return
		}
		switch r.Step {
		case "roomlists":
			if diff := cmp.Diff(want.roomLists, r.Addresses); diff != "" {
				t.Errorf("room lists (-simulator +exchangelib):\n%s", diff)
			}
		case "rooms":
			if diff := cmp.Diff(want.byList, r.ByList); diff != "" {
				t.Errorf("rooms per list (-simulator +exchangelib):\n%s", diff)
			}
		case "calendar_folder":
			if r.FolderID == "" {
				t.Error("calendar folder has no id")
			}
		case "calendar_view":
			truth := sim.Truth(room, start, end)
			if len(truth) == 0 {
				t.Errorf("simulator has no meetings in %s between %v and %v; the view check needs some", room, start, end)
			}
			if r.Count != len(truth) {
				t.Errorf("calendar view of %s: exchangelib read %d items, simulator holds %d", room, r.Count, len(truth))
			}
		case "create":
			created = r
			o, ok := findOccurrence(sim.Truth(organizer, meetingStart, meetingStart.Add(time.Hour)), r.ItemID)
			if !ok {
				t.Errorf("created item %s is not in the organizer's calendar", r.ItemID)
				break
			}
			if o.Subject != exchangelibSubject || !o.Start.Equal(meetingStart) || !o.End.Equal(meetingStart.Add(time.Hour)) {
				t.Errorf("created item = %q %v–%v, want %q %v–%v", o.Subject, o.Start, o.End, exchangelibSubject, meetingStart, meetingStart.Add(time.Hour))
			}
			if r.Room != room {
				t.Errorf("exchangelib booked %q, want %q", r.Room, room)
			}
			if !roomHolds(sim, room, organizer, meetingStart) {
				t.Errorf("room %s did not accept the meeting at %v: %+v", room, meetingStart, sim.Truth(room, meetingStart, meetingStart.Add(time.Hour)))
			}
		case "update":
			updated = r
			o, ok := findOccurrence(sim.Truth(organizer, meetingStart, meetingStart.Add(2*time.Hour)), r.ItemID)
			if !ok {
				t.Errorf("updated item %s is not in the organizer's calendar", r.ItemID)
				break
			}
			if want := meetingStart.Add(90 * time.Minute); o.Subject != r.Subject || !strings.HasSuffix(o.Subject, "verschoben") || !o.End.Equal(want) {
				t.Errorf("updated item = %q ending %v, want %q ending %v", o.Subject, o.End, r.Subject, want)
			}
			if c, ok := roomCopy(sim, room, organizer, meetingStart); !ok || !c.End.Equal(meetingStart.Add(90*time.Minute)) {
				t.Errorf("room %s copy after the update = %+v (found %v), want it to end at %v", room, c, ok, meetingStart.Add(90*time.Minute))
			}
		case "delete":
			if _, ok := findOccurrence(sim.Truth(organizer, meetingStart, meetingStart.Add(2*time.Hour)), r.ItemID); ok {
				t.Errorf("deleted item %s is still in the organizer's calendar", r.ItemID)
			}
			if roomHolds(sim, room, organizer, meetingStart) {
				t.Errorf("room %s still holds the cancelled meeting at %v", room, meetingStart)
			}
			if !r.Gone {
				t.Error("exchangelib could still read the deleted item")
			}
		case "availability":
			if r.Count != len(r.Views) || r.Count == 0 {
				t.Errorf("availability: %d views for %d mailboxes", r.Count, len(r.Views))
			}
			slots := int(end.Sub(start) / (30 * time.Minute))
			for _, v := range r.Views {
				if v.Error != "" {
					t.Errorf("availability of %s: %s", v.Mailbox, v.Error)
					continue
				}
				if v.MergedLen != slots {
					t.Errorf("availability of %s: MergedFreeBusy has %d slots, want %d", v.Mailbox, v.MergedLen, slots)
				}
				if n := len(sim.Truth(v.Mailbox, start, end)); v.Events != n {
					t.Errorf("availability of %s: %d calendar events, simulator holds %d", v.Mailbox, v.Events, n)
				}
			}
		case "streaming":
			if r.Event == "" || r.LiveEvent == "" {
				t.Errorf("streaming: queued event %q, live event %q; want both", r.Event, r.LiveEvent)
			}
			for _, sub := range sim.Subscriptions() {
				if sub.ID == r.SubscriptionID {
					t.Errorf("subscription %s still live after exchangelib unsubscribed", sub.ID)
				}
			}
		}
	})
	for _, step := range []string{"connect", "roomlists", "rooms", "calendar_folder", "calendar_view", "create", "update", "delete", "availability", "streaming"} {
		if !seen[step] {
			t.Errorf("exchangelib never reported step %s", step)
		}
	}
	if created.ItemID != "" && updated.ItemID != "" && created.ItemID != updated.ItemID {
		t.Errorf("UpdateItem changed the item id from %s to %s", created.ItemID, updated.ItemID)
	}
}

// exchangelibSubject is the subject exchangelib_check.py gives its meeting.
const exchangelibSubject = "Quartalsplanung Büro Zürich / 北京辦公室 (exchangelib)"

type directoryWant struct {
	roomLists []string            // sorted room list addresses
	byList    map[string][]string // sorted room addresses per room list
	rooms     []string            // sorted addresses of rooms in some list
}

// expectDirectory is what GetRoomLists and GetRooms should report,
// according to the simulator's Go API.
func expectDirectory(sim *ewstest.Server) directoryWant {
	w := directoryWant{byList: map[string][]string{}}
	for _, rl := range sim.RoomLists() {
		w.roomLists = append(w.roomLists, rl.Address)
		w.byList[rl.Address] = []string{}
	}
	inList := map[string]bool{}
	for _, r := range sim.Rooms() {
		for _, rl := range r.RoomLists {
			w.byList[rl] = append(w.byList[rl], r.Address)
			if !inList[r.Address] {
				inList[r.Address] = true
				w.rooms = append(w.rooms, r.Address)
			}
		}
	}
	sort.Strings(w.roomLists)
	sort.Strings(w.rooms)
	for _, l := range w.byList {
		sort.Strings(l)
	}
	return w
}

// freeHour returns the first whole hour at or after from from which room has
// nothing booked for the next 90 minutes.
func freeHour(sim *ewstest.Server, room string, from time.Time) time.Time {
	t := from.Truncate(time.Hour)
	for i := 0; i < 24*14; i++ {
		// The script later extends the meeting to 90 minutes; the room
		// would decline that update if the extra half hour were taken,
		// so the whole span must be free.
		if len(sim.Truth(room, t, t.Add(90*time.Minute))) == 0 {
			return t
		}
		t = t.Add(time.Hour)
	}
	return t
}

func findOccurrence(occs []ewstest.Occurrence, id string) (ewstest.Occurrence, bool) {
	for _, o := range occs {
		if o.ItemID == id {
			return o, true
		}
	}
	return ewstest.Occurrence{}, false
}

// roomHolds reports whether room's calendar has a live meeting of organizer
// starting at start.
func roomHolds(sim *ewstest.Server, room, organizer string, start time.Time) bool {
	_, ok := roomCopy(sim, room, organizer, start)
	return ok
}

// roomCopy returns room's live copy of organizer's meeting starting at start.
func roomCopy(sim *ewstest.Server, room, organizer string, start time.Time) (ewstest.Occurrence, bool) {
	for _, o := range sim.Truth(room, start, start.Add(time.Minute)) {
		if o.Start.Equal(start) && strings.EqualFold(o.Organizer, organizer) && !o.IsCancelled {
			return o, true
		}
	}
	return ewstest.Occurrence{}, false
}
