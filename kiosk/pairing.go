package kiosk

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

// PairingScreen is what an unpaired kiosk shows while it waits for an
// operator: the pairing code in large type, a QR code of the console's
// approval page, the hub certificate's fingerprint to compare, the time
// left, and the steps in the display's language. It does no networking:
// the caller asks the hub for the code, polls it, and calls SetResponse
// with a new code or SetError when the hub refused or the code expired.
// Its methods other than Close must be called on the UI goroutine.
type PairingScreen struct {
	clock    Clock
	br       *bridge
	settings Settings
	th       *Theme
	l        i18n.Localizer
	resp     hubproto.PairResponse
	errMsg   string

	root        *container.ThemeOverride
	bg          *canvas.Rectangle
	title       *fitText
	steps       [3]*fitText
	code        *canvas.Text
	fingerprint [2]*canvas.Text
	expires     *fitText
	qr          *canvas.Image
	qrCaption   *fitText
	url         *fitText
	bannerBg    *canvas.Rectangle
	banner      *fitText
	bannerBox   *fyne.Container
	stopTick    func()
}

// NewPairingScreen returns the screen for resp in the language and theme
// of s. Call Close when pairing ends.
func NewPairingScreen(resp hubproto.PairResponse, s Settings) *PairingScreen {
	return newPairingScreen(resp, s, SystemClock{})
}

func newPairingScreen(resp hubproto.PairResponse, s Settings, clock Clock) *PairingScreen {
	p := &PairingScreen{clock: clock, br: newBridge(), settings: s, th: NewTheme(s), l: i18n.New(s.Language)}
	p.build()
	p.SetResponse(resp)
	p.stopTick = clock.Every(time.Second, func() { p.br.ui(p.render) })
	return p
}

// Object returns the screen's canvas object.
func (p *PairingScreen) Object() fyne.CanvasObject { return p.root }

// Close stops the countdown; it may be called from any goroutine.
func (p *PairingScreen) Close() {
	p.stopTick()
	p.br.close()
}

// SetResponse shows a new pairing code and clears the error.
func (p *PairingScreen) SetResponse(resp hubproto.PairResponse) {
	p.resp, p.errMsg = resp, ""
	p.qr.Image = nil
	if resp.QR != "" {
		if q, err := encodeQR(resp.QR); err == nil {
			p.qr.Image = q.image(8)
		}
	}
	p.render()
}

// SetError shows msg (the hub refused the code, or it expired) with a
// note that pairing starts again; the next SetResponse clears it.
func (p *PairingScreen) SetError(msg string) {
	p.errMsg = msg
	p.render()
}

func (p *PairingScreen) build() {
	p.bg = canvas.NewRectangle(color.Black)
	p.title = newFitText(48, true, fyne.TextAlignLeading)
	for i := range p.steps {
		p.steps[i] = newFitText(24, false, fyne.TextAlignLeading)
		p.steps[i].lines = 2
	}
	p.code = canvas.NewText("", color.White)
	// The code and fingerprint are Latin letters and digits: Fyne's own
	// monospace font keeps look-alikes (0/O, 1/I) apart.
	p.code.TextSize, p.code.TextStyle = 120, fyne.TextStyle{Bold: true, Monospace: true}
	p.code.FontSource = p.th.Font(p.code.TextStyle)
	for i := range p.fingerprint {
		p.fingerprint[i] = canvas.NewText("", color.White)
		p.fingerprint[i].TextSize, p.fingerprint[i].TextStyle = 30, fyne.TextStyle{Monospace: true}
		p.fingerprint[i].FontSource = p.th.Font(p.fingerprint[i].TextStyle)
	}
	p.expires = newFitText(26, true, fyne.TextAlignLeading)
	p.qr = canvas.NewImageFromImage(nil)
	p.qr.FillMode, p.qr.ScaleMode = canvas.ImageFillContain, canvas.ImageScalePixels
	p.qr.SetMinSize(fyne.NewSize(380, 380))
	p.qrCaption = newFitText(24, true, fyne.TextAlignCenter)
	p.url = newFitText(18, false, fyne.TextAlignCenter)
	p.url.lines = 2
	p.bannerBg = canvas.NewRectangle(color.Black)
	p.banner = newFitText(26, true, fyne.TextAlignCenter)
	p.banner.lines = 2
	p.bannerBox = container.NewStack(p.bannerBg, container.New(layout.NewCustomPaddedLayout(12, 12, 20, 20), p.banner))

	left := container.NewVBox(p.title, spacer(16), p.steps[0], p.steps[1], p.code, p.steps[2],
		p.fingerprint[0], p.fingerprint[1], spacer(16), p.expires)
	right := container.NewVBox(container.NewCenter(p.qr), p.qrCaption, p.url)
	body := container.New(layout.NewCustomPaddedLayout(40, 40, 56, 56),
		container.New(&splitLayout{ratio: 0.6}, left, container.NewCenter(right)))
	p.root = container.NewThemeOverride(container.NewStack(newCursorHider(), p.bg,
		container.NewBorder(p.bannerBox, nil, nil, nil, body)), p.th)
	applyFonts(p.th, p.root)
}

// groupFingerprint writes the first 32 hex digits of a SHA-256 in two
// lines of four groups of four, upper case, as operators read them aloud.
func groupFingerprint(hex string) [2]string {
	hex = strings.ToUpper(hex)
	var groups []string
	for i := 0; i+4 <= len(hex) && len(groups) < 8; i += 4 {
		groups = append(groups, hex[i:i+4])
	}
	var out [2]string
	out[0] = strings.Join(groups[:min(4, len(groups))], " ")
	if len(groups) > 4 {
		out[1] = strings.Join(groups[4:], " ") + " …"
	}
	return out
}

func (p *PairingScreen) render() {
	th, l := p.th, p.l
	fg, muted := th.pal.foreground, th.pal.muted
	p.bg.FillColor = th.pal.background
	p.title.set(l.T("pair.title"), fg)
	for i, k := range []string{"pair.step1", "pair.step2", "pair.step3"} {
		p.steps[i].set(l.T(k), muted)
	}
	p.code.Text, p.code.Color = p.resp.Code, th.accentText()
	fp := groupFingerprint(p.resp.CertSHA256)
	for i := range p.fingerprint {
		p.fingerprint[i].Text, p.fingerprint[i].Color = fp[i], fg
	}
	p.steps[2].Hidden = p.resp.CertSHA256 == ""

	left := p.resp.ExpiresAt.Sub(p.clock.Now()).Truncate(time.Second)
	switch {
	case p.resp.ExpiresAt.IsZero():
		p.expires.set("", fg)
	case left <= 0:
		p.expires.set(l.T("pair.expired"), th.toneColor(toneSoon))
	default:
		p.expires.set(l.T("pair.expires", "time", fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)), fg)
	}
	p.qr.Hidden = p.qr.Image == nil
	p.qrCaption.set(l.T("pair.scan"), fg)
	p.qrCaption.Hidden = p.qr.Hidden
	p.url.set(p.resp.QR, muted)
	if p.qr.Hidden && p.resp.QR != "" {
		p.qrCaption.Hidden = false
		p.qrCaption.set(l.T("pair.noQR"), fg)
		p.url.maxSize, p.url.minSize = 26, 16
	}

	p.bannerBg.FillColor = th.toneColor(toneBusy)
	p.banner.set("", OnColor(p.bannerBg.FillColor))
	if p.errMsg != "" {
		p.banner.set(l.T("pair.restarting", "message", p.errMsg), OnColor(p.bannerBg.FillColor))
	}
	p.bannerBox.Hidden = p.errMsg == ""
	p.root.Refresh()
}
