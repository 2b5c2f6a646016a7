package kiosk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/roomboard/roomboard/core/hubproto"
)

// floorRooms are 46 rooms over two buildings and four floors, with a mix
// of states at 10:00 Taipei time.
func floorRooms() []hubproto.RoomView {
	names := []string{"松山", "信義", "大安", "中山", "Säntis", "Pilatus", "Rigi", "Eiger", "淡水", "北投", "Jungfrau", "Tödi"}
	var out []hubproto.RoomView
	for i := range 46 {
		b, fl := "台北總部", fmt.Sprint(9+i/16)
		if i >= 32 {
			b, fl = "Zürich HQ", fmt.Sprint(i/40+2)
		}
		rv := taipeiRoom()
		rv.ID = fmt.Sprintf("r%02d@example.com", i)
		rv.Name = fmt.Sprintf("%s %d%02d", names[i%len(names)], 9+i/16, i%16+1)
		rv.Building, rv.Floor, rv.Capacity = b, fl, 4+i%4*2
		rv.Bookings = nil
		switch i % 5 {
		case 0: // busy until 11:00
			rv.Bookings = append(rv.Bookings, hubproto.BookingView{ID: "a", Subject: "x", Start: at(taipei, 9, 0), End: at(taipei, 11, 0), CheckedInAt: at(taipei, 9, 1)})
		case 1: // free until 13:00
			rv.Bookings = append(rv.Bookings, booking("b", "y", "", taipei, 13, 0, 14, 0))
		case 2: // starting soon
			rv.Bookings = append(rv.Bookings, booking("c", "z", "", taipei, 10, 5, 11, 0))
		case 3: // free all day
		case 4: // free until 10:45
			rv.Bookings = append(rv.Bookings, booking("d", "w", "", taipei, 10, 45, 12, 0))
		}
		out = append(out, rv)
	}
	return out
}

type floorHarness struct {
	f     *FloorPlayer
	w     fyne.Window
	clock *fakeClock
}

func newFloorHarness(t *testing.T, s Settings, st State, now time.Time) *floorHarness {
	t.Helper()
	test.NewTempApp(t)
	h := &floorHarness{clock: newFakeClock(now)}
	h.f = NewFloorPlayer(h.clock, s)
	(&syncRun{}).install(h.f.br)
	h.w = test.NewTempWindow(t, h.f.Object())
	h.w.SetPadded(false)
	h.w.Resize(fyne.NewSize(1920, 1080))
	h.f.Update(st)
	t.Cleanup(h.f.Close)
	return h
}

func TestFloorPlayerPaging(t *testing.T) {
	s := Settings{Language: "en", Fonts: needCJK(t, "zh-TW"), Building: "台北總部", Floor: "10"}
	now := at(taipei, 10, 0)
	h := newFloorHarness(t, s, online(now, floorRooms()...), now)
	if got := h.f.pages(); got != 2 {
		t.Fatalf("pages = %d, want 2", got)
	}
	checkMarkup(t, "floor-page1", h.w.Canvas())
	capture(t, "floor-page1", h.w)

	test.Tap(h.f.next)
	if h.f.page != 1 {
		t.Fatalf("after Next: page %d, want 1", h.f.page)
	}
	checkMarkup(t, "floor-page2", h.w.Canvas())
	capture(t, "floor-page2", h.w)

	// The page advances by itself and wraps around.
	h.clock.Advance(s.pageInterval())
	if h.f.page != 0 {
		t.Errorf("after the page interval: page %d, want 0", h.f.page)
	}
	// A swipe to the left turns to the next page, a short drag does not.
	test.Drag(h.w.Canvas(), fyne.NewPos(900, 500), -40, 0)
	if h.f.page != 0 {
		t.Errorf("after a short drag: page %d, want 0", h.f.page)
	}
	test.Drag(h.w.Canvas(), fyne.NewPos(900, 500), -200, 0)
	if h.f.page != 1 {
		t.Errorf("after a swipe: page %d, want 1", h.f.page)
	}
}

func TestFloorPlayerDetails(t *testing.T) {
	s := Settings{Language: "zh-TW", Fonts: needCJK(t, "zh-TW"), Building: "台北總部", Floor: "10"}
	now := at(taipei, 10, 0)
	h := newFloorHarness(t, s, online(now, floorRooms()...), now)
	var tile *roomTile
	for _, tl := range h.f.grid.tiles {
		if tl.model.Room.ID == "r01@example.com" { // free until 13:00
			tile = tl
		}
	}
	if tile == nil {
		t.Fatal("room r01 is not on the first page")
	}
	test.Tap(tile)
	if !h.f.modal.visible() {
		t.Fatal("tapping a tile showed no details")
	}
	markup := test.RenderToMarkup(h.w.Canvas())
	for _, want := range []string{tile.model.Room.Name, "今日空閒時段", "10:00 – 13:00", "14:00 – 00:00"} {
		if !strings.Contains(markup, want) {
			t.Errorf("details lack %q", want)
		}
	}
	capture(t, "floor-details-zh-TW", h.w)
}
