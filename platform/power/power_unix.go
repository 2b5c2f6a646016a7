//go:build linux || dragonfly || freebsd || netbsd || openbsd

package power

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	dbus "github.com/godbus/dbus/v5"
)

// The freedesktop screen-saver service. Most desktops export it at the
// first path; some older ones (KDE 4, early Xfce) only at the second.
const (
	screenSaverName  = "org.freedesktop.ScreenSaver"
	screenSaverIface = "org.freedesktop.ScreenSaver"
)

var screenSaverPaths = []dbus.ObjectPath{"/org/freedesktop/ScreenSaver", "/ScreenSaver"}

// Inhibit's arguments: who inhibits and why, shown by some desktops.
const (
	inhibitApp    = "Roomboard"
	inhibitReason = "Room display kiosk"
)

func keepAwake(ctx context.Context) (func(), error) {
	undo, busErr := inhibit(ctx)
	if busErr == nil {
		return undo, nil
	}
	undo, xErr := xsetOff(ctx)
	if xErr == nil {
		return undo, nil
	}
	return nil, fmt.Errorf("%w: D-Bus screen saver: %v; xset: %v", ErrUnsupported, busErr, xErr)
}

// inhibit asks the session's screen saver not to start. It uses a private
// connection, not the process-wide shared one: desktops drop an
// inhibition when the connection that made it closes, which ties it to
// our lifetime, and closing it is part of release.
func inhibit(ctx context.Context) (func(), error) {
	// NoAutoStartup: without a bus, godbus would run dbus-launch, which
	// needs X and leaves a daemon behind.
	// The connection is not bound to ctx: it must outlive the setup to
	// send UnInhibit when ctx ends.
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, fmt.Errorf("no session bus: %w", err)
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	var errs []error
	for _, path := range screenSaverPaths {
		var cookie uint32
		obj := conn.Object(screenSaverName, path)
		err := obj.CallWithContext(ctx, screenSaverIface+".Inhibit", 0, inhibitApp, inhibitReason).Store(&cookie)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			var dbusErr dbus.Error
			if errors.As(err, &dbusErr) && dbusErr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" {
				break // nobody owns the name: the other path cannot help
			}
			continue
		}
		return func() {
			// Best effort: closing the connection ends the inhibition
			// anyway on every implementation we know.
			obj.Call(screenSaverIface+".UnInhibit", 0, cookie)
			conn.Close()
		}, nil
	}
	conn.Close()
	return nil, errors.Join(errs...)
}

// xsetOff turns off the X screen saver and DPMS. Release turns them back
// on with the server's defaults; the previous custom timeouts are not
// restored (an X kiosk session rarely has any).
func xsetOff(ctx context.Context) (func(), error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, errors.New("DISPLAY is not set")
	}
	xset, err := exec.LookPath("xset")
	if err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, xset, "s", "off", "-dpms").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("xset s off -dpms: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return func() {
		// Not bound to ctx: release often runs because ctx was cancelled.
		exec.Command(xset, "s", "on", "+dpms").Run()
	}, nil
}
