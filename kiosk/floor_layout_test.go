package kiosk

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

func TestGroupLabel(t *testing.T) {
	for _, tc := range []struct {
		lang, building, floor, want string
	}{
		{"zh-TW", "台北 101 大樓", "", "台北 101 大樓"},
		{"zh-TW", "台北 101 大樓", "35", "台北 101 大樓・35 樓"},
		{"de", "", "2", "Etage 2"},
		{"en", "", "", "Other rooms"},
		{"en", "Zürich HQ", "3", "Zürich HQ · Floor 3"},
	} {
		got := groupLabel(i18n.New(tc.lang), hubproto.RoomView{Building: tc.building, Floor: tc.floor})
		if got != tc.want {
			t.Errorf("%s %q/%q: %q, want %q", tc.lang, tc.building, tc.floor, got, tc.want)
		}
	}
}

// TestFloorTileNamesFit checks that long CJK and German names are shown
// whole on a 1280×800 floor player (six columns), wrapping to a second
// line rather than ending in "…".
func TestFloorTileNamesFit(t *testing.T) {
	now := at(taipei, 10, 0)
	names := []string{"台北 101 會議室 35A", "台北 101 會議室 35B 董事會", "Besprechungsraum Jungfraujoch", "松山"}
	var rooms []hubproto.RoomView
	for i, n := range names {
		rv := taipeiRoom()
		rv.ID, rv.Name, rv.Building, rv.Floor = "t"+string(rune('a'+i)), n, "台北 101 大樓", ""
		rv.Bookings = nil
		rooms = append(rooms, rv)
	}
	h := newFloorHarness(t, Settings{Language: "zh-TW", Fonts: needCJK(t, "zh-TW")}, online(now, rooms...), now)
	h.w.Resize(fyne.NewSize(1280, 800))
	h.f.render()
	if got := columns(h.f.grid.Size().Width); got != 6 {
		t.Fatalf("columns = %d, want 6", got)
	}
	wrapped := false
	for _, tile := range h.f.grid.tiles[:len(names)] {
		shown := tile.name.shown()
		if strings.Contains(shown, "…") || strings.ReplaceAll(shown, "\n", "") != strings.ReplaceAll(tile.model.Name, " ", "") &&
			strings.ReplaceAll(shown, "\n", " ") != tile.model.Name && strings.ReplaceAll(shown, "\n", "") != tile.model.Name {
			t.Errorf("tile %q shows %q", tile.model.Name, shown)
		}
		wrapped = wrapped || strings.Contains(shown, "\n")
	}
	if !wrapped {
		t.Error("no long name wrapped; the test lost its point")
	}
	if got := h.f.grid.headers[0].Text; got != "台北 101 大樓" {
		t.Errorf("header %q", got)
	}
	capture(t, "floor-long-names-zh-TW", h.w)
}
