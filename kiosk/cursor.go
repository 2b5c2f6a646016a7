package kiosk

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// cursorHider is an invisible layer under a player's content that hides
// the mouse pointer. Fyne's desktop driver asks every Cursorable object
// under the pointer, outermost first, and the innermost answer wins; none
// of the package's widgets answers, so the pointer stays hidden over the
// whole screen. Touch screens report a pointer too, and a wall display
// must not show an arrow wherever it was last touched.
type cursorHider struct {
	widget.BaseWidget
	rect *canvas.Rectangle
}

func newCursorHider() *cursorHider {
	h := &cursorHider{rect: canvas.NewRectangle(color.Transparent)}
	h.ExtendBaseWidget(h)
	return h
}

// Cursor implements desktop.Cursorable.
func (h *cursorHider) Cursor() desktop.Cursor { return desktop.HiddenCursor }

func (h *cursorHider) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(h.rect) }

var _ desktop.Cursorable = (*cursorHider)(nil)
