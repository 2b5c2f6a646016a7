package kiosk

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/roomboard/roomboard/core/hubproto"
)

func TestPairingScreen(t *testing.T) {
	now := at(zurich, 10, 0)
	resp := hubproto.PairResponse{ID: "p1", Code: "K7Q-4MX", ExpiresAt: now.Add(10 * time.Minute),
		QR:         "https://hub.example:8443/console/pair?code=K7Q4MX",
		CertSHA256: "3f2a91c07d1e55aa0b3c9f102e4d7a88aabbccddeeff00112233445566778899"}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "de"} {
		t.Run(lang, func(t *testing.T) {
			test.NewTempApp(t)
			clock := newFakeClock(now)
			s := Settings{Language: lang}
			if lang != "en" && lang != "de" {
				s.Fonts = needCJK(t, lang)
			}
			p := newPairingScreen(resp, s, clock)
			(&syncRun{}).install(p.br)
			t.Cleanup(p.Close)
			w := test.NewTempWindow(t, p.Object())
			w.SetPadded(false)
			w.Resize(fyne.NewSize(1280, 800))
			markup := test.RenderToMarkup(w.Canvas())
			want := map[string]string{"en": "The code expires in 10:00", "de": "Der Code läuft in 10:00 ab",
				"zh-TW": "代碼將於 10:00 後失效", "zh-CN": "代码将在 10:00 后失效"}[lang]
			for _, s := range []string{"K7Q-4MX", "3F2A 91C0 7D1E 55AA", "0B3C 9F10 2E4D 7A88 …", want} {
				if !strings.Contains(markup, s) {
					t.Errorf("the screen lacks %q", s)
				}
			}
			if p.qr.Image == nil || p.qr.Hidden {
				t.Fatal("no QR code")
			}
			if b := p.qr.Image.Bounds(); b.Dx() != b.Dy() || b.Dx() < 200 {
				t.Errorf("QR image %v", b)
			}
			clock.Advance(9*time.Minute + 30*time.Second)
			if got := p.expires.full; !strings.Contains(got, "0:30") {
				t.Errorf("after 9:30 the countdown shows %q", got)
			}
			clock.Advance(time.Minute)
			if got := p.expires.full; got != p.l.T("pair.expired") {
				t.Errorf("after expiry: %q", got)
			}
			p.SetError("The hub refused the code.")
			if p.bannerBox.Hidden || !strings.Contains(p.banner.full, "The hub refused the code.") {
				t.Errorf("SetError: banner hidden %v, %q", p.bannerBox.Hidden, p.banner.full)
			}
			capture(t, "pairing-"+lang, w)
			if lang == "en" {
				checkMarkup(t, "pairing-error-en", w.Canvas())
			}
			next := resp
			next.Code, next.ExpiresAt = "ZZ9-PLR", clock.Now().Add(5*time.Minute)
			p.SetResponse(next)
			if !p.bannerBox.Hidden || p.code.Text != "ZZ9-PLR" {
				t.Error("a new code did not clear the error")
			}
		})
	}
}

func TestPairingScreenWithoutQR(t *testing.T) {
	test.NewTempApp(t)
	long := "https://hub.example/" + strings.Repeat("x", 300)
	p := newPairingScreen(hubproto.PairResponse{Code: "AB1-CD2", QR: long}, Settings{Language: "en"}, newFakeClock(at(zurich, 10, 0)))
	t.Cleanup(p.Close)
	w := test.NewTempWindow(t, p.Object())
	w.Resize(fyne.NewSize(1280, 800))
	if !p.qr.Hidden {
		t.Error("a QR code for text that does not fit one")
	}
	if p.qrCaption.full != "Open this address:" || p.url.full != long {
		t.Errorf("fallback shows %q / %q", p.qrCaption.full, p.url.full)
	}
}

func TestGroupFingerprint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [2]string
	}{
		{"", [2]string{"", ""}},
		{"abcd", [2]string{"ABCD", ""}},
		{strings.Repeat("0123", 16), [2]string{"0123 0123 0123 0123", "0123 0123 0123 0123 …"}},
	} {
		if got := groupFingerprint(tc.in); got != tc.want {
			t.Errorf("groupFingerprint(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHiddenCursor checks that every player hides the pointer: the
// desktop driver asks the objects under the pointer, outermost first, and
// the last Cursorable wins.
func TestHiddenCursor(t *testing.T) {
	now := at(zurich, 10, 0)
	rh := newRoomHarness(t, zurichID, Settings{Language: "en"}, roomStates()["busy"], now)
	fh := newFloorHarness(t, Settings{Language: "en"}, online(now, floorRooms()...), now)
	ps := newPairingScreen(hubproto.PairResponse{Code: "AB1-CD2"}, Settings{}, newFakeClock(now))
	t.Cleanup(ps.Close)
	for name, obj := range map[string]fyne.CanvasObject{"room": rh.p.Object(), "floor": fh.f.Object(), "pairing": ps.Object()} {
		var cursors []desktop.Cursor
		walk(obj, func(o any) {
			if c, ok := o.(desktop.Cursorable); ok {
				cursors = append(cursors, c.Cursor())
			}
		})
		if len(cursors) == 0 {
			t.Errorf("%s: nothing hides the cursor", name)
		}
		for _, c := range cursors {
			if c != desktop.HiddenCursor {
				t.Errorf("%s: a Cursorable shows cursor %v", name, c)
			}
		}
	}
}

// walk visits o and everything inside it.
func walk(o any, fn func(any)) {
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case *container.ThemeOverride:
		walk(x.Content, fn)
	case *holdArea:
		walk(x.content, fn)
	case fyne.Widget:
		r := test.WidgetRenderer(x) // the cached renderer, as the driver uses
		for _, c := range r.Objects() {
			walk(c, fn)
		}
	}
}
