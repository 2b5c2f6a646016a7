package paths

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		scope   Scope
		env     map[string]string
		home    string
		want    Dirs
		wantErr string
	}{
		{"linux user defaults", "linux", User, nil, "/home/jürgen",
			Dirs{"/home/jürgen/.config/roomboard", "/home/jürgen/.local/share/roomboard", "/home/jürgen/.local/state/roomboard"}, ""},
		{"linux user XDG", "linux", User, map[string]string{"XDG_CONFIG_HOME": "/cfg", "XDG_DATA_HOME": "/data", "XDG_STATE_HOME": "/state"}, "/home/u",
			Dirs{"/cfg/roomboard", "/data/roomboard", "/state/roomboard"}, ""},
		{"linux relative XDG ignored", "linux", User, map[string]string{"XDG_CONFIG_HOME": "cfg"}, "/home/u",
			Dirs{"/home/u/.config/roomboard", "/home/u/.local/share/roomboard", "/home/u/.local/state/roomboard"}, ""},
		{"linux root", "linux", System, map[string]string{"XDG_DATA_HOME": "/ignored"}, "/root",
			Dirs{"/etc/roomboard", "/var/lib/roomboard", "/var/log/roomboard"}, ""},
		{"linux no home", "linux", User, nil, "", Dirs{}, "home directory"},
		{"freebsd like linux", "freebsd", System, nil, "",
			Dirs{"/etc/roomboard", "/var/lib/roomboard", "/var/log/roomboard"}, ""},
		{"home overrides", "linux", System, map[string]string{EnvHome: "/srv/rb", "XDG_DATA_HOME": "/x"}, "/root",
			Dirs{"/srv/rb", "/srv/rb", "/srv/rb/log"}, ""},
		{"relative home refused", "linux", User, map[string]string{EnvHome: "rb"}, "/home/u", Dirs{}, "absolute"},
		{"macOS user", "darwin", User, nil, "/Users/lǚ",
			Dirs{"/Users/lǚ/Library/Application Support/Roomboard", "/Users/lǚ/Library/Application Support/Roomboard", "/Users/lǚ/Library/Logs/Roomboard"}, ""},
		{"macOS system", "darwin", System, nil, "",
			Dirs{"/Library/Application Support/Roomboard", "/Library/Application Support/Roomboard", "/Library/Logs/Roomboard"}, ""},
		{"windows service", "windows", System, map[string]string{"ProgramData": `D:\ProgramData`}, "",
			Dirs{`D:\ProgramData\Roomboard`, `D:\ProgramData\Roomboard`, `D:\ProgramData\Roomboard\log`}, ""},
		{"windows service without env", "windows", System, nil, "",
			Dirs{`C:\ProgramData\Roomboard`, `C:\ProgramData\Roomboard`, `C:\ProgramData\Roomboard\log`}, ""},
		{"windows console", "windows", User, map[string]string{"APPDATA": `C:\Users\Zoë\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\Zoë\AppData\Local`}, "",
			Dirs{`C:\Users\Zoë\AppData\Roaming\Roomboard`, `C:\Users\Zoë\AppData\Local\Roomboard`, `C:\Users\Zoë\AppData\Local\Roomboard\log`}, ""},
		{"windows console from profile", "windows", User, map[string]string{"USERPROFILE": `C:\Users\王小明`}, "",
			Dirs{`C:\Users\王小明\AppData\Roaming\Roomboard`, `C:\Users\王小明\AppData\Local\Roomboard`, `C:\Users\王小明\AppData\Local\Roomboard\log`}, ""},
		{"windows nothing set", "windows", User, nil, "", Dirs{}, "APPDATA"},
		{"windows home override", "windows", System, map[string]string{EnvHome: `E:\rb\`}, "",
			Dirs{`E:\rb\`, `E:\rb\`, `E:\rb\log`}, ""},
		{"windows UNC home", "windows", User, map[string]string{EnvHome: `\\nas\rb`}, "",
			Dirs{`\\nas\rb`, `\\nas\rb`, `\\nas\rb\log`}, ""},
		{"windows posix home refused", "windows", User, map[string]string{EnvHome: `/rb`}, "", Dirs{}, "absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolve(tc.goos, tc.scope, func(k string) string { return tc.env[k] }, tc.home)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvHomeAndEnsure(t *testing.T) {
	home := filepath.Join(t.TempDir(), "Zürich")
	t.Setenv(EnvHome, home)
	for _, s := range []Scope{User, System} {
		d, err := For(s)
		if err != nil {
			t.Fatal(err)
		}
		want := Dirs{Config: home, Data: home, Log: filepath.Join(home, "log")}
		if diff := cmp.Diff(want, d); diff != "" {
			t.Errorf("For(%v) (-want +got):\n%s", s, diff)
		}
		if got := d.ConfigFile(); got != filepath.Join(home, ConfigFileName) {
			t.Errorf("ConfigFile = %q", got)
		}
		if got := d.Database(); got != filepath.Join(home, DatabaseFileName) {
			t.Errorf("Database = %q", got)
		}
	}
	d, _ := Default()
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	for _, dir := range []string{d.Config, d.Log} {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() {
			t.Fatalf("Ensure did not create %s: %v", dir, err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", dir, fi.Mode().Perm())
		}
	}
}

func TestNoHomeIsTyped(t *testing.T) {
	_, err := resolve("linux", User, func(string) string { return "" }, "")
	if !errors.Is(err, ErrNoHome) {
		t.Fatalf("err = %v, want ErrNoHome", err)
	}
}
