// Package paths says where Roomboard keeps its files on each operating
// system: the configuration (roomboard.json), the data (the SQLite cache,
// the hub's TLS key pair) and the logs.
//
// There are two scopes. [System] is for the hub running as a service:
// %ProgramData%\Roomboard on Windows, /etc/roomboard, /var/lib/roomboard and
// /var/log/roomboard on Linux and the BSDs, /Library/Application
// Support/Roomboard on macOS. [User] is for the console and commands run by
// a person: %AppData% (settings, which roam) and %LocalAppData% (cache,
// which does not) on Windows, the XDG base directories on Linux and the BSDs,
// ~/Library/Application Support/Roomboard on macOS. [DefaultScope] picks
// System for root on Unix and User otherwise.
//
// The environment variable ROOMBOARD_HOME, when set to an absolute path,
// overrides both scopes on every OS: configuration and data go directly
// into it and logs into its "log" subdirectory. Tests, portable installs
// and containers use it.
//
// The package only computes paths (and, in [Dirs.Ensure], creates the
// directories). It does not read or write any file in them, and it does not
// detect whether the process runs as a Windows service: a service passes
// System itself.
package paths

import (
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"strings"
)

// EnvHome is the environment variable that overrides every directory.
const EnvHome = "ROOMBOARD_HOME"

// File names inside the directories.
const (
	ConfigFileName   = "roomboard.json"
	DatabaseFileName = "roomboard.db"
)

// Scope chooses between the per-machine directories of the service and
// the per-user directories of a person's session.
type Scope int

// Scopes.
const (
	// User is the signed-in person's directories.
	User Scope = iota
	// System is the machine-wide directories the hub service uses.
	System
)

// String returns "user" or "system".
func (s Scope) String() string {
	if s == System {
		return "system"
	}
	return "user"
}

// Dirs are the three directories Roomboard uses. Each is absolute.
type Dirs struct {
	Config string
	Data   string
	Log    string
}

// ConfigFile is the path of the configuration file in d.Config.
func (d Dirs) ConfigFile() string { return join(runtime.GOOS, d.Config, ConfigFileName) }

// Database is the path of the SQLite cache in d.Data.
func (d Dirs) Database() string { return join(runtime.GOOS, d.Data, DatabaseFileName) }

// Ensure creates the directories that do not exist yet, readable only by
// their owner: the configuration names service accounts and the cache
// holds meeting subjects.
func (d Dirs) Ensure() error {
	for _, dir := range []string{d.Config, d.Data, d.Log} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("paths: %w", err)
		}
	}
	return nil
}

// ErrNoHome means a per-user directory was asked for but neither the
// environment nor the OS names the user's home directory.
var ErrNoHome = errors.New("paths: cannot find the home directory; set " + EnvHome + " to an absolute path")

// DefaultScope returns System when the process runs as root on Unix, and
// User otherwise (including on Windows, where a service asks for System
// explicitly).
func DefaultScope() Scope {
	if runtime.GOOS != "windows" && os.Geteuid() == 0 {
		return System
	}
	return User
}

// Default returns the directories of DefaultScope.
func Default() (Dirs, error) { return For(DefaultScope()) }

// For returns the directories of scope on this OS, honouring EnvHome.
func For(scope Scope) (Dirs, error) {
	home, _ := os.UserHomeDir()
	return resolve(runtime.GOOS, scope, os.Getenv, home)
}

// resolve is For with the OS, environment and home directory passed in, so
// every OS's rules are tested on any OS.
func resolve(goos string, scope Scope, getenv func(string) string, home string) (Dirs, error) {
	if h := getenv(EnvHome); h != "" {
		if !isAbs(goos, h) {
			return Dirs{}, fmt.Errorf("paths: %s=%q must be an absolute path", EnvHome, h)
		}
		return Dirs{Config: h, Data: h, Log: join(goos, h, "log")}, nil
	}
	switch goos {
	case "windows":
		return windows(scope, getenv)
	case "darwin", "ios":
		if scope == System {
			return Dirs{
				Config: "/Library/Application Support/Roomboard",
				Data:   "/Library/Application Support/Roomboard",
				Log:    "/Library/Logs/Roomboard",
			}, nil
		}
		if !isAbs(goos, home) {
			return Dirs{}, ErrNoHome
		}
		support := join(goos, home, "Library", "Application Support", "Roomboard")
		return Dirs{Config: support, Data: support, Log: join(goos, home, "Library", "Logs", "Roomboard")}, nil
	default: // Linux, the BSDs and other Unix systems follow the FHS and XDG.
		if scope == System {
			return Dirs{Config: "/etc/roomboard", Data: "/var/lib/roomboard", Log: "/var/log/roomboard"}, nil
		}
		// The XDG Base Directory spec says relative values are invalid and
		// must be ignored.
		xdg := func(env string, fallback ...string) (string, error) {
			if v := getenv(env); isAbs(goos, v) {
				return join(goos, v, "roomboard"), nil
			}
			if !isAbs(goos, home) {
				return "", ErrNoHome
			}
			return join(goos, append(append([]string{home}, fallback...), "roomboard")...), nil
		}
		var d Dirs
		var err error
		if d.Config, err = xdg("XDG_CONFIG_HOME", ".config"); err != nil {
			return Dirs{}, err
		}
		if d.Data, err = xdg("XDG_DATA_HOME", ".local", "share"); err != nil {
			return Dirs{}, err
		}
		// XDG puts logs under the state directory.
		if d.Log, err = xdg("XDG_STATE_HOME", ".local", "state"); err != nil {
			return Dirs{}, err
		}
		return d, nil
	}
}

func windows(scope Scope, getenv func(string) string) (Dirs, error) {
	const goos = "windows"
	env := func(name, fallback string) (string, error) {
		v := getenv(name)
		if isAbs(goos, v) {
			return v, nil
		}
		if fallback != "" {
			if p := getenv("USERPROFILE"); isAbs(goos, p) {
				return join(goos, p, fallback), nil
			}
		}
		return "", fmt.Errorf("paths: %%%s%% is not set; set %s to an absolute path", name, EnvHome)
	}
	if scope == System {
		pd := getenv("ProgramData")
		if !isAbs(goos, pd) {
			pd = `C:\ProgramData`
		}
		dir := join(goos, pd, "Roomboard")
		return Dirs{Config: dir, Data: dir, Log: join(goos, dir, "log")}, nil
	}
	roaming, err := env("APPDATA", `AppData\Roaming`)
	if err != nil {
		return Dirs{}, err
	}
	local, err := env("LOCALAPPDATA", `AppData\Local`)
	if err != nil {
		return Dirs{}, err
	}
	return Dirs{
		Config: join(goos, roaming, "Roomboard"),
		Data:   join(goos, local, "Roomboard"),
		Log:    join(goos, local, "Roomboard", "log"),
	}, nil
}

// join joins path elements with goos's separator, so that Windows paths
// come out right when the rules are tested on Linux and vice versa.
func join(goos string, elem ...string) string {
	if goos != "windows" {
		return path.Join(elem...)
	}
	var b strings.Builder
	for i, e := range elem {
		if i > 0 {
			e = strings.TrimLeft(e, `\/`)
			if !strings.HasSuffix(b.String(), `\`) {
				b.WriteByte('\\')
			}
		}
		b.WriteString(strings.ReplaceAll(e, "/", `\`))
	}
	return b.String()
}

func isAbs(goos, p string) bool {
	if goos != "windows" {
		return strings.HasPrefix(p, "/")
	}
	if strings.HasPrefix(p, `\\`) {
		return true // UNC
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(p[0] >= 'A' && p[0] <= 'Z' || p[0] >= 'a' && p[0] <= 'z')
}
