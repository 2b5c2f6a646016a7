package main

import (
	"context"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
)

// newFyneApp is the one place that creates the Fyne app: only package main
// may import fyne.io/fyne/v2/app, which needs cgo and OpenGL.
func newFyneApp(id string) fyne.App { return app.NewWithID(id) }

// hasDisplay reports whether a window can be opened: on Linux and the BSDs
// an X11 or Wayland display must be set; Windows and macOS always have one.
func hasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// runApp runs the app's loop (run: a.Run or a window's ShowAndRun) on this,
// the main, goroutine until the app quits, and quits it when ctx ends
// first. After the loop has ended nothing calls fyne.Do: it would run off
// the app's thread.
func runApp(ctx context.Context, a fyne.App, run func()) {
	ended := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			fyne.Do(a.Quit)
		case <-ended:
		}
	}()
	run()
	close(ended)
}
