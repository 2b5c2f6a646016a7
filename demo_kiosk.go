package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store/devicecache"
	"github.com/roomboard/roomboard/kiosk"
)

// demoScreens are the demo's kiosk windows: a room player and a floor
// player, each a paired kiosk of the demo hub with its own offline cache,
// exactly as `roomboard kiosk` runs them.
type demoScreens struct {
	app      fyne.App
	settings kiosk.Settings
	wins     map[string]fyne.Window // "room", "floor"
}

// newDemoScreens opens the windows (on the main goroutine, before the app
// runs) with a placeholder until the hub is up.
func newDemoScreens(a fyne.App, lang, only string, fullscreen bool) *demoScreens {
	// The demo keeps its screens lit at any hour: it is run to be looked at.
	settings := kiosk.Settings{Language: lang, Theme: kiosk.Dark, OfficeHours: kiosk.OfficeHours{Outside: kiosk.OffHoursOn}}
	if fonts, err := kiosk.LocateCJKFonts(lang); err == nil {
		settings.Fonts = fonts
	}
	a.Settings().SetTheme(kiosk.NewTheme(settings))
	d := &demoScreens{app: a, settings: settings, wins: map[string]fyne.Window{}}
	for _, kind := range []string{"room", "floor"} {
		if only != "" && only != kind {
			continue
		}
		w := a.NewWindow("Roomboard demo: " + kind + " player")
		w.SetPadded(false)
		w.SetContent(container.NewCenter(widget.NewLabel("Starting the simulator, the sync engine and the hub …")))
		if fullscreen {
			w.SetFullScreen(true)
		} else if kind == "room" {
			w.Resize(fyne.NewSize(1024, 600))
		} else {
			w.Resize(fyne.NewSize(1280, 800))
		}
		w.SetCloseIntercept(func() { a.Quit() })
		w.Show()
		d.wins[kind] = w
	}
	return d
}

// demoSite picks the room list the demo's kiosks show: the site whose
// language was chosen, so CJK names appear with Chinese.
func demoSite(lang string) string {
	switch lang {
	case "zh-TW":
		return "tpe"
	case "zh-CN":
		return "sha"
	}
	return "zrh"
}

// start pairs the kiosks with the hub and runs them until ctx ends.
func (d *demoScreens) start(ctx context.Context, e *env, h *demoHub, sess *syncSession, dir string) error {
	lists, err := sess.db.RoomLists(ctx)
	if err != nil {
		return err
	}
	rooms, err := sess.db.Rooms(ctx)
	if err != nil {
		return err
	}
	site := demoSite(d.settings.Language)
	listID := ""
	for _, l := range lists {
		if strings.Contains(l.ID, site) && (listID == "" || len(l.ID) < len(listID)) {
			listID = l.ID
		}
	}
	// The room player shows the busiest room of that list today.
	roomID, most := "", -1
	now := time.Now()
	for _, r := range rooms {
		if r.ListID != listID && listID != "" {
			continue
		}
		bs, err := sess.db.BookingsBetween(ctx, r.ID, now.Add(-12*time.Hour), now.Add(12*time.Hour))
		if err == nil && len(bs) > most {
			roomID, most = r.ID, len(bs)
		}
	}
	if roomID == "" {
		return fmt.Errorf("the demo found no room to show")
	}
	trace, closeTrace, err := openKioskTrace(ctx, sess, roomID, listID, rooms, now)
	if err != nil {
		return err
	}
	go func() { <-ctx.Done(); closeTrace() }()
	settings := d.settings
	settings.Trace = trace
	for kind, w := range d.wins {
		approve := hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{roomID}}
		if kind == "floor" {
			approve = hubproto.ApproveRequest{Mode: hubproto.ModeFloor, Floors: []string{listID}}
			if listID == "" {
				approve = hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: roomIDs(rooms)}
			}
		}
		token, _, err := h.pair(ctx, "Demo "+kind+" player", approve)
		if err != nil {
			return err
		}
		cache, err := devicecache.Open(ctx, filepath.Join(dir, "kiosk-"+kind+".db"))
		if err != nil {
			return err
		}
		c, err := hubclient.New(hubclient.Options{HubURL: h.url, Token: token, PinSHA256: h.pin, Cache: cache, Version: version})
		if err != nil {
			cache.Close()
			return err
		}
		var update func(kiosk.State)
		var obj fyne.CanvasObject
		if kind == "floor" {
			p := kiosk.NewFloorPlayer(kiosk.SystemClock{}, settings)
			update, obj = p.Update, p.Object()
		} else {
			p := kiosk.NewRoomPlayer(c, roomID, kiosk.SystemClock{}, settings)
			update, obj = p.Update, p.Object()
		}
		fyne.Do(func() { w.SetContent(obj) })
		go func() {
			defer cache.Close()
			defer c.Close()
			if err := c.Run(ctx, func(s hubclient.State) { update(kioskStateOf(s)) }); err != nil && ctx.Err() == nil {
				fmt.Fprintf(e.stderr, "demo %s player: %v\n", kind, err)
			}
		}()
	}
	return nil
}

func roomIDs(rs []room.Room) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// kioskStateOf is the kiosk's view of a hub client's state.
func kioskStateOf(s hubclient.State) kiosk.State {
	ks := kiosk.State{Rooms: s.Rooms, Online: s.Online, Since: s.Since}
	if s.LastError != nil {
		ks.LastError = s.LastError.Error()
	}
	return ks
}

// kioskTraceEnv names a file that, when set, receives one JSON line per
// frame the demo's kiosks render (kiosk.TraceFrame) and first a "truth"
// line: the schedule of the room player's room and the floor's rooms as
// the sync engine's cache holds them. The Xvfb test compares the two.
const kioskTraceEnv = "ROOMBOARD_KIOSK_TRACE"

// demoTruth is the first line of the trace file.
type demoTruth struct {
	Player   string         `json:"player"` // "truth"
	RoomID   string         `json:"roomId"`
	Name     string         `json:"name"`
	TimeZone string         `json:"timeZone"`
	Bookings []room.Booking `json:"bookings"`
	// FloorRooms are the IDs of the rooms the floor player was paired for.
	FloorRooms []string `json:"floorRooms"`
}

// openKioskTrace opens the trace file named by kioskTraceEnv and writes
// the truth line; without the variable it returns a nil trace.
func openKioskTrace(ctx context.Context, sess *syncSession, roomID, listID string, rooms []room.Room, now time.Time) (func(kiosk.TraceFrame), func(), error) {
	path := os.Getenv(kioskTraceEnv)
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open the kiosk trace: %w", err)
	}
	truth := demoTruth{Player: "truth", RoomID: roomID}
	for _, r := range rooms {
		if r.ID == roomID {
			truth.Name, truth.TimeZone = r.Name, r.TimeZone
		}
		if r.ListID == listID || listID == "" {
			truth.FloorRooms = append(truth.FloorRooms, r.ID)
		}
	}
	if truth.Bookings, err = sess.db.BookingsBetween(ctx, roomID, now.Add(-24*time.Hour), now.Add(24*time.Hour)); err != nil {
		f.Close()
		return nil, nil, err
	}
	b, err := json.Marshal(truth)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return nil, nil, err
	}
	return kiosk.JSONLinesTrace(f), func() { f.Close() }, nil
}
