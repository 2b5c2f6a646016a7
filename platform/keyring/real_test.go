package keyring_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roomboard/roomboard/platform/keyring"
)

// The tests in this file talk to a real Secret Service. They run only with
// ROOMBOARD_KEYRING_REAL=1, under the wrapper that provides a throwaway
// keyring:
//
//	ROOMBOARD_KEYRING_REAL=1 dbus-run-session -- scripts/with-keyring.sh \
//	    go test -count=1 -run SecretService ./platform/keyring
//
// Each one re-runs the test binary for its real work, because two pieces of
// process-global state would otherwise leak between tests: go-keyring's
// provider (MockInit replaces it for good) and godbus's cached session-bus
// connection (which ignores a later change of DBUS_SESSION_BUS_ADDRESS).

const childEnv = "ROOMBOARD_KEYRING_CHILD"

// realKeyring skips unless the real keyring test was asked for, and fails
// if it was asked for without the wrapper.
func realKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) != "" {
		return
	}
	// Deliberately not forced by CI=1: CI runs this test explicitly under
	// the wrapper, and `go test ./...` there has no keyring daemon.
	if os.Getenv("ROOMBOARD_KEYRING_REAL") != "1" {
		t.Skip("real Secret Service test; run: ROOMBOARD_KEYRING_REAL=1 dbus-run-session -- scripts/with-keyring.sh go test -count=1 -run SecretService ./platform/keyring")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("ROOMBOARD_KEYRING_REAL=1 but no D-Bus session bus; run the test under: dbus-run-session -- scripts/with-keyring.sh")
	}
}

// inChild runs the calling test again in a fresh test binary with extra
// environment and fails if the child fails. It reports true in the child,
// where the test must do its work.
func inChild(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv(childEnv) != "" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child did not run %s", t.Name())
	}
	return false
}

func TestSecretServiceRoundTrip(t *testing.T) {
	realKeyring(t)
	if !inChild(t) {
		return
	}
	ctx := context.Background()
	s := &keyring.Store{Timeout: 20 * time.Second}
	key := fmt.Sprintf("integration/realtest-%d/password", os.Getpid())

	if _, err := s.Get(ctx, key); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("Get before Set: err = %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, key, secretCJK); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got != secretCJK {
		t.Fatalf("Get = %q, want %q", got, secretCJK)
	}
	// Replacing must not leave a second item behind: after one Delete the
	// key must be gone.
	const second = "Zweitpasswort 第二個"
	if err := s.Set(ctx, key, second); err != nil {
		t.Fatalf("Set (replace): %v", err)
	}
	if got, err := s.Get(ctx, key); err != nil || got != second {
		t.Fatalf("Get after replace = %q, %v; want %q", got, err, second)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("second Delete: err = %v, want ErrNotFound", err)
	}
	t.Logf("round-tripped %d bytes of CJK/umlaut text through the Secret Service", len(secretCJK))
}

func TestSecretServiceUnavailable(t *testing.T) {
	realKeyring(t)
	nowhere := "unix:path=" + filepath.Join(os.TempDir(), fmt.Sprintf("roomboard-no-bus-%d", os.Getpid()))
	if !inChild(t, "DBUS_SESSION_BUS_ADDRESS="+nowhere) {
		return
	}
	err := (&keyring.Store{Timeout: 20 * time.Second}).Set(context.Background(), keyPassword, secretCJK)
	if !errors.Is(err, keyring.ErrUnavailable) {
		t.Fatalf("Set with DBUS_SESSION_BUS_ADDRESS=%s: err = %v, want ErrUnavailable", os.Getenv("DBUS_SESSION_BUS_ADDRESS"), err)
	}
	msg := err.Error()
	for _, want := range []string{keyPassword, "no OS keyring available", "Secret Service", "scripts/with-keyring.sh"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, secretCJK) {
		t.Errorf("error text contains the secret")
	}
	t.Logf("error shown to the admin: %v", err)
}
