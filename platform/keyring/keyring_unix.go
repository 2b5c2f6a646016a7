// The build constraint matches the files of go-keyring that use the
// freedesktop Secret Service.
//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"errors"
	"net"
	"os/exec"
	"strings"

	dbus "github.com/godbus/dbus/v5"
)

const (
	hintUnavailable = "Roomboard keeps secrets in a Secret Service (gnome-keyring, KeePassXC or KWallet) on the D-Bus session bus of the user it runs as. " +
		"On a desktop, log in graphically once so the login keyring exists; on a headless server start a session bus and a keyring daemon for that user " +
		"(see scripts/with-keyring.sh: dbus-run-session and gnome-keyring-daemon --unlock)"
	hintLocked  = "Unlock the login keyring: log in to the desktop as the user Roomboard runs as, or start gnome-keyring-daemon with --unlock and the keyring password on stdin"
	hintTimeout = "The Secret Service is probably waiting for someone to type the keyring password in an unlock prompt; unlock the login keyring at the console, then retry"
)

// classifyOS recognises the Secret Service failures worth explaining.
// go-keyring passes godbus errors through unchanged: connection problems
// are plain errors (or exec/net errors), method failures are dbus.Error
// values with a D-Bus error name.
func classifyOS(err error) error {
	var execErr *exec.Error
	var netErr *net.OpError
	var dbusErr dbus.Error
	switch {
	case errors.As(err, &execErr), errors.As(err, &netErr):
		// No DBUS_SESSION_BUS_ADDRESS (godbus then tries dbus-launch) or
		// an address nobody listens on.
		return ErrUnavailable
	case errors.As(err, &dbusErr):
		switch {
		case dbusErr.Name == "org.freedesktop.DBus.Error.ServiceUnknown",
			dbusErr.Name == "org.freedesktop.DBus.Error.NameHasNoOwner",
			strings.HasPrefix(dbusErr.Name, "org.freedesktop.DBus.Error.Spawn."),
			// No default collection: a Secret Service that has no keyring
			// (KeePassXC without an open database).
			dbusErr.Name == "org.freedesktop.DBus.Error.UnknownObject",
			dbusErr.Name == "org.freedesktop.Secret.Error.NoSuchObject":
			return ErrUnavailable
		case dbusErr.Name == "org.freedesktop.Secret.Error.IsLocked":
			return ErrLocked
		case dbusErr.Name == "org.freedesktop.DBus.Error.NoReply",
			dbusErr.Name == "org.freedesktop.DBus.Error.Timeout":
			return ErrTimeout
		}
	case strings.HasPrefix(err.Error(), "dbus: "):
		// godbus's own connection and authentication errors
		// ("dbus: couldn't determine address of session bus", "dbus:
		// authentication failed") carry no type; the prefix is all there is.
		return ErrUnavailable
	case strings.HasPrefix(err.Error(), "failed to unlock correct collection"):
		// go-keyring's fmt.Errorf after the Unlock prompt was dismissed or
		// could not be shown (no prompter on a headless machine).
		return ErrLocked
	}
	return nil
}
