package kiosk

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/roomboard/roomboard/core/hubproto"
)

// TestRoomPlayerActions taps each action, confirms, checks the progress
// indicator while the hub works, then the request sent and the answer
// shown.
func TestRoomPlayerActions(t *testing.T) {
	states := roomStates()
	tests := []struct {
		name    string
		state   string
		button  func(p *RoomPlayer) *bigButton
		answer  fakeAnswer
		want    hubproto.ActionRequest
		message string
	}{
		{"book 30 min", "free", func(p *RoomPlayer) *bigButton { return p.bookBtns[1] }, fakeAnswer{},
			hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: zurichID, Minutes: 30}, "Booked until 10:30 AM."},
		{"book until next", "free", func(p *RoomPlayer) *bigButton { return p.bookBtns[4] }, fakeAnswer{},
			hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: zurichID, Until: at(zurich, 11, 30)}, "Booked until 11:30 AM."},
		{"book conflict", "free", func(p *RoomPlayer) *bigButton { return p.bookBtns[0] },
			fakeAnswer{err: &hubproto.Error{Code: hubproto.ErrorCodeConflict, Message: "slot taken"}},
			hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: zurichID, Minutes: 15},
			"That time is no longer free: someone else has booked the room."},
		{"extend", "busy", func(p *RoomPlayer) *bigButton { return p.extendBtns[0] }, fakeAnswer{},
			hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: zurichID, BookingID: "b-9", Minutes: 15}, "Extended until 11:00 AM."},
		{"extend declined", "busy", func(p *RoomPlayer) *bigButton { return p.extendBtns[1] },
			fakeAnswer{res: hubproto.ActionResult{Error: &hubproto.Error{Code: hubproto.ErrorCodeDeclined}}},
			hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: zurichID, BookingID: "b-9", Minutes: 30},
			"The room's calendar declined the request."},
		{"end", "busy", func(p *RoomPlayer) *bigButton { return p.endBtn }, fakeAnswer{},
			hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: zurichID, BookingID: "b-9"}, "The room is free again."},
		{"check in", "check-in-due", func(p *RoomPlayer) *bigButton { return p.checkInBtn }, fakeAnswer{},
			hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: zurichID, BookingID: "b-10"}, "Checked in. Enjoy your meeting."},
		{"check in early", "starting-soon", func(p *RoomPlayer) *bigButton { return p.checkInBtn },
			fakeAnswer{err: &hubproto.Error{Code: hubproto.ErrorCodeUnavailable}},
			hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: zurichID, BookingID: "b-10"},
			"The calendar server cannot be reached right now. Please try again in a moment."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newRoomHarness(t, zurichID, Settings{Language: "en"}, states[tc.state], at(zurich, 10, 0))
			h.hub.answers = []fakeAnswer{tc.answer}
			btn := tc.button(h.p)
			if !btn.Visible() || h.p.actions.Hidden || !containsObject(h.p.actions.Objects, btn) {
				t.Fatalf("button %q is not shown", btn.label.Text)
			}
			test.Tap(btn)
			if !h.p.modal.visible() || !h.p.modal.confirm.Visible() {
				t.Fatal("no confirmation asked")
			}
			if len(h.hub.reqs) != 0 {
				t.Fatal("acted before confirmation")
			}
			test.Tap(h.p.modal.confirm)
			if !h.p.modal.progress.Visible() || !h.p.acting {
				t.Error("no progress shown while the hub works")
			}
			h.run.flush()
			if len(h.hub.reqs) != 1 {
				t.Fatalf("sent %d requests, want 1", len(h.hub.reqs))
			}
			got := h.hub.reqs[0]
			if got.RequestID == "" || got.Check() != nil {
				t.Errorf("request %+v is not well formed: %v", got, got.Check())
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(hubproto.ActionRequest{}, "RequestID")); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if h.p.modal.progress.Visible() || h.p.acting {
				t.Error("progress still shown after the answer")
			}
			if got := modalText(h.p.modal); got != tc.message {
				t.Errorf("answer shown = %q, want %q", got, tc.message)
			}
			if tc.name == "book conflict" {
				checkMarkup(t, "room-hub-error", h.w.Canvas())
				capture(t, "room-hub-error", h.w)
			}
			// The answer goes away by itself.
			h.clock.Advance(resultShownFor)
			if h.p.modal.visible() {
				t.Error("the answer is still shown after", resultShownFor)
			}
		})
	}
}

// TestRoomPlayerCancel checks that Cancel sends nothing.
func TestRoomPlayerCancel(t *testing.T) {
	h := newRoomHarness(t, zurichID, Settings{Language: "en"}, roomStates()["busy"], at(zurich, 10, 0))
	test.Tap(h.p.endBtn)
	test.Tap(h.p.modal.cancel)
	h.run.flush()
	if len(h.hub.reqs) != 0 || h.p.modal.visible() {
		t.Errorf("cancel sent %d requests, dialog visible %v", len(h.hub.reqs), h.p.modal.visible())
	}
}

// TestRoomPlayerAppliesAnswer checks that the room the hub returns is shown
// at once, before the stream delivers it.
func TestRoomPlayerAppliesAnswer(t *testing.T) {
	st := roomStates()["free"]
	rv := st.Rooms[0]
	rv.Bookings = append([]hubproto.BookingView{{ID: "new", Start: at(zurich, 10, 0), End: at(zurich, 10, 30), Mine: true}}, rv.Bookings...)
	h := newRoomHarness(t, zurichID, Settings{Language: "en"}, st, at(zurich, 10, 0))
	h.hub.answers = []fakeAnswer{{res: hubproto.ActionResult{OK: true, Room: &rv}}}
	test.Tap(h.p.bookBtns[1])
	test.Tap(h.p.modal.confirm)
	h.run.flush()
	if h.p.model.Headline != "Busy" && h.p.model.Headline != "Check in now" {
		t.Errorf("headline after booking = %q, want busy", h.p.model.Headline)
	}
	if st.Rooms[0].Bookings[0].ID == "new" {
		t.Error("the client's State was modified")
	}
}

// TestRoomPlayerOfflineKeepsMoving checks that with no message from the
// hub the status and clock follow time from the cached bookings.
func TestRoomPlayerOfflineKeepsMoving(t *testing.T) {
	st := roomStates()["offline"]
	h := newRoomHarness(t, zurichID, Settings{Language: "en"}, st, at(zurich, 10, 0))
	if h.p.model.Headline != "Free" {
		t.Fatalf("headline = %q, want Free", h.p.model.Headline)
	}
	h.clock.Advance(81 * time.Minute) // 11:21: Sprint review starts at 11:30
	if got, want := h.p.model.Headline, "Starting soon"; got != want {
		t.Errorf("headline at 11:21 = %q, want %q", got, want)
	}
	if got, want := h.p.model.Clock, "11:21 AM"; got != want {
		t.Errorf("clock = %q, want %q", got, want)
	}
	if !strings.Contains(h.p.model.Banner, "1 h 24 min ago") {
		t.Errorf("banner = %q, want the data's age", h.p.model.Banner)
	}
	h.clock.Advance(10 * time.Minute)
	if got, want := h.p.model.Headline, "Check in now"; got != want {
		t.Errorf("headline at 11:31 = %q, want %q", got, want)
	}
	for _, b := range h.p.bookBtns {
		if containsObject(h.p.actions.Objects, b) {
			t.Error("book offered while busy")
		}
	}
	if !h.p.endBtn.disabled {
		t.Error("end is enabled while offline")
	}
}

// TestRoomPlayerLanguageSwitch switches language at run time.
func TestRoomPlayerLanguageSwitch(t *testing.T) {
	h := newRoomHarness(t, zurichID, Settings{Language: "en"}, roomStates()["busy"], at(zurich, 10, 0))
	for _, want := range []string{"使用中", "使用中", "Belegt", "Busy"} {
		test.Tap(h.p.langBtn)
		if h.p.model.Headline != want {
			t.Errorf("after switching to %s: headline %q, want %q", h.p.l.Lang(), h.p.model.Headline, want)
		}
	}
}

// TestOffHours checks the overlay outside office hours and the tap to wake.
func TestOffHours(t *testing.T) {
	for _, mode := range []OffHoursMode{OffHoursDim, OffHoursBlank, OffHoursOn} {
		s := Settings{Language: "en", OfficeHours: OfficeHours{Start: 8 * time.Hour, End: 18 * time.Hour, Outside: mode}}
		h := newRoomHarness(t, zurichID, s, roomStates()["free"], at(zurich, 7, 0))
		if got, want := h.p.over.Visible(), mode != OffHoursOn; got != want {
			t.Errorf("mode %d at 07:00: overlay visible %v, want %v", mode, got, want)
		}
		if mode == OffHoursBlank && h.p.over.clock.Text != "7:00 AM" {
			t.Errorf("blank screen clock = %q", h.p.over.clock.Text)
		}
		test.Tap(h.p.over)
		if h.p.over.Visible() {
			t.Errorf("mode %d: a tap did not wake the screen", mode)
		}
		h.clock.Advance(wakeFor + tickEvery)
		if got, want := h.p.over.Visible(), mode != OffHoursOn; got != want {
			t.Errorf("mode %d after waking: overlay visible %v, want %v", mode, got, want)
		}
		h.clock.Advance(time.Hour) // 08:02
		if h.p.over.Visible() {
			t.Errorf("mode %d: overlay in office hours", mode)
		}
	}
}

func containsObject(objs []fyne.CanvasObject, o fyne.CanvasObject) bool {
	for _, x := range objs {
		if x == o {
			return true
		}
	}
	return false
}

func modalText(m *modal) string { return m.msgText }
