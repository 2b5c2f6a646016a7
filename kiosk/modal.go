package kiosk

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// modal is the one dialog a player shows at a time: a question with
// Cancel and Confirm, a progress indicator while the hub works, or the
// hub's answer. fyne's dialog package draws small desktop buttons; a wall
// display needs touch targets a thumb can hit.
type modal struct {
	th       *Theme
	pop      *widget.PopUp
	bg       *canvas.Rectangle
	title    *canvas.Text
	msg      *fyne.Container // the message, wrapped into lines
	msgText  string
	progress *widget.ProgressBarInfinite
	confirm  *bigButton
	cancel   *bigButton
	body     *fyne.Container // extra content (floor player details)
	buttons  *fyne.Container
	override *container.ThemeOverride
	onOK     func()
	width    float32 // of the message lines
}

// wrap breaks the message into lines that fit the dialog: at spaces for
// Latin text, between any two characters for CJK text, which has none.
func (m *modal) wrap() {
	m.msg.Objects = nil
	m.msg.Hidden = m.msgText == ""
	if m.msgText == "" || m.th == nil {
		return
	}
	probe := canvas.NewText("", m.th.pal.foreground)
	probe.TextSize = 26
	probe.FontSource = m.th.Font(probe.TextStyle)
	for _, line := range wrapLines(m.msgText, func(s string) float32 { return textSize(probe, s, probe.TextSize).Width }, m.width) {
		t := canvas.NewText(line, m.th.pal.foreground)
		t.TextSize, t.FontSource = probe.TextSize, probe.FontSource
		m.msg.Add(t)
	}
	m.msg.Refresh()
}

// wrapLines splits s into lines no wider than width as measured by
// measure, keeping words together where there are spaces.
func wrapLines(s string, measure func(string) float32, width float32) []string {
	var lines []string
	var line []rune
	tokens := tokenize(s)
	for _, tok := range tokens {
		cand := string(line) + tok
		if len(line) > 0 && measure(cand) > width {
			lines = append(lines, strings.TrimRight(string(line), " "))
			line = []rune(strings.TrimLeft(tok, " "))
			continue
		}
		line = []rune(cand)
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// tokenize splits s into words with their leading space, and every CJK
// character on its own.
func tokenize(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = nil
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			cur = append(cur, r)
		case r >= 0x2e80: // CJK, kana, full-width punctuation
			flush()
			out = append(out, string(r))
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

func newModal() *modal {
	m := &modal{bg: canvas.NewRectangle(color.Black), title: canvas.NewText("", color.White),
		msg: container.NewVBox(), progress: widget.NewProgressBarInfinite()}
	m.bg.CornerRadius = 0 // the popup draws a square backdrop of its own
	m.title.TextSize = 32
	m.title.TextStyle.Bold = true
	m.confirm = newBigButton(26, func() {
		if m.onOK != nil {
			m.onOK()
		}
	})
	m.cancel = newBigButton(26, m.hide)
	m.body = container.NewVBox()
	m.buttons = container.NewGridWithColumns(2, m.cancel, m.confirm)
	content := container.NewStack(m.bg, container.New(layout.NewCustomPaddedLayout(28, 28, 32, 32),
		container.NewVBox(m.title, m.msg, m.body, m.progress, layout.NewSpacer(), m.buttons)))
	m.override = container.NewThemeOverride(content, NewTheme(Settings{}))
	return m
}

// show displays the dialog over the canvas of obj. With onOK nil only the
// cancel button (labelled closeText) is shown.
func (m *modal) show(obj fyne.CanvasObject, th *Theme, title, msg, okText, closeText string, onOK func()) {
	m.th = th
	m.override.Theme = th
	m.bg.FillColor = th.pal.panel
	if th.variant == HighContrast {
		m.bg.StrokeColor, m.bg.StrokeWidth = th.pal.foreground, 3
	}
	m.title.Text, m.title.Color = title, th.pal.foreground
	m.msgText = msg
	m.body.Objects = nil
	m.body.Hide()
	m.progress.Hide()
	m.progress.Stop()
	m.onOK = onOK
	m.cancel.set(closeText, th.pal.separator, th.pal.foreground)
	m.cancel.Show()
	if onOK != nil {
		m.confirm.set(okText, th.accent, OnColor(th.accent))
		m.confirm.Show()
		m.buttons.Layout = layout.NewGridLayout(2)
	} else {
		m.confirm.Hide()
		m.buttons.Layout = layout.NewGridLayout(1)
	}
	m.open(obj)
}

// busy turns the dialog into a progress indicator until the answer comes.
func (m *modal) busy(text string) {
	m.msgText = text
	m.wrap()
	m.confirm.Hide()
	m.cancel.Hide()
	m.progress.Show()
	m.progress.Start()
	m.override.Refresh()
}

func (m *modal) open(obj fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(obj)
	if c == nil {
		return
	}
	if m.pop == nil || m.pop.Canvas != c {
		if m.pop != nil {
			m.pop.Hide()
		}
		m.pop = widget.NewModalPopUp(m.override, c)
	}
	size := c.Size()
	w := min(size.Width*0.7, 860)
	m.width = w - 64
	m.wrap()
	applyFonts(m.th, m.override)
	m.cancel.setFonts(m.th)
	m.confirm.setFonts(m.th)
	m.override.Refresh()
	h := max(m.override.MinSize().Height, 260)
	m.pop.Resize(fyne.NewSize(w, h))
	m.pop.Show()
}

func (m *modal) visible() bool { return m.pop != nil && m.pop.Visible() }

func (m *modal) hide() {
	m.progress.Stop()
	if m.pop != nil {
		m.pop.Hide()
	}
}
