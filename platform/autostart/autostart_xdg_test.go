//go:build linux || dragonfly || freebsd || netbsd || openbsd

package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readEntry parses the [Desktop Entry] group of a .desktop file.
func readEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	group := ""
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("line %q is not key=value", line)
			}
			if _, dup := keys[k]; dup {
				t.Fatalf("key %s twice", k)
			}
			keys[k] = v
		default:
			t.Fatalf("line %q outside [Desktop Entry]", line)
		}
	}
	return keys
}

func TestXDGEnableDisable(t *testing.T) {
	for _, tt := range argvCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", cfg)
			app := App{ID: "com.roomboard.kiosk", Name: `Raumanzeige Büro \ 會議室`, Exec: tt.args}
			if ok, err := Enabled(app.ID); ok || err != nil {
				t.Fatalf("Enabled before Enable = %v, %v", ok, err)
			}
			if err := Enable(app); err != nil {
				t.Fatalf("Enable: %v", err)
			}
			path := filepath.Join(cfg, "autostart", "com.roomboard.kiosk.desktop")
			keys := readEntry(t, path)
			if diff := cmp.Diff(tt.args, parseExec(t, keys["Exec"])); diff != "" {
				t.Errorf("Exec=%s (-want +got):\n%s", keys["Exec"], diff)
			}
			if got, want := keys["Name"], `Raumanzeige Büro \\ 會議室`; got != want {
				t.Errorf("Name=%s, want %s", got, want)
			}
			if keys["Type"] != "Application" {
				t.Errorf("Type=%s, want Application", keys["Type"])
			}
			if ok, err := Enabled(app.ID); !ok || err != nil {
				t.Errorf("Enabled after Enable = %v, %v", ok, err)
			}
			if err := Disable(app.ID); err != nil {
				t.Fatalf("Disable: %v", err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("entry still there after Disable: %v", err)
			}
			if ok, err := Enabled(app.ID); ok || err != nil {
				t.Errorf("Enabled after Disable = %v, %v", ok, err)
			}
			if err := Disable(app.ID); err != nil {
				t.Errorf("second Disable: %v", err)
			}
			if left, _ := os.ReadDir(filepath.Dir(path)); len(left) != 0 {
				t.Errorf("files left in autostart dir: %v", left)
			}
		})
	}
}

func TestXDGConfigHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct {
		name, xdg, want string
	}{
		{"absolute", filepath.Join(home, "cfg"), filepath.Join(home, "cfg", "autostart", "x.desktop")},
		{"unset", "", filepath.Join(home, ".config", "autostart", "x.desktop")},
		{"relative is ignored", "relative/cfg", filepath.Join(home, ".config", "autostart", "x.desktop")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			if err := Enable(App{ID: "x", Exec: []string{"/bin/true"}}); err != nil {
				t.Fatal(err)
			}
			defer Disable("x")
			if _, err := os.Stat(tt.want); err != nil {
				t.Errorf("entry not at %s: %v", tt.want, err)
			}
		})
	}
}

func TestXDGHiddenEntryIsDisabled(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	for _, extra := range []string{"Hidden=true\n", "X-GNOME-Autostart-enabled=false\n"} {
		path := filepath.Join(cfg, "autostart", "x.desktop")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("[Desktop Entry]\nType=Application\nExec=/bin/true\n"+extra), 0o644); err != nil {
			t.Fatal(err)
		}
		if ok, err := Enabled("x"); ok || err != nil {
			t.Errorf("Enabled with %q = %v, %v; want false", extra, ok, err)
		}
	}
}
