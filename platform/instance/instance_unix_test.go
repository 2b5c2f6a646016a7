//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package instance_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/roomboard/roomboard/platform/instance"
)

func TestLockFileLocation(t *testing.T) {
	home, runtimeDir := t.TempDir(), t.TempDir()
	tests := []struct {
		name, home, runtimeDir, want string
	}{
		{"ROOMBOARD_HOME wins", home, runtimeDir, filepath.Join(home, "kiosk.lock")},
		{"XDG runtime dir", "", runtimeDir, filepath.Join(runtimeDir, "roomboard", "kiosk.lock")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ROOMBOARD_HOME", tt.home)
			t.Setenv("XDG_RUNTIME_DIR", tt.runtimeDir)
			release, err := instance.Acquire("kiosk")
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			defer release()
			b, err := os.ReadFile(tt.want)
			if err != nil {
				t.Fatalf("lock file: %v", err)
			}
			if got, want := strings.TrimSpace(string(b)), strconv.Itoa(os.Getpid()); got != want {
				t.Errorf("lock file holds %q, want our PID %s", got, want)
			}
		})
	}
}
