// Package autostart starts a Roomboard program (usually the kiosk) when
// its user logs in, the way each desktop expects:
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/<ID>.desktop (default ~/.config), which
//     GNOME, KDE, Xfce, LXQt and most session managers run at login.
//   - Windows: a value named <ID> under
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//   - macOS: a launch agent, ~/Library/LaunchAgents/<ID>.plist, with
//     RunAtLoad.
//
// All three are per user and need no administrator rights. The package
// deliberately does not start the program now (launchctl load, running
// the Run value), does not install system-wide entries, does not create a
// Windows service (that is platform/service, for the hub), and does not
// read the "disabled in Task Manager" (StartupApproved) or desktop
// settings panels' overrides: Enabled reports whether our entry exists.
package autostart

import (
	"errors"
	"fmt"
	"path/filepath"
	"unicode"
	"unicode/utf8"
)

// App is a program to start at login.
type App struct {
	// ID names the entry: a reverse-DNS identifier such as
	// "com.roomboard.kiosk" (ASCII letters, digits, '.', '_', '-').
	ID string
	// Name is what the desktop's startup settings show; empty means ID.
	Name string
	// Exec is the command line: an absolute program path and its
	// arguments, passed to the program as they are (no shell, no
	// expansion).
	Exec []string
}

// ErrUnsupported means this operating system has no implementation.
var ErrUnsupported = errors.New("autostart: not supported on this operating system")

// Enable creates or replaces app's login entry.
func Enable(app App) error {
	if err := app.validate(); err != nil {
		return err
	}
	if app.Name == "" {
		app.Name = app.ID
	}
	if err := enable(app); err != nil {
		return fmt.Errorf("autostart: enable %s: %w", app.ID, err)
	}
	return nil
}

// Disable removes the login entry of the app with that ID. Removing an
// entry that does not exist is not an error.
func Disable(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := disable(id); err != nil {
		return fmt.Errorf("autostart: disable %s: %w", id, err)
	}
	return nil
}

// Enabled reports whether the app with that ID has a login entry that is
// not marked hidden.
func Enabled(id string) (bool, error) {
	if err := checkID(id); err != nil {
		return false, err
	}
	ok, err := enabled(id)
	if err != nil {
		return false, fmt.Errorf("autostart: %s: %w", id, err)
	}
	return ok, nil
}

func checkID(id string) error {
	if id == "" || len(id) > 200 || id[0] == '.' || id[0] == '-' {
		return fmt.Errorf("autostart: invalid ID %q", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("autostart: invalid ID %q: only ASCII letters, digits, '.', '_' and '-'", id)
		}
	}
	return nil
}

// validate checks what every OS's format can carry: no control
// characters (none of the formats can quote a newline portably) and
// valid UTF-8.
func (a *App) validate() error {
	if err := checkID(a.ID); err != nil {
		return err
	}
	if len(a.Exec) == 0 {
		return fmt.Errorf("autostart: %s: empty Exec", a.ID)
	}
	if !filepath.IsAbs(a.Exec[0]) {
		// The login session's working directory and PATH are not ours.
		return fmt.Errorf("autostart: %s: program %q is not an absolute path", a.ID, a.Exec[0])
	}
	for i, s := range append([]string{a.Name}, a.Exec...) {
		field := "Name"
		if i > 0 {
			field = fmt.Sprintf("Exec[%d]", i-1)
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("autostart: %s: %s is not valid UTF-8", a.ID, field)
		}
		for _, r := range s {
			if unicode.IsControl(r) {
				return fmt.Errorf("autostart: %s: %s %q contains a control character", a.ID, field, s)
			}
		}
	}
	return nil
}
