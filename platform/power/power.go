// Package power keeps a kiosk's display switched on while the kiosk runs:
// no screen saver, no display sleep, no system sleep.
//
// Per operating system:
//
//   - Windows: SetThreadExecutionState(ES_CONTINUOUS | ES_DISPLAY_REQUIRED |
//     ES_SYSTEM_REQUIRED). The state belongs to the calling thread, so it is
//     set from a goroutine locked to its OS thread that lives until release.
//   - Linux and the BSDs: the org.freedesktop.ScreenSaver Inhibit call on
//     the D-Bus session bus (KDE, Xfce, GNOME, LXQt and most lockers
//     implement it). The inhibition lives as long as our private bus
//     connection, so a crashed kiosk does not keep the display on. Without a
//     screen-saver service, on a bare X server (a kiosk session started
//     from xinit), it falls back to `xset s off -dpms`.
//   - macOS: `caffeinate -d -w <pid>`, which also ends by itself when the
//     kiosk process exits.
//
// The package deliberately does not dim or blank the screen for office
// hours (the kiosk paints a dark screen instead, which needs no privileges
// and works everywhere), does not change power plans or the screen-saver
// settings a user configured, and does not poll or simulate input to fake
// activity.
package power

import (
	"context"
	"errors"
	"sync"
)

// ErrUnsupported means no way of keeping the display on worked here. The
// error returned by KeepAwake wraps it and says what was tried.
var ErrUnsupported = errors.New("power: cannot keep the display awake")

// KeepAwake keeps the display on until release is called or ctx is done,
// whichever comes first. ctx also bounds the setup. release may be called
// more than once and from any goroutine; it returns once the display may
// sleep again.
func KeepAwake(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	undo, err := keepAwake(ctx)
	if err != nil {
		return nil, err
	}
	return releaseOnDone(ctx, undo), nil
}

// releaseOnDone returns a release function that runs undo once, and runs
// it when ctx ends if nobody called release before.
func releaseOnDone(ctx context.Context, undo func()) func() {
	var once sync.Once
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
		case <-stop:
		}
		once.Do(undo)
	}()
	var closeOnce sync.Once
	return func() {
		closeOnce.Do(func() { close(stop) })
		<-done
	}
}
