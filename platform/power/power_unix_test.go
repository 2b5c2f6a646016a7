//go:build linux || dragonfly || freebsd || netbsd || openbsd

package power_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/platform/power"
)

// privateBus starts a throwaway D-Bus session daemon for the test and
// points DBUS_SESSION_BUS_ADDRESS at it. It skips when dbus-daemon is not
// installed, unless CI is set.
func privateBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("dbus-daemon is required in CI (apt-get install dbus): %v", err)
		}
		t.Skip("dbus-daemon not installed")
	}
	// Not t.TempDir: a subtest's name may put a comma in it, which D-Bus
	// addresses use as a separator.
	dir, err := os.MkdirTemp("", "roomboard-dbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cmd := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:dir="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v: %s", err, stderr.String())
	}
	addr := strings.TrimSpace(line)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// fakeScreenSaver is the org.freedesktop.ScreenSaver interface of a
// desktop, recording the calls it gets.
type fakeScreenSaver struct {
	mu    sync.Mutex
	calls []string
	next  uint32
	gone  chan string // UnInhibit cookies
}

func (f *fakeScreenSaver) Inhibit(app, reason string) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.calls = append(f.calls, "Inhibit "+app+": "+reason)
	return f.next, nil
}

func (f *fakeScreenSaver) UnInhibit(cookie uint32) *dbus.Error {
	f.mu.Lock()
	f.calls = append(f.calls, "UnInhibit")
	f.mu.Unlock()
	if cookie != f.next {
		return dbus.MakeFailedError(errors.New("unknown cookie"))
	}
	f.gone <- "UnInhibit"
	return nil
}

func (f *fakeScreenSaver) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// exportScreenSaver claims org.freedesktop.ScreenSaver on the bus at addr.
func exportScreenSaver(t *testing.T, addr string) *fakeScreenSaver {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeScreenSaver{gone: make(chan string, 4)}
	if err := conn.Export(f, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.ScreenSaver", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v (reply %v)", err, reply)
	}
	return f
}

func waitUnInhibit(t *testing.T, f *fakeScreenSaver) {
	t.Helper()
	select {
	case <-f.gone:
	case <-time.After(10 * time.Second):
		t.Fatalf("no UnInhibit; calls: %q", f.log())
	}
}

func TestKeepAwakeInhibitsScreenSaver(t *testing.T) {
	f := exportScreenSaver(t, privateBus(t))
	t.Setenv("DISPLAY", "") // the xset fallback must not be what works

	release, err := power.KeepAwake(context.Background())
	if err != nil {
		t.Fatalf("KeepAwake: %v", err)
	}
	if diff := cmp.Diff([]string{"Inhibit Roomboard: Room display kiosk"}, f.log()); diff != "" {
		t.Errorf("calls while awake (-want +got):\n%s", diff)
	}
	release()
	release() // a second release is harmless
	waitUnInhibit(t, f)
	if diff := cmp.Diff([]string{"Inhibit Roomboard: Room display kiosk", "UnInhibit"}, f.log()); diff != "" {
		t.Errorf("calls after release (-want +got):\n%s", diff)
	}
}

func TestKeepAwakeReleasesWhenContextEnds(t *testing.T) {
	f := exportScreenSaver(t, privateBus(t))
	t.Setenv("DISPLAY", "")
	ctx, cancel := context.WithCancel(context.Background())
	release, err := power.KeepAwake(ctx)
	if err != nil {
		t.Fatalf("KeepAwake: %v", err)
	}
	defer release()
	cancel()
	waitUnInhibit(t, f)
}

// fakeXset puts an xset on PATH that appends its arguments to a log.
func fakeXset(t *testing.T) (logFile string) {
	t.Helper()
	dir := t.TempDir()
	logFile = filepath.Join(dir, "xset.log")
	script := "#!/bin/sh\necho \"$*\" >> '" + logFile + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "xset"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return logFile
}

func TestKeepAwakeFallsBack(t *testing.T) {
	noBus := "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
	tests := []struct {
		name    string
		bus     func(t *testing.T) string // the session bus address
		display string
		wantLog string // xset calls; "" when xset must not run
		wantErr bool
	}{
		{name: "no bus, X display", bus: func(*testing.T) string { return noBus }, display: ":7",
			wantLog: "s off -dpms\ns on +dpms\n"},
		{name: "bus without screen saver, X display", bus: privateBus, display: ":7",
			wantLog: "s off -dpms\ns on +dpms\n"},
		{name: "no bus, no display", bus: func(*testing.T) string { return noBus }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.bus(t))
			t.Setenv("DISPLAY", tt.display)
			logFile := fakeXset(t)

			release, err := power.KeepAwake(context.Background())
			if tt.wantErr {
				if !errors.Is(err, power.ErrUnsupported) {
					t.Fatalf("KeepAwake: err = %v, want ErrUnsupported", err)
				}
				// The admin reads this: it must name both ways tried.
				for _, want := range []string{"D-Bus", "DISPLAY"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not mention %s", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("KeepAwake: %v", err)
			}
			release()
			got, _ := os.ReadFile(logFile)
			if diff := cmp.Diff(tt.wantLog, string(got)); diff != "" {
				t.Errorf("xset calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeepAwakeCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := power.KeepAwake(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("KeepAwake(cancelled): err = %v, want context.Canceled", err)
	}
}
