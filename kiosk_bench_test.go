//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store/devicecache"
	"github.com/roomboard/roomboard/kiosk"
)

// The kiosk benchmarks run a kiosk process under Xvfb with the real Fyne
// driver (cgo, OpenGL): this test binary re-executed in the mode named by
// benchChildEnv, doing what a kiosk does at start — open the offline
// cache, start the hub client against the hub URL and show a room player —
// with a hub URL where nothing listens, so the screen can only come from
// the cache. (There is no `roomboard kiosk` command yet; when there is,
// these should start it instead.)

const benchChildEnv = "ROOMBOARD_BENCH_KIOSK" // "coldstart", "idle" or "updates"

const benchRoomID = "room-zrh-saentis@contoso.com"

// benchRoom is a room with a day of meetings around now.
func benchRoom(now time.Time, shift int) hubproto.RoomView {
	loc, _ := time.LoadLocation("Europe/Zurich")
	day := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	rv := hubproto.RoomView{ID: benchRoomID, Name: "Sitzungszimmer Säntis", Kind: "room", Capacity: 10,
		Building: "Zürich HQ", Floor: "3", TimeZone: "Europe/Zurich", Equipment: []string{"Display", "Video"},
		From: day, To: day.AddDate(0, 0, 7), SyncedAt: now}
	for h := 8; h < 18; h += 2 {
		s := day.Add(time.Duration(h)*time.Hour + time.Duration(shift%60)*time.Minute)
		rv.Bookings = append(rv.Bookings, hubproto.BookingView{ID: fmt.Sprint("b", h), Subject: fmt.Sprint("Besprechung ", h, " · 會議 ", shift),
			Organizer: "Jürgen Weiß", Start: s, End: s.Add(45 * time.Minute)})
	}
	return rv
}

// TestMain runs the benchmarks' kiosk process when benchChildEnv is set:
// Fyne's OpenGL driver must own the main goroutine, which tests do not run
// on.
func TestMain(m *testing.M) {
	if mode := os.Getenv(benchChildEnv); mode != "" {
		if err := benchChild(mode); err != nil {
			fmt.Fprintln(os.Stderr, "bench kiosk:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchChild is the kiosk process of the benchmarks.
func benchChild(mode string) error {
	dir := os.Getenv("ROOMBOARD_BENCH_DIR")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cache, err := devicecache.Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		return err
	}
	defer cache.Close()
	c, err := hubclient.New(hubclient.Options{HubURL: "https://127.0.0.1:1", Token: "bench-token", Cache: cache,
		PinSHA256: strings.Repeat("ab", 32), Version: version})
	if err != nil {
		return err
	}
	trace, err := os.Create(filepath.Join(dir, "trace.jsonl"))
	if err != nil {
		return err
	}
	defer trace.Close()
	var frames atomic.Int64
	write := kiosk.JSONLinesTrace(trace)
	s := kiosk.Settings{Language: "de", OfficeHours: kiosk.OfficeHours{Outside: kiosk.OffHoursOn},
		Trace: func(f kiosk.TraceFrame) { write(f); frames.Add(1) }}
	if fonts, err := kiosk.LocateCJKFonts("de"); err == nil {
		s.Fonts = fonts
	}
	a := newFyneApp("com.roomboard.bench")
	a.Settings().SetTheme(kiosk.NewTheme(s))
	w := a.NewWindow("bench")
	w.SetPadded(false)
	w.Resize(fyne.NewSize(1280, 800))
	p := kiosk.NewRoomPlayer(c, benchRoomID, kiosk.SystemClock{}, s)
	w.SetContent(p.Object())
	w.Show()
	go func() {
		_ = c.Run(ctx, func(st hubclient.State) {
			p.Update(kiosk.State{Rooms: st.Rooms, Online: st.Online, Since: st.Since})
		})
	}()
	if mode == "updates" {
		go func() {
			defer fyne.Do(a.Quit)
			for frames.Load() < 2 {
				time.Sleep(10 * time.Millisecond)
			}
			now := time.Now()
			// More than one round (updates, then a quiet settle) shows
			// whether memory freed by one round is reused by the next.
			for r := 1; r < benchEnvInt("ROOMBOARD_BENCH_ROUNDS", 1); r++ {
				benchUpdates(p, &frames, now)
				rss, _ := vmRSS("self")
				time.Sleep(time.Duration(benchEnvInt("ROOMBOARD_BENCH_SETTLE_S", 75)) * time.Second)
				debug.FreeOSMemory()
				settled, _ := vmRSS("self")
				fmt.Fprintf(os.Stderr, "round %d: RSS %d KiB, after the settle %d KiB\n", r, rss, settled)
			}
			benchUpdates(p, &frames, now)
			rss, _ := vmRSS("self")
			// Fyne keeps a text's texture for a minute after its last use:
			// the RSS after a quiet 75 s tells a cache from a leak.
			time.Sleep(time.Duration(benchEnvInt("ROOMBOARD_BENCH_SETTLE_S", 75)) * time.Second)
			debug.FreeOSMemory()
			settled, _ := vmRSS("self")
			if path := os.Getenv("ROOMBOARD_BENCH_HEAPPROFILE"); path != "" {
				if f, err := os.Create(path); err == nil {
					_ = pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			if path := os.Getenv("ROOMBOARD_BENCH_SMAPS"); path != "" {
				if b, err := os.ReadFile("/proc/self/smaps"); err == nil {
					_ = os.WriteFile(path, b, 0o644)
				}
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("RSS_KIB %d FRAMES %d SETTLED_KIB %d GOHEAP_KIB %d\n", rss, frames.Load(), settled, ms.HeapInuse>>10)
		}()
	}
	a.Run()
	return nil
}

// benchUpdates feeds the room player ROOMBOARD_BENCH_UPDATES (10,000)
// updates, each rendered before the next.
func benchUpdates(p *kiosk.RoomPlayer, frames *atomic.Int64, now time.Time) {
	for i := range benchEnvInt("ROOMBOARD_BENCH_UPDATES", 10000) {
		before := frames.Load()
		p.Update(kiosk.State{Rooms: []hubproto.RoomView{benchRoom(now, i)}, Online: i%500 < 450, Since: now})
		// Wait until this update is rendered, so that all are.
		for frames.Load() == before {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// benchEnvInt reads a positive integer from env name, or def: quicker
// iterations (fewer updates, a shorter settle) while investigating.
func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// vmRSS reads VmRSS (KiB) of pid ("self" for this process).
func vmRSS(pid string) (int, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%s/status", pid)
}

// cpuTicks is utime+stime of pid from /proc/PID/stat, in clock ticks.
func cpuTicks(tb testing.TB, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// startBenchKiosk fills an offline cache and starts the child kiosk in
// mode under Xvfb; it returns the child's command and the trace path.
func startBenchKiosk(b *testing.B, mode string) (*exec.Cmd, string, time.Time, <-chan string) {
	b.Helper()
	if _, err := exec.LookPath("xvfb-run"); err != nil {
		b.Skip("xvfb-run is not installed")
	}
	if testing.Short() {
		b.Skip("starts a kiosk under Xvfb")
	}
	dir := b.TempDir()
	ctx := context.Background()
	cache, err := devicecache.Open(ctx, filepath.Join(dir, "kiosk.db"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	snap := hubproto.Snapshot{Protocol: hubproto.Version, Seq: 42, GeneratedAt: now.Add(-10 * time.Minute),
		Hub: hubproto.HubInfo{Name: "bench hub"}, Rooms: []hubproto.RoomView{benchRoom(now, 0)}}
	if err := cache.SaveSnapshot(ctx, snap); err != nil {
		b.Fatal(err)
	}
	cache.Close()
	trace := filepath.Join(dir, "trace.jsonl")
	start := time.Now()
	cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1280x800x24", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, "ROOMBOARD_BENCH_DIR="+dir, "LANG=en_US.UTF-8")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // to stop xvfb-run, Xvfb and the kiosk together
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() { // the child's report
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "RSS_KIB") {
				lines <- line
			}
		}
		close(lines)
	}()
	b.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
	})
	return cmd, trace, start, lines
}

// waitFirstFrame waits (bounded) for the trace's first frame with the room.
func waitFirstFrame(b *testing.B, trace string, limit time.Duration) time.Time {
	b.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(trace); err == nil && strings.Contains(string(data), `"status":"`) {
			return time.Now()
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("no frame from the cache within %v", limit)
	return time.Time{}
}

// BenchmarkKioskColdStart measures from starting the kiosk process (under
// xvfb-run, which adds the X server's start) to its first schedule frame
// rendered from the offline cache, with the hub unreachable.
func BenchmarkKioskColdStart(b *testing.B) {
	for range b.N {
		_, trace, start, _ := startBenchKiosk(b, "coldstart")
		first := waitFirstFrame(b, trace, 60*time.Second)
		b.ReportMetric(float64(first.Sub(start).Milliseconds()), "ms-to-first-frame")
	}
}

// BenchmarkKioskIdleCPU measures the CPU time of an idle room player (the
// clock ticking, the hub unreachable) over 30 s, as % of one core.
func BenchmarkKioskIdleCPU(b *testing.B) {
	for range b.N {
		cmd, trace, _, _ := startBenchKiosk(b, "idle")
		waitFirstFrame(b, trace, 60*time.Second)
		pid := childPID(b, cmd.Process.Pid)
		time.Sleep(3 * time.Second) // settle
		t0, c0 := time.Now(), cpuTicks(b, pid)
		time.Sleep(30 * time.Second)
		t1, c1 := time.Now(), cpuTicks(b, pid)
		const ticksPerSecond = 100 // USER_HZ on Linux
		b.ReportMetric(float64(c1-c0)/ticksPerSecond/t1.Sub(t0).Seconds()*100, "%cpu")
		if rss, err := vmRSS(strconv.Itoa(pid)); err == nil {
			b.ReportMetric(float64(rss), "idle-rss-KiB")
		}
	}
}

// BenchmarkKioskRSSAfterUpdates feeds 10,000 updates, each rendered, to a
// room player and reports its VmRSS.
func BenchmarkKioskRSSAfterUpdates(b *testing.B) {
	for range b.N {
		_, trace, _, lines := startBenchKiosk(b, "updates")
		waitFirstFrame(b, trace, 60*time.Second)
		select {
		case line, ok := <-lines:
			if !ok {
				b.Fatal("the kiosk ended without reporting")
			}
			var rss, frames, settled, heap int
			if _, err := fmt.Sscanf(line, "RSS_KIB %d FRAMES %d SETTLED_KIB %d GOHEAP_KIB %d", &rss, &frames, &settled, &heap); err != nil {
				b.Fatalf("report %q: %v", line, err)
			}
			b.ReportMetric(float64(rss), "rss-KiB")
			b.ReportMetric(float64(settled), "rss-after-75s-KiB")
			b.ReportMetric(float64(heap), "go-heap-after-75s-KiB")
			b.ReportMetric(float64(frames), "frames")
		case <-time.After(5 * time.Minute):
			b.Fatal("10,000 updates took over 5 minutes")
		}
	}
}

// childPID finds the test binary under xvfb-run: the descendant of pid
// whose command line is this test binary's.
func childPID(b *testing.B, pid int) int {
	b.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n == pid || n == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n))
		env := string(cmdline)
		if strings.Contains(env, "-test.run=^$") && strings.Contains(env, os.Args[0]) && !strings.Contains(env, "xvfb-run") && !strings.HasPrefix(env, "/bin/sh") {
			return n
		}
	}
	b.Fatal("cannot find the kiosk process")
	return 0
}
