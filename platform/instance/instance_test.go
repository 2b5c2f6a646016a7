package instance_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/roomboard/roomboard/platform/instance"
)

// The tests re-run the test binary as a second process: a lock that only
// excluded goroutines of one process would be useless. The child runs
// TestMain's helper instead of the tests when childEnv is set.
const childEnv = "ROOMBOARD_INSTANCE_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		child(mode)
		return
	}
	os.Exit(m.Run())
}

// child tries to acquire the lock and prints the outcome: "acquired" or
// "running". In "hold" mode it keeps the lock until stdin closes.
func child(mode string) {
	release, err := instance.Acquire(os.Getenv("ROOMBOARD_INSTANCE_NAME"))
	switch {
	case errors.Is(err, instance.ErrRunning):
		fmt.Println("running")
		os.Exit(0)
	case err != nil:
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("acquired")
	if mode == "hold" {
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
	release()
	os.Exit(0)
}

func childCmd(t *testing.T, mode, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "ROOMBOARD_INSTANCE_NAME="+name)
	return cmd
}

// tryInChild reports what a second process gets from Acquire(name).
func tryInChild(t *testing.T, name string) string {
	t.Helper()
	out, err := childCmd(t, "try", name).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// isolate gives the test its own lock directory.
func isolate(t *testing.T) {
	t.Setenv("ROOMBOARD_HOME", t.TempDir())
}

func TestSecondProcessIsRefused(t *testing.T) {
	isolate(t)
	release, err := instance.Acquire("kiosk")
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if got := tryInChild(t, "kiosk"); got != "running" {
		t.Errorf("second process while held: %q, want running", got)
	}
	// Another name is another lock.
	if got := tryInChild(t, "console"); got != "acquired" {
		t.Errorf("other name while kiosk is held: %q, want acquired", got)
	}
	// A second Acquire in the same process is refused as well.
	if _, err := instance.Acquire("kiosk"); !errors.Is(err, instance.ErrRunning) {
		t.Errorf("second Acquire in process: err = %v, want ErrRunning", err)
	}
	release()
	release() // harmless
	if got := tryInChild(t, "kiosk"); got != "acquired" {
		t.Errorf("second process after release: %q, want acquired", got)
	}
}

func TestKilledHolderDoesNotBlock(t *testing.T) {
	isolate(t)
	cmd := childCmd(t, "hold", "kiosk")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "acquired" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("holder said %q, want acquired", line)
	}
	if _, err := instance.Acquire("kiosk"); !errors.Is(err, instance.ErrRunning) {
		t.Fatalf("Acquire while a child holds it: err = %v, want ErrRunning", err)
	}

	// Kill is SIGKILL on Unix and TerminateProcess on Windows: the holder
	// gets no chance to clean up.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	release, err := instance.Acquire("kiosk")
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	release()
}

func TestAcquireRejectsBadNames(t *testing.T) {
	isolate(t)
	for _, name := range []string{"", ".", "..", "../kiosk", `a\b`, "kiosk lock", "Raum-Büro", "會議室", strings.Repeat("x", 65)} {
		if _, err := instance.Acquire(name); err == nil || errors.Is(err, instance.ErrRunning) {
			t.Errorf("Acquire(%q): err = %v, want an invalid-name error", name, err)
		}
	}
	if runtime.GOOS == "windows" {
		return
	}
	// A relative ROOMBOARD_HOME is refused, not used relative to the
	// working directory.
	t.Setenv("ROOMBOARD_HOME", "relative/dir")
	if _, err := instance.Acquire("kiosk"); err == nil {
		t.Errorf("Acquire with a relative ROOMBOARD_HOME succeeded")
	}
}
