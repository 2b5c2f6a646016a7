package kiosk

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// textsWithoutFont lists the texts under o, through containers and
// widgets' renderers, that have no FontSource.
func textsWithoutFont(o fyne.CanvasObject) []string {
	var out []string
	switch x := o.(type) {
	case *canvas.Text:
		if x.FontSource == nil {
			out = append(out, x.Text)
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, textsWithoutFont(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, textsWithoutFont(c)...)
		}
	}
	return out
}

// TestPlayersGiveEveryTextAFont guards against a leak in Fyne's OpenGL
// painter: a text without a FontSource is drawn with the theme's font,
// which Fyne parses anew (tens of MB for a CJK font) for each theme scope
// and keeps for ever. Every text the players draw carries the kiosk's font.
func TestPlayersGiveEveryTextAFont(t *testing.T) {
	now := at(taipei, 10, 0)
	s := Settings{Language: "zh-TW"}
	t.Run("room", func(t *testing.T) {
		h := newRoomHarness(t, taipeiID, s, online(now, taipeiRoom()), now)
		h.p.onLanguage() // a change of settings must reach every text too
		if got := textsWithoutFont(h.p.Object()); len(got) != 0 {
			t.Errorf("texts without a FontSource: %q", got)
		}
	})
	t.Run("floor", func(t *testing.T) {
		h := newFloorHarness(t, s, online(now, floorRooms()...), now)
		if got := textsWithoutFont(h.f.Object()); len(got) != 0 {
			t.Errorf("texts without a FontSource: %q", got)
		}
	})
}
