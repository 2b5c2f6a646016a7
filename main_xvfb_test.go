package main

import (
	"bufio"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/kiosk"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

// needXvfb returns the paths of xvfb-run and import, skipping the test
// when either is missing, or failing it when env CI is set.
func needXvfb(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"xvfb-run", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is required under CI (apt install xvfb imagemagick)", tool)
			}
			tb.Skipf("%s is not installed (apt install xvfb imagemagick)", tool)
		}
	}
}

// buildRoomboard builds the real binary (cgo and OpenGL, as shipped) into
// a temporary directory.
func buildRoomboard(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "roomboard")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func readTrace(t *testing.T, path string) (demoTruth, []kiosk.TraceFrame) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var truth demoTruth
	var frames []kiosk.TraceFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var probe struct {
			Player string `json:"player"`
		}
		if err := json.Unmarshal(sc.Bytes(), &probe); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		if probe.Player == "truth" {
			if err := json.Unmarshal(sc.Bytes(), &truth); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var fr kiosk.TraceFrame
		if err := json.Unmarshal(sc.Bytes(), &fr); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, fr)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if truth.RoomID == "" {
		t.Fatal("the trace has no truth line")
	}
	return truth, frames
}

// TestKioskUnderXvfb runs `roomboard demo` (simulator, sync engine, hub and
// a kiosk paired through the admin API) full screen under Xvfb, takes the
// screenshots in docs/screenshots with scripts/screenshots.sh, and checks
// that the screen shows the schedule the sync engine's cache holds.
func TestKioskUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary under Xvfb")
	}
	needXvfb(t)
	bin := buildRoomboard(t)
	dir := t.TempDir()
	shots := []struct{ only, lang string }{
		{"room", "en"}, {"room", "zh-TW"}, {"room", "de"}, {"floor", "zh-TW"}, {"floor", "de"},
	}
	if err := os.MkdirAll(filepath.Join("docs", "screenshots"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range shots {
		name := s.only + "-" + s.lang
		t.Run(name, func(t *testing.T) {
			trace := filepath.Join(dir, name+".trace")
			out := filepath.Join("docs", "screenshots", name+".png")
			cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
				"scripts/screenshots.sh", "--one", bin, s.only, s.lang, trace, out)
			cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
			if b, err := cmd.CombinedOutput(); err != nil {
				log, _ := os.ReadFile(trace + ".log")
				t.Fatalf("screenshot: %v\n%s\n%s", err, b, log)
			}
			truth, frames := readTrace(t, trace)
			var last *kiosk.TraceFrame
			for i := range frames {
				if frames[i].Player == s.only && frames[i].Online && len(frames[i].Rooms) > 0 {
					last = &frames[i]
				}
			}
			if last == nil {
				t.Fatalf("no online %s frame in the trace (%d frames)", s.only, len(frames))
			}
			if last.Language != s.lang {
				t.Errorf("language %q, want %q", last.Language, s.lang)
			}
			if last.Dimmed {
				t.Error("the demo's screen is dimmed (office hours); the screenshot shows a dark screen")
			}
			img := readPNG(t, out)
			checkNotBlank(t, img)
			if s.only == "room" {
				checkRoomFrame(t, truth, *last)
				// The status colour fills the left part of the screen.
				want := kiosk.NewTheme(kiosk.Settings{}).StatusColor(statusOf(last.Rooms[0].Status))
				if share := colourShare(img, want); share < 0.25 {
					t.Errorf("the status colour %v covers %.0f%% of the screen, want ≥ 25%%", want, share*100)
				}
			} else {
				checkFloorFrame(t, truth, *last)
			}
		})
	}
}

// checkRoomFrame compares what the room player showed with the truth: the
// room's name, the current meeting and the next ones, as the display
// formats them at the frame's time.
func checkRoomFrame(t *testing.T, truth demoTruth, fr kiosk.TraceFrame) {
	t.Helper()
	got := fr.Rooms[0]
	if got.ID != truth.RoomID || got.Name != truth.Name {
		t.Errorf("room %q %q, want %q %q", got.ID, got.Name, truth.RoomID, truth.Name)
	}
	loc, err := time.LoadLocation(truth.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	l := i18n.New(fr.Language)
	now := fr.At
	y, m, d := now.In(loc).Date()
	endOfDay := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	type shown struct{ Range, Title string }
	title := func(b room.Booking) string { return b.Subject }
	var current *shown
	var next []shown
	bs := slices.Clone(truth.Bookings)
	slices.SortFunc(bs, func(a, b room.Booking) int { return a.Start.Compare(b.Start) })
	for _, b := range bs {
		end := b.End
		if !b.ReleasedAt.IsZero() && b.ReleasedAt.Before(end) {
			end = b.ReleasedAt
		}
		if b.Cancelled || !end.After(b.Start) || b.AllDay {
			continue
		}
		s := shown{l.Range(b.Start.In(loc), b.End.In(loc)), title(b)}
		if b.Private {
			s.Title = l.T("meeting.private")
		}
		switch {
		case !b.Start.After(now) && end.After(now):
			current = &s
		case b.Start.After(now) && b.Start.Before(endOfDay) && len(next) < 4:
			next = append(next, s)
		}
	}
	// The hub may mask subjects by policy; the times must match anyway.
	masked := map[string]bool{l.T("meeting.booked"): true, l.T("meeting.private"): true}
	toShown := func(m kiosk.TraceMeeting, want shown) shown {
		if masked[m.Title] {
			return shown{m.Range, want.Title}
		}
		return shown{m.Range, m.Title}
	}
	switch {
	case current == nil && got.Current != nil:
		t.Errorf("the screen shows meeting %+v, but the room is free", *got.Current)
	case current != nil && got.Current == nil:
		t.Errorf("the screen shows no meeting, want %+v", *current)
	case current != nil:
		if diff := cmp.Diff(*current, toShown(*got.Current, *current)); diff != "" {
			t.Errorf("current meeting (-want +got):\n%s", diff)
		}
	}
	var gotNext []shown
	for i, m := range got.Next {
		w := shown{}
		if i < len(next) {
			w = next[i]
		}
		gotNext = append(gotNext, toShown(m, w))
	}
	if diff := cmp.Diff(next, gotNext); diff != "" {
		t.Errorf("agenda at %s (-want +got):\n%s", now.In(loc).Format(time.Kitchen), diff)
	}
	if wantStatus := map[bool]string{true: "busy", false: "free"}[current != nil]; !strings.Contains(got.Status, wantStatus) &&
		!(current != nil && (got.Status == "awaiting-check-in" || got.Status == "checked-in" || got.Status == "ending-soon")) &&
		!(current == nil && (got.Status == "starting-soon" || got.Status == "released")) {
		t.Errorf("status %q with current meeting %v", got.Status, current)
	}
}

// checkFloorFrame checks that the floor player shows the rooms it was
// paired for, each with a status and a line.
func checkFloorFrame(t *testing.T, truth demoTruth, fr kiosk.TraceFrame) {
	t.Helper()
	if len(fr.Rooms) == 0 || len(fr.Rooms) > kiosk.PageSize {
		t.Fatalf("%d tiles", len(fr.Rooms))
	}
	for _, r := range fr.Rooms {
		if !slices.Contains(truth.FloorRooms, r.ID) {
			t.Errorf("tile %s (%q) is not one of the floor's rooms", r.ID, r.Name)
		}
		if r.Name == "" || r.Status == "" || r.Status == "unknown" || r.Detail == "" {
			t.Errorf("tile %+v is incomplete", r)
		}
	}
	if want := min(len(truth.FloorRooms), kiosk.PageSize); len(fr.Rooms) < want/2 {
		t.Errorf("%d tiles for %d rooms", len(fr.Rooms), len(truth.FloorRooms))
	}
}

func statusOf(s string) room.Status {
	for st := room.Status(0); st <= room.Released+1; st++ {
		if st.String() == s {
			return st
		}
	}
	return room.Status(-1)
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 800 {
		t.Errorf("%s is %v, want 1280×800", path, b)
	}
	return img
}

// checkNotBlank fails for a screenshot of one colour or nearly so.
func checkNotBlank(t *testing.T, img image.Image) {
	t.Helper()
	var n, sum, sq float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			v := float64(g)
			n, sum, sq = n+1, sum+v, sq+v*v
		}
	}
	if variance := sq/n - (sum/n)*(sum/n); variance < 100 {
		t.Errorf("the screenshot is blank: grey variance %.1f", variance)
	}
}

// colourShare is the share of pixels within a small distance of c.
func colourShare(img image.Image, c color.Color) float64 {
	cr, cg, cb, _ := c.RGBA()
	near := func(a, b uint32) bool { return a>>8 <= b>>8+6 && b>>8 <= a>>8+6 }
	var n, hit int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if near(r, cr) && near(g, cg) && near(bl, cb) {
				hit++
			}
		}
	}
	return float64(hit) / float64(n)
}
