// Package instance makes sure only one copy of a Roomboard program runs
// per user: a second kiosk started by autostart, a double click or a
// watchdog must notice the first and exit instead of fighting it for the
// screen and the hub connection.
//
// Per operating system:
//
//   - Linux, macOS and the BSDs: an exclusive flock(2) on <name>.lock in
//     ROOMBOARD_HOME when it is set, else in $XDG_RUNTIME_DIR/roomboard,
//     else in the data directory of platform/paths. The kernel drops the
//     lock when the holder exits, however it exits, so a crashed kiosk
//     never blocks the next start. The file holds the holder's PID for
//     people reading it; nothing trusts that number.
//   - Windows: a named mutex Local\Roomboard-<name>, one per logon
//     session. Windows destroys it when the last handle closes, which
//     includes the holder's death.
//
// The package deliberately does not find, signal or activate the running
// instance (the second copy just exits with a message), and does not
// remove lock files: deleting a file someone else may have just opened
// would let two holders lock two different files.
package instance

import (
	"errors"
	"fmt"
)

// ErrRunning means another process holds the lock of that name.
var ErrRunning = errors.New("instance: already running")

// ErrUnsupported means this operating system has no implementation.
var ErrUnsupported = errors.New("instance: not supported on this operating system")

// Acquire takes the single-instance lock called name (for example
// "kiosk"), which must be 1 to 64 ASCII letters, digits, '.', '_' or '-'.
// It fails with an error wrapping ErrRunning when another process holds
// it. release gives the lock up; it may be called more than once. The lock
// is also given up when the process exits.
func Acquire(name string) (release func(), err error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return acquire(name)
}

func checkName(name string) error {
	if name == "" || len(name) > 64 || name == "." || name == ".." {
		return fmt.Errorf("instance: invalid name %q", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("instance: invalid name %q: only ASCII letters, digits, '.', '_' and '-'", name)
		}
	}
	return nil
}
