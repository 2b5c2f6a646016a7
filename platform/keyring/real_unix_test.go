//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/roomboard/roomboard/platform/keyring"
)

// TestSecretServiceLocked locks the throwaway login keyring through the
// Secret Service API and checks that a Get then fails with ErrLocked
// instead of hanging: the wrapper's session has no prompter that could ask
// for the password, as on a headless hub.
func TestSecretServiceLocked(t *testing.T) {
	realKeyring(t)
	if !inChild(t) {
		return
	}
	ctx := context.Background()
	s := &keyring.Store{Timeout: 20 * time.Second}
	key := fmt.Sprintf("integration/locktest-%d/password", os.Getpid())
	if err := s.Set(ctx, key, secretCJK); err != nil {
		t.Fatalf("Set: %v", err)
	}

	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{"/org/freedesktop/secrets/aliases/default"}).Store(&locked, &prompt); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if len(locked) == 0 {
		t.Fatalf("Lock locked nothing (prompt %s)", prompt)
	}

	_, err = s.Get(ctx, key)
	if !errors.Is(err, keyring.ErrLocked) {
		t.Fatalf("Get from a locked keyring: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "nlock") {
		t.Errorf("error %q does not say how to unlock", err)
	}
	t.Logf("error shown to the admin: %v", err)
}
