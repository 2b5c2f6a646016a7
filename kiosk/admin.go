package kiosk

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/roomboard/roomboard/kiosk/i18n"
)

// Admin access: a long press on the header opens a PIN pad; the right PIN
// opens a small settings panel (theme, language, pair again, exit). A wall
// display has no keyboard and is touched by everybody, so nothing else
// leads out of the player.

// HoldDuration is how long the header must be held to ask for the PIN.
const HoldDuration = 3 * time.Second

// maxPINFailures wrong PINs in a row lock the pad for pinLockout.
const (
	maxPINFailures = 5
	pinLockout     = 30 * time.Second
)

// pinIterations is the PBKDF2 work factor HashPIN uses (OWASP's figure for
// PBKDF2-HMAC-SHA256); CheckPIN refuses hashes claiming more than
// maxPINIterations so a crafted setting cannot hang the kiosk.
const (
	pinIterations    = 600_000
	maxPINIterations = 10_000_000
	pinHashPrefix    = "pbkdf2-sha256"
)

// HashPIN returns the hash of pin that Settings.AdminPINHash takes:
// "pbkdf2-sha256$ITERATIONS$SALT$KEY" with salt and key in unpadded
// base64 (RawStdEncoding), a 16-byte random salt and a 32-byte key.
func HashPIN(pin string) (string, error) {
	return hashPIN(pin, pinIterations)
}

func hashPIN(pin string, iterations int) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("kiosk: salt: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, iterations, 32)
	if err != nil {
		return "", fmt.Errorf("kiosk: hash pin: %w", err)
	}
	enc := base64.RawStdEncoding
	return strings.Join([]string{pinHashPrefix, strconv.Itoa(iterations), enc.EncodeToString(salt), enc.EncodeToString(key)}, "$"), nil
}

// CheckPIN reports whether pin matches hash as written by HashPIN. A
// malformed hash matches nothing.
func CheckPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != pinHashPrefix {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPINIterations {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(want) < 16 || len(want) > 64 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pin, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// admin is the long press, PIN pad and settings panel of one player. All
// its methods run on the UI goroutine.
type admin struct {
	clock    Clock
	br       *bridge
	modal    *modal
	root     func() fyne.CanvasObject
	settings func() Settings
	apply    func(Settings) // a player's SetSettings

	stopHold    func()
	stopLock    func()
	failures    int
	lockedUntil time.Time
	checking    bool
	entered     []rune
	open        string // "", "pin" or "panel": what the modal shows

	dots, msg *canvas.Text
	keys      map[string]*bigButton // "0"–"9", "back", "clear"
	panel     map[string]*bigButton // "dark", "light", "contrast", languages, "repair", "exit"
}

func newAdmin(clock Clock, br *bridge, m *modal, root func() fyne.CanvasObject, settings func() Settings, apply func(Settings)) *admin {
	a := &admin{clock: clock, br: br, modal: m, root: root, settings: settings, apply: apply,
		dots: canvas.NewText("", color.White), msg: canvas.NewText("", color.White),
		keys: map[string]*bigButton{}, panel: map[string]*bigButton{}}
	a.dots.TextSize, a.dots.TextStyle, a.dots.Alignment = 44, fyne.TextStyle{Bold: true}, fyne.TextAlignCenter
	a.msg.TextSize, a.msg.Alignment = 22, fyne.TextAlignCenter
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "clear"} {
		a.keys[k] = newBigButton(30, func() { a.key(k) })
	}
	return a
}

func (a *admin) th() *Theme          { return NewTheme(a.settings()) }
func (a *admin) l() i18n.Localizer   { return i18n.New(a.settings().Language) }
func (a *admin) locked() bool        { return a.clock.Now().Before(a.lockedUntil) }
func (a *admin) close()              { a.cancelHold(); a.stopTimers() }
func (a *admin) hide()               { a.open = ""; a.entered = nil; a.modal.hide() }
func (a *admin) pinVisible() bool    { return a.open == "pin" && a.modal.visible() }
func (a *admin) panelVisible() bool  { return a.open == "panel" && a.modal.visible() }
func (a *admin) holdStarted() bool   { return a.stopHold != nil }
func (a *admin) enteredDots() string { return a.dots.Text }

func (a *admin) stopTimers() {
	if a.stopLock != nil {
		a.stopLock()
		a.stopLock = nil
	}
}

// startHold starts the long press; releasing before HoldDuration cancels.
func (a *admin) startHold() {
	a.cancelHold()
	a.stopHold = a.clock.AfterFunc(HoldDuration, func() {
		a.br.ui(func() {
			a.stopHold = nil
			a.showPad("")
		})
	})
}

func (a *admin) cancelHold() {
	if a.stopHold != nil {
		a.stopHold()
		a.stopHold = nil
	}
}

// showPad opens the PIN pad with a message (empty for the prompt).
func (a *admin) showPad(message string) {
	th, l := a.th(), a.l()
	a.open = "pin"
	a.entered = nil
	if a.settings().AdminPINHash == "" {
		a.open = "notset"
		a.modal.show(a.root(), th, l.T("admin.pin.title"), l.T("admin.pin.notSet"), "", l.T("admin.close"), nil)
		return
	}
	a.modal.show(a.root(), th, l.T("admin.pin.title"), "", l.T("admin.pin.ok"), l.T("admin.cancel"), a.submit)
	a.modal.cancel.onTap = a.hide
	grid := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "clear"} {
		label := k
		switch k {
		case "back":
			label = "⌫"
		case "clear":
			label = "C"
		}
		a.keys[k].set(label, th.pal.separator, th.pal.foreground)
		grid.Add(a.keys[k])
	}
	a.modal.body.Objects = []fyne.CanvasObject{a.dots, a.msg, grid}
	a.modal.body.Show()
	a.renderPad(message)
	a.modal.open(a.root())
}

// renderPad shows the dots, the message and whether keys work.
func (a *admin) renderPad(message string) {
	th, l := a.th(), a.l()
	a.dots.Text, a.dots.Color = strings.Repeat("●", len(a.entered)), th.pal.foreground
	if a.dots.Text == "" {
		a.dots.Text = " "
	}
	a.msg.Color = th.pal.muted
	switch {
	case a.locked():
		secs := int((a.lockedUntil.Sub(a.clock.Now()) + time.Second - 1) / time.Second)
		message = l.T("admin.pin.locked", "seconds", secs)
		a.msg.Color = th.toneColor(toneSoon)
	case a.checking:
		message = l.T("admin.pin.checking")
	case message == "":
		message = l.T("admin.pin.prompt")
	default:
		a.msg.Color = th.toneColor(toneSoon)
	}
	a.msg.Text = message
	disabled := a.locked() || a.checking
	for _, b := range a.keys {
		b.setDisabled(disabled)
	}
	a.modal.confirm.setDisabled(disabled)
	a.dots.Refresh()
	a.msg.Refresh()
}

// maxPINLength bounds what the pad accepts.
const maxPINLength = 12

func (a *admin) key(k string) {
	if a.locked() || a.checking {
		return
	}
	switch k {
	case "back":
		if len(a.entered) > 0 {
			a.entered = a.entered[:len(a.entered)-1]
		}
	case "clear":
		a.entered = nil
	default:
		if len(a.entered) < maxPINLength {
			a.entered = append(a.entered, []rune(k)...)
		}
	}
	a.renderPad("")
}

// submit checks the PIN off the UI goroutine: PBKDF2 takes a noticeable
// fraction of a second on purpose.
func (a *admin) submit() {
	if a.locked() || a.checking || len(a.entered) == 0 {
		return
	}
	pin, hash := string(a.entered), a.settings().AdminPINHash
	a.entered = nil
	a.checking = true
	a.renderPad("")
	a.br.background(func() {
		ok := CheckPIN(hash, pin)
		a.br.ui(func() { a.checked(ok) })
	})
}

func (a *admin) checked(ok bool) {
	a.checking = false
	if ok {
		a.failures = 0
		a.showPanel()
		return
	}
	a.failures++
	l := a.l()
	if a.failures >= maxPINFailures {
		a.failures = 0
		a.lockedUntil = a.clock.Now().Add(pinLockout)
		a.stopTimers()
		a.stopLock = a.clock.AfterFunc(pinLockout, func() {
			a.br.ui(func() {
				if a.open == "pin" {
					a.renderPad("")
				}
			})
		})
	}
	if a.open != "pin" {
		return
	}
	a.renderPad(l.T("admin.pin.wrong", "left", maxPINFailures-a.failures))
	a.shake()
}

// shake nudges the PIN dots sideways, the usual "no" of a PIN pad.
func (a *admin) shake() {
	if fyne.CurrentApp() == nil {
		return
	}
	x := a.dots.Position().X
	anim := fyne.NewAnimation(400*time.Millisecond, func(f float32) {
		off := float32(0)
		if f < 1 {
			off = 12 * float32(1-f) * [...]float32{1, -1}[int(f*8)%2]
		}
		a.dots.Move(fyne.NewPos(x+off, a.dots.Position().Y))
	})
	anim.Start()
}

// showPanel opens the settings panel.
func (a *admin) showPanel() {
	s, th, l := a.settings(), a.th(), a.l()
	a.open = "panel"
	a.modal.show(a.root(), th, l.T("admin.title"), "", "", l.T("admin.close"), nil)
	a.modal.cancel.onTap = a.hide
	button := func(key, label string, selected bool, fn func()) *bigButton {
		b, ok := a.panel[key]
		if !ok {
			b = newBigButton(22, nil)
			a.panel[key] = b
		}
		b.onTap = fn
		bg := th.pal.separator
		if selected {
			bg = toNRGBA(th.accent)
		}
		b.set(label, bg, OnColor(bg))
		b.setDisabled(false)
		return b
	}
	heading := func(text string) *canvas.Text {
		t := canvas.NewText(text, th.pal.muted)
		t.TextSize, t.TextStyle.Bold = 22, true
		return t
	}
	themes := container.NewGridWithColumns(3)
	for _, v := range []struct {
		key string
		v   Variant
	}{{"dark", Dark}, {"light", Light}, {"contrast", HighContrast}} {
		themes.Add(button(v.key, l.T("admin.theme."+v.key), s.Theme == v.v, func() { a.change(func(s *Settings) { s.Theme = v.v }) }))
	}
	langs := container.NewGridWithColumns(len(i18n.Languages))
	for _, lang := range i18n.Languages {
		langs.Add(button(lang, i18n.New(lang).Name(), l.Lang() == lang, func() { a.change(func(s *Settings) { s.Language = lang }) }))
	}
	objs := []fyne.CanvasObject{heading(l.T("admin.theme")), themes, heading(l.T("admin.language")), langs, spacer(12)}
	var actions []fyne.CanvasObject
	if s.OnRepair != nil {
		actions = append(actions, button("repair", l.T("admin.repair"), false, func() { a.hide(); s.OnRepair() }))
	}
	if s.OnExit != nil {
		exit := button("exit", l.T("admin.exit"), false, func() { a.hide(); s.OnExit() })
		exit.set(l.T("admin.exit"), th.toneColor(toneBusy), OnColor(th.toneColor(toneBusy)))
		actions = append(actions, exit)
	}
	if len(actions) > 0 {
		objs = append(objs, container.NewGridWithColumns(len(actions), actions...))
	}
	a.modal.body.Objects = objs
	a.modal.body.Show()
	a.modal.open(a.root())
}

// change applies a setting, tells the caller, and redraws the panel in
// the new theme or language.
func (a *admin) change(edit func(*Settings)) {
	s := a.settings()
	edit(&s)
	a.apply(s)
	if s.OnChange != nil {
		s.OnChange(s)
	}
	a.showPanel()
}

func toNRGBA(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}

// holdArea wraps the header so that holding it for HoldDuration asks for
// the admin PIN. Touch screens deliver presses as mouse buttons on the
// desktop drivers.
type holdArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	a       *admin
}

func newHoldArea(content fyne.CanvasObject, a *admin) *holdArea {
	h := &holdArea{content: content, a: a}
	h.ExtendBaseWidget(h)
	return h
}

// MouseDown starts the long press.
func (h *holdArea) MouseDown(*desktop.MouseEvent) { h.a.startHold() }

// MouseUp cancels a long press that has not completed.
func (h *holdArea) MouseUp(*desktop.MouseEvent) { h.a.cancelHold() }

// Cursor keeps the pointer hidden over the header too.
func (h *holdArea) Cursor() desktop.Cursor { return desktop.HiddenCursor }

func (h *holdArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(h.content) }

// setFonts reaches the header inside, which applyFonts cannot see through
// a widget: a text without a FontSource is drawn with the theme's font
// looked up per theme scope, not the kiosk's cached one.
func (h *holdArea) setFonts(th *Theme) { applyFonts(th, h.content) }

var _ desktop.Mouseable = (*holdArea)(nil)
