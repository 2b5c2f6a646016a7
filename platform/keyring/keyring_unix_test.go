//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"testing"

	dbus "github.com/godbus/dbus/v5"
)

// TestClassifyDBusErrors feeds classifyOS the errors go-keyring passes
// through from godbus, as listed in ../shared/reference/TOOLCHAIN.md §6.
func TestClassifyDBusErrors(t *testing.T) {
	tests := []struct {
		name string
		in   error
		want error
	}{
		{"no bus address, no dbus-launch", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrUnavailable},
		{"bus address points nowhere", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")}, ErrUnavailable},
		{"godbus plain error", errors.New("dbus: authentication failed"), ErrUnavailable},
		{"no Secret Service on the bus", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
			Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable},
		{"no default collection", dbus.Error{Name: "org.freedesktop.Secret.Error.NoSuchObject"}, ErrUnavailable},
		{"locked item", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrLocked},
		{"unlock prompt dismissed", fmt.Errorf("failed to unlock correct collection '%v'", "/org/freedesktop/secrets/aliases/default"), ErrLocked},
		{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"}, ErrTimeout},
		{"other D-Bus error", dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, nil},
		{"other error", errors.New("unexpected"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classifyOS(tc.in); got != tc.want {
				t.Errorf("classifyOS(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
