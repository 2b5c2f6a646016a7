package kiosk

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// textSize measures text as it will be drawn: with the font the Text
// carries. fyne.MeasureText and canvas.Text.MinSize without a FontSource
// measure with the application's theme, not a ThemeOverride's, which cuts
// off CJK text drawn in the kiosk's font.
func textSize(t *canvas.Text, text string, size float32) fyne.Size {
	s, _ := fyne.CurrentApp().Driver().RenderedTextSize(text, size, t.TextStyle, t.FontSource)
	return s
}

// fontHolder is implemented by the package's widgets so applyFonts can
// reach the canvas.Text objects inside them.
type fontHolder interface{ setFonts(th *Theme) }

// applyFonts sets the theme's font as the FontSource of every canvas.Text
// under o, so that measuring and drawing use the same font.
func applyFonts(th *Theme, o fyne.CanvasObject) {
	switch x := o.(type) {
	case *canvas.Text:
		x.FontSource = th.Font(x.TextStyle)
	case *fyne.Container:
		for _, c := range x.Objects {
			applyFonts(th, c)
		}
	case *container.ThemeOverride:
		applyFonts(th, x.Content)
	case fontHolder:
		x.setFonts(th)
	}
}

// fitText is a line of text that shrinks from its maximum size until it
// fits its width, and ends in an ellipsis if even the minimum size does not
// fit: German and Chinese headlines differ in length by a factor of four,
// and a status must never run off the screen. With lines set to 2 it may
// also wrap onto a second line when its height allows, which keeps long
// room names whole on the floor player's narrow tiles.
type fitText struct {
	widget.BaseWidget
	text    *canvas.Text
	text2   *canvas.Text // the second line; empty unless wrapped
	full    string
	maxSize float32
	minSize float32
	lines   int // 1 (the zero value) or 2
	width   float32
	height  float32 // the height it was given; 0 means one line only
}

func newFitText(size float32, bold bool, align fyne.TextAlign) *fitText {
	t := &fitText{text: canvas.NewText("", color.White), text2: canvas.NewText("", color.White), maxSize: size, minSize: size * 0.7}
	for _, x := range []*canvas.Text{t.text, t.text2} {
		x.TextSize = size
		x.TextStyle = fyne.TextStyle{Bold: bold}
		x.Alignment = align
	}
	t.ExtendBaseWidget(t)
	return t
}

func (t *fitText) setFonts(th *Theme) {
	t.text.FontSource = th.Font(t.text.TextStyle)
	t.text2.FontSource = t.text.FontSource
	t.fit(t.width, t.height)
}

// set changes text and colour, refreshing only when something changed.
func (t *fitText) set(s string, c color.Color) {
	if t.full == s && t.text.Color == c {
		return
	}
	t.full, t.text.Color, t.text2.Color = s, c, c
	t.fit(t.width, t.height)
	t.text.Refresh()
	t.text2.Refresh()
}

// shown is the text as drawn, its lines joined by a newline.
func (t *fitText) shown() string {
	if t.text2.Text == "" {
		return t.text.Text
	}
	return t.text.Text + "\n" + t.text2.Text
}

// usedHeight is the height of the lines drawn.
func (t *fitText) usedHeight() float32 {
	h := textSize(t.text, "Ág國", t.text.TextSize).Height
	if t.text2.Text != "" {
		h *= 2
	}
	return h
}

// fit picks the largest size up to maxSize at which the text fits width
// on one line or, when allowed and height has room, on two; then it
// shortens the text if it still does not fit.
func (t *fitText) fit(width, height float32) {
	t.width, t.height = width, height
	size := t.maxSize
	text, second := t.full, ""
	measure := func(s string) float32 { return textSize(t.text, s, size).Width }
	if width > 0 {
		for {
			if measure(text) <= width {
				break
			}
			if t.lines >= 2 && 2*textSize(t.text, "Ág國", size).Height <= height {
				if ls := wrapLines(t.full, measure, width); len(ls) == 2 && measure(ls[0]) <= width && measure(ls[1]) <= width {
					text, second = ls[0], ls[1]
					break
				}
			}
			if size <= t.minSize {
				break
			}
			size = max(size*0.92, t.minSize)
		}
		if second == "" && measure(text) > width {
			if t.lines >= 2 && 2*textSize(t.text, "Ág國", size).Height <= height {
				// Two lines at the smallest size, the second one cut.
				if ls := wrapLines(t.full, measure, width); len(ls) >= 2 && measure(ls[0]) <= width {
					text, second = ls[0], ellipsize(strings.TrimLeft(strings.Join(ls[1:], " "), " "), measure, width)
				} else {
					// A word too long for a line: break it anywhere.
					r := []rune(t.full)
					n := 1
					for n < len(r) && measure(string(r[:n+1])) <= width {
						n++
					}
					text, second = string(r[:n]), ellipsize(string(r[n:]), measure, width)
				}
			}
			if second == "" {
				text = ellipsize(text, measure, width)
			}
		}
	}
	t.text.TextSize, t.text.Text = size, text
	t.text2.TextSize, t.text2.Text = size, second
	t.text2.Hidden = second == ""
}

// ellipsize cuts s and appends "…" until it fits width, or returns s when
// it already does.
func ellipsize(s string, measure func(string) float32, width float32) string {
	if measure(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && measure(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func (t *fitText) CreateRenderer() fyne.WidgetRenderer { return &fitTextRenderer{t: t} }

type fitTextRenderer struct{ t *fitText }

func (r *fitTextRenderer) Layout(s fyne.Size) {
	h := float32(0)
	if r.t.lines >= 2 {
		h = s.Height
	}
	r.t.fit(s.Width, h)
	lh := textSize(r.t.text, "Ág國", r.t.text.TextSize).Height
	r.t.text.Move(fyne.NewPos(0, 0))
	if r.t.lines < 2 {
		r.t.text.Resize(s)
	} else {
		r.t.text.Resize(fyne.NewSize(s.Width, lh))
	}
	r.t.text2.Move(fyne.NewPos(0, lh))
	r.t.text2.Resize(fyne.NewSize(s.Width, lh))
}

func (r *fitTextRenderer) MinSize() fyne.Size {
	if r.t.full == "" {
		return fyne.NewSize(0, 0)
	}
	return fyne.NewSize(r.t.minSize, textSize(r.t.text, "Ág國", r.t.maxSize).Height)
}
func (r *fitTextRenderer) Refresh() {
	r.t.text.Refresh()
	r.t.text2.Refresh()
}
func (r *fitTextRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.t.text, r.t.text2}
}
func (r *fitTextRenderer) Destroy() {}

// bigButton is a touch target sized for a wall display: a rounded block
// of colour with a bold label, far larger than widget.Button's.
type bigButton struct {
	widget.BaseWidget
	bg       *canvas.Rectangle
	label    *canvas.Text
	onTap    func()
	disabled bool
	size     float32 // the label's largest size; it shrinks to fit
}

func newBigButton(size float32, onTap func()) *bigButton {
	b := &bigButton{size: size, bg: canvas.NewRectangle(color.White), label: canvas.NewText("", color.Black), onTap: onTap}
	b.bg.CornerRadius = 14
	b.label.TextSize = size
	b.label.TextStyle.Bold = true
	b.label.Alignment = fyne.TextAlignCenter
	b.ExtendBaseWidget(b)
	return b
}

// set updates the label and colours.
func (b *bigButton) set(text string, bg, fg color.Color) {
	if b.label.Text == text && b.bg.FillColor == bg && b.label.Color == fg {
		return
	}
	b.label.Text, b.bg.FillColor, b.label.Color = text, bg, fg
	b.Refresh()
}

func (b *bigButton) setFonts(th *Theme) { b.label.FontSource = th.Font(b.label.TextStyle) }

// Tapped runs the action unless the button is disabled.
func (b *bigButton) Tapped(*fyne.PointEvent) {
	if !b.disabled && b.onTap != nil {
		b.onTap()
	}
}

func (b *bigButton) setDisabled(d bool) {
	if b.disabled == d {
		return
	}
	b.disabled = d
	b.Refresh()
}

func (b *bigButton) CreateRenderer() fyne.WidgetRenderer { return &bigButtonRenderer{b: b} }

type bigButtonRenderer struct{ b *bigButton }

func (r *bigButtonRenderer) Layout(s fyne.Size) {
	r.b.bg.Resize(s)
	size := r.b.size
	for size > r.b.size*0.6 && textSize(r.b.label, r.b.label.Text, size).Width > s.Width-20 {
		size *= 0.92
	}
	r.b.label.TextSize = size
	h := textSize(r.b.label, r.b.label.Text, size).Height
	r.b.label.Move(fyne.NewPos(0, (s.Height-h)/2))
	r.b.label.Resize(fyne.NewSize(s.Width, h))
}

func (r *bigButtonRenderer) MinSize() fyne.Size {
	t := textSize(r.b.label, r.b.label.Text, r.b.size*0.6)
	return fyne.NewSize(t.Width+24, max(t.Height+32, 72))
}

func (r *bigButtonRenderer) Refresh() {
	alpha := uint8(0xff)
	if r.b.disabled {
		alpha = 0x60
	}
	if c, ok := r.b.bg.FillColor.(color.NRGBA); ok {
		c.A = alpha
		r.b.bg.FillColor = c
	}
	r.Layout(r.b.Size())
	r.b.bg.Refresh()
	r.b.label.Refresh()
}
func (r *bigButtonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.b.bg, r.b.label}
}
func (r *bigButtonRenderer) Destroy() {}

// timelineView draws the day strip: an hour scale over the office hours,
// bookings as blocks, and a line at the current time.
type timelineView struct {
	widget.BaseWidget
	model          timelineModel
	track, block   color.Color
	current, past  color.Color
	nowLine, label color.Color
	objects        []fyne.CanvasObject
	trackRect      *canvas.Rectangle
	nowRect        *canvas.Rectangle
	blocks         []*canvas.Rectangle
	ticks          []*canvas.Text
	tickMarks      []*canvas.Rectangle
	font           fyne.Resource
}

func newTimelineView() *timelineView {
	t := &timelineView{trackRect: canvas.NewRectangle(color.Black), nowRect: canvas.NewRectangle(color.White)}
	t.trackRect.CornerRadius = 8
	t.ExtendBaseWidget(t)
	return t
}

// set replaces the model and colours.
func (t *timelineView) set(m timelineModel, track, block, current, past, now, label color.Color) {
	t.model = m
	t.track, t.block, t.current, t.past, t.nowLine, t.label = track, block, current, past, now, label
	t.Refresh()
}

func (t *timelineView) setFonts(th *Theme) {
	t.font = th.Font(fyne.TextStyle{})
	for _, tx := range t.ticks {
		tx.FontSource = t.font
	}
}

func (t *timelineView) CreateRenderer() fyne.WidgetRenderer { return &timelineRenderer{t: t} }

type timelineRenderer struct{ t *timelineView }

// rebuild makes one rectangle per block and one label per tick, reusing
// the ones from before so that a ticking clock allocates nothing.
func (r *timelineRenderer) rebuild() {
	t := r.t
	for len(t.blocks) < len(t.model.Blocks) {
		rect := canvas.NewRectangle(color.Black)
		rect.CornerRadius = 6
		t.blocks = append(t.blocks, rect)
	}
	t.blocks = t.blocks[:len(t.model.Blocks)]
	for len(t.ticks) < len(t.model.Ticks) {
		tx := canvas.NewText("", color.White)
		tx.TextSize = 16
		tx.FontSource = t.font
		t.ticks = append(t.ticks, tx)
		t.tickMarks = append(t.tickMarks, canvas.NewRectangle(color.White))
	}
	t.ticks, t.tickMarks = t.ticks[:len(t.model.Ticks)], t.tickMarks[:len(t.model.Ticks)]
	t.trackRect.FillColor = t.track
	for i, b := range t.model.Blocks {
		c := t.block
		switch {
		case b.Current:
			c = t.current
		case b.Past:
			c = t.past
		}
		t.blocks[i].FillColor = c
	}
	for i, tk := range t.model.Ticks {
		t.ticks[i].Text, t.ticks[i].Color = tk.Label, t.label
		t.tickMarks[i].FillColor = t.label
	}
	t.nowRect.FillColor = t.nowLine
	t.objects = t.objects[:0]
	t.objects = append(t.objects, t.trackRect)
	for _, m := range t.tickMarks {
		t.objects = append(t.objects, m)
	}
	for _, b := range t.blocks {
		t.objects = append(t.objects, b)
	}
	for _, tx := range t.ticks {
		t.objects = append(t.objects, tx)
	}
	inside := !t.model.Now.Before(t.model.From) && t.model.Now.Before(t.model.To)
	if inside {
		t.objects = append(t.objects, t.nowRect)
	}
}

func (r *timelineRenderer) x(at time.Time, w float32) float32 {
	m := r.t.model
	span := m.To.Sub(m.From)
	if span <= 0 {
		return 0
	}
	return w * float32(at.Sub(m.From)) / float32(span)
}

func (r *timelineRenderer) Layout(s fyne.Size) {
	t := r.t
	labelH := float32(22)
	trackH := max(s.Height-labelH-6, 0)
	t.trackRect.Move(fyne.NewPos(0, 0))
	t.trackRect.Resize(fyne.NewSize(s.Width, trackH))
	for i, b := range t.model.Blocks {
		x0, x1 := r.x(b.Start, s.Width), r.x(b.End, s.Width)
		t.blocks[i].Move(fyne.NewPos(x0+1, 4))
		t.blocks[i].Resize(fyne.NewSize(max(x1-x0-2, 3), max(trackH-8, 0)))
	}
	for i, tk := range t.model.Ticks {
		x := r.x(tk.At, s.Width)
		t.tickMarks[i].Move(fyne.NewPos(x, trackH))
		t.tickMarks[i].Resize(fyne.NewSize(1, 6))
		w := textSize(t.ticks[i], tk.Label, t.ticks[i].TextSize).Width
		lx := min(max(x-w/2, 0), s.Width-w)
		t.ticks[i].Move(fyne.NewPos(lx, trackH+6))
	}
	nx := r.x(t.model.Now, s.Width)
	t.nowRect.Move(fyne.NewPos(nx-2, -4))
	t.nowRect.Resize(fyne.NewSize(4, trackH+8))
}

func (r *timelineRenderer) MinSize() fyne.Size { return fyne.NewSize(200, 76) }

func (r *timelineRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.t.Size())
	for _, o := range r.t.objects {
		o.Refresh()
	}
}

func (r *timelineRenderer) Objects() []fyne.CanvasObject {
	if r.t.objects == nil {
		r.rebuild()
	}
	return r.t.objects
}
func (r *timelineRenderer) Destroy() {}

// overlay is the full-screen layer outside office hours: translucent black
// to dim, opaque to blank. A tap wakes the screen for a while.
type overlay struct {
	widget.BaseWidget
	rect  *canvas.Rectangle
	clock *canvas.Text
	onTap func()
}

func newOverlay(onTap func()) *overlay {
	o := &overlay{rect: canvas.NewRectangle(color.NRGBA{A: 0xc0}), clock: canvas.NewText("", color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}), onTap: onTap}
	o.clock.TextSize = 48
	o.clock.Alignment = fyne.TextAlignCenter
	o.ExtendBaseWidget(o)
	return o
}

func (o *overlay) setFonts(th *Theme) { o.clock.FontSource = th.Font(o.clock.TextStyle) }

// Tapped wakes the screen.
func (o *overlay) Tapped(*fyne.PointEvent) {
	if o.onTap != nil {
		o.onTap()
	}
}

func (o *overlay) CreateRenderer() fyne.WidgetRenderer { return &overlayRenderer{o: o} }

type overlayRenderer struct{ o *overlay }

func (r *overlayRenderer) Layout(s fyne.Size) {
	r.o.rect.Resize(s)
	h := textSize(r.o.clock, "0", r.o.clock.TextSize).Height
	r.o.clock.Move(fyne.NewPos(0, (s.Height-h)/2))
	r.o.clock.Resize(fyne.NewSize(s.Width, h))
}
func (r *overlayRenderer) MinSize() fyne.Size { return fyne.NewSize(0, 0) }
func (r *overlayRenderer) Refresh() {
	r.o.rect.Refresh()
	r.o.clock.Refresh()
}
func (r *overlayRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.o.rect, r.o.clock}
}
func (r *overlayRenderer) Destroy() {}
