package kiosk

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

type roomHarness struct {
	p     *RoomPlayer
	w     fyne.Window
	clock *fakeClock
	hub   *fakeHub
	run   *syncRun
}

func newRoomHarness(t *testing.T, id string, s Settings, st State, now time.Time) *roomHarness {
	t.Helper()
	test.NewTempApp(t)
	h := &roomHarness{clock: newFakeClock(now), hub: &fakeHub{}, run: &syncRun{}}
	h.p = NewRoomPlayer(h.hub, id, h.clock, s)
	h.run.install(h.p.br)
	h.w = test.NewTempWindow(t, h.p.Object())
	h.w.SetPadded(false)
	h.w.Resize(fyne.NewSize(1280, 800))
	h.p.Update(st)
	t.Cleanup(h.p.Close)
	return h
}

func TestRoomPlayerStates(t *testing.T) {
	for name, st := range roomStates() {
		t.Run(name, func(t *testing.T) {
			h := newRoomHarness(t, zurichID, Settings{Language: "en"}, st, at(zurich, 10, 0))
			checkMarkup(t, "room-"+name, h.w.Canvas())
			capture(t, "room-"+name, h.w)
		})
	}
}

func TestRoomPlayerLanguages(t *testing.T) {
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "de"} {
		t.Run(lang, func(t *testing.T) {
			s := Settings{Language: lang, Fonts: needCJK(t, lang)}
			now := at(taipei, 10, 0)
			h := newRoomHarness(t, taipeiID, s, online(now, taipeiRoom()), now)
			checkMarkup(t, "room-lang-"+lang, h.w.Canvas())
			capture(t, "room-lang-"+lang, h.w)
		})
	}
}

// TestRoomPlayerThemes renders the light and high-contrast themes with an
// operator logo and accent colour.
func TestRoomPlayerThemes(t *testing.T) {
	for name, s := range map[string]Settings{
		"light":         {Language: "en", Theme: Light, Logo: testLogo(t), Accent: color.NRGBA{R: 0x6a, G: 0x1b, B: 0x9a, A: 0xff}},
		"high-contrast": {Language: "de", Theme: HighContrast},
	} {
		t.Run(name, func(t *testing.T) {
			h := newRoomHarness(t, zurichID, s, roomStates()["check-in-due"], at(zurich, 10, 0))
			checkMarkup(t, "room-theme-"+name, h.w.Canvas())
			capture(t, "room-theme-"+name, h.w)
		})
	}
}

// testLogo is an operator logo: a PNG with two coloured bars.
func testLogo(t *testing.T) fyne.Resource {
	img := image.NewNRGBA(image.Rect(0, 0, 160, 56))
	for y := range 56 {
		for x := range 160 {
			c := color.NRGBA{R: 0x6a, G: 0x1b, B: 0x9a, A: 0xff}
			if x > 60 {
				c = color.NRGBA{R: 0xf0, G: 0xa5, A: 0xff}
			}
			if y%28 < 4 {
				c.A = 0
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return fyne.NewStaticResource("logo.png", buf.Bytes())
}
