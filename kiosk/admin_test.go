package kiosk

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// testPINHash is the hash of "2468" with a small work factor, so tests
// under -race stay quick; HashPIN's own factor is tested separately.
func testPINHash(t *testing.T, pin string) string {
	t.Helper()
	h, err := hashPIN(pin, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCheckPIN(t *testing.T) {
	h, err := HashPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$600000$") {
		t.Errorf("HashPIN = %q, want the pbkdf2-sha256$600000$ format", h)
	}
	parts := strings.Split(h, "$")
	for _, tc := range []struct {
		name, hash, pin string
		want            bool
	}{
		{"right", h, "2468", true},
		{"wrong", h, "2469", false},
		{"empty pin", h, "", false},
		{"empty hash", "", "2468", false},
		{"other scheme", "bcrypt$" + strings.Join(parts[1:], "$"), "2468", false},
		{"huge work factor", strings.Join([]string{parts[0], "999999999", parts[2], parts[3]}, "$"), "2468", false},
		{"bad salt", strings.Join([]string{parts[0], parts[1], "!!", parts[3]}, "$"), "2468", false},
		{"short key", strings.Join([]string{parts[0], parts[1], parts[2], "AAAA"}, "$"), "2468", false},
		{"too many fields", h + "$x", "2468", false},
	} {
		if got := CheckPIN(tc.hash, tc.pin); got != tc.want {
			t.Errorf("%s: CheckPIN = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// press holds the header for d, then lets go.
func press(h *roomHarness, d time.Duration) {
	area := h.p.admin
	area.startHold()
	h.clock.Advance(d)
	area.cancelHold()
}

func enterPIN(h *roomHarness, pin string) {
	for _, r := range pin {
		test.Tap(h.p.admin.keys[string(r)])
	}
	test.Tap(h.p.modal.confirm)
	h.run.flush() // the PBKDF2 check runs in the background
}

func TestAdminLongPress(t *testing.T) {
	now := at(zurich, 10, 0)
	var exited, repaired int
	var changed []Settings
	s := Settings{Language: "en", AdminPINHash: testPINHash(t, "2468"),
		OnExit: func() { exited++ }, OnRepair: func() { repaired++ }, OnChange: func(s Settings) { changed = append(changed, s) }}
	h := newRoomHarness(t, zurichID, s, roomStates()["free"], now)

	// The header is the hold area, and it reacts to mouse (touch) buttons.
	hold := findHoldArea(t, h)
	hold.MouseDown(&desktop.MouseEvent{})
	h.clock.Advance(2 * time.Second)
	hold.MouseUp(&desktop.MouseEvent{})
	h.clock.Advance(5 * time.Second)
	if h.p.modal.visible() {
		t.Fatal("a 2 s press opened the PIN pad")
	}
	hold.MouseDown(&desktop.MouseEvent{})
	h.clock.Advance(HoldDuration)
	hold.MouseUp(&desktop.MouseEvent{})
	if !h.p.admin.pinVisible() {
		t.Fatal("a 3 s press did not open the PIN pad")
	}
	if got := test.RenderToMarkup(h.w.Canvas()); !strings.Contains(got, "Administrator PIN") {
		t.Error("the PIN pad has no title")
	}

	// Digits show as dots; backspace and clear edit them.
	for _, k := range []string{"1", "2", "back", "3"} {
		test.Tap(h.p.admin.keys[k])
	}
	if got := h.p.admin.enteredDots(); got != "●●" {
		t.Errorf("after 1 2 ⌫ 3: dots %q, want ●●", got)
	}
	test.Tap(h.p.admin.keys["clear"])

	enterPIN(h, "1111")
	if h.p.admin.panelVisible() || !h.p.admin.pinVisible() {
		t.Fatal("a wrong PIN did not keep the pad open")
	}
	if got := h.p.admin.msg.Text; got != "Wrong PIN. 4 tries left." {
		t.Errorf("after a wrong PIN: %q", got)
	}

	enterPIN(h, "2468")
	if !h.p.admin.panelVisible() {
		t.Fatal("the right PIN did not open the settings panel")
	}
	test.Tap(h.p.admin.panel["light"])
	if h.p.settings.Theme != Light || len(changed) != 1 || changed[0].Theme != Light {
		t.Errorf("theme after Light: %v, OnChange got %d calls", h.p.settings.Theme, len(changed))
	}
	test.Tap(h.p.admin.panel["de"])
	if h.p.l.Lang() != "de" || !strings.Contains(test.RenderToMarkup(h.w.Canvas()), "Display-Einstellungen") {
		t.Error("the panel did not switch the player and itself to German")
	}
	test.Tap(h.p.admin.panel["repair"])
	if repaired != 1 || h.p.modal.visible() {
		t.Errorf("pair again: OnRepair called %d times, panel visible %v", repaired, h.p.modal.visible())
	}
	press(h, HoldDuration)
	enterPIN(h, "2468")
	test.Tap(h.p.admin.panel["exit"])
	if exited != 1 {
		t.Errorf("exit: OnExit called %d times", exited)
	}
}

func TestAdminLockout(t *testing.T) {
	now := at(zurich, 10, 0)
	h := newRoomHarness(t, zurichID, Settings{Language: "en", AdminPINHash: testPINHash(t, "2468")}, roomStates()["free"], now)
	press(h, HoldDuration)
	for range maxPINFailures {
		enterPIN(h, "0000")
	}
	if got := h.p.admin.msg.Text; got != "Too many wrong PINs. Try again in 30 s." {
		t.Errorf("after 5 wrong PINs: %q", got)
	}
	// While locked, even the right PIN is not taken.
	enterPIN(h, "2468")
	if h.p.admin.panelVisible() {
		t.Fatal("the pad took a PIN while locked")
	}
	h.clock.Advance(10 * time.Second)
	test.Tap(h.p.admin.keys["1"])
	if got := h.p.admin.enteredDots(); got != " " {
		t.Errorf("a key worked while locked: dots %q", got)
	}
	h.clock.Advance(pinLockout)
	if got := h.p.admin.msg.Text; got != "Enter the PIN to open the settings." {
		t.Errorf("after the lockout: %q", got)
	}
	enterPIN(h, "2468")
	if !h.p.admin.panelVisible() {
		t.Error("the right PIN did not work after the lockout")
	}
}

func TestAdminWithoutPIN(t *testing.T) {
	now := at(zurich, 10, 0)
	h := newRoomHarness(t, zurichID, Settings{Language: "zh-TW", Fonts: needCJK(t, "zh-TW")}, roomStates()["free"], now)
	press(h, HoldDuration)
	if h.p.admin.pinVisible() || !h.p.modal.visible() {
		t.Fatal("with no PIN set, a long press must only explain")
	}
	if got := modalText(h.p.modal); got != "此顯示器未設定管理員 PIN 碼。" {
		t.Errorf("message %q", got)
	}
}

func TestFloorPlayerAdmin(t *testing.T) {
	now := at(taipei, 10, 0)
	h := newFloorHarness(t, Settings{Language: "en", AdminPINHash: testPINHash(t, "13579")}, online(now, floorRooms()...), now)
	run := &syncRun{}
	run.install(h.f.br)
	h.f.admin.startHold()
	h.clock.Advance(HoldDuration)
	if !h.f.admin.pinVisible() {
		t.Fatal("a long press on the floor player's header did not open the PIN pad")
	}
	for _, r := range "13579" {
		test.Tap(h.f.admin.keys[string(r)])
	}
	test.Tap(h.f.modal.confirm)
	run.flush()
	if !h.f.admin.panelVisible() {
		t.Fatal("the right PIN did not open the panel")
	}
	if _, ok := h.f.admin.panel["exit"]; ok {
		t.Error("an exit button without Settings.OnExit")
	}
}

func findHoldArea(t *testing.T, h *roomHarness) *holdArea {
	t.Helper()
	var found *holdArea
	walk(h.p.Object(), func(o any) {
		if a, ok := o.(*holdArea); ok {
			found = a
		}
	})
	if found == nil {
		t.Fatal("the room player has no hold area")
	}
	if found.content != h.p.name {
		t.Error("the hold area is not the room name")
	}
	return found
}
