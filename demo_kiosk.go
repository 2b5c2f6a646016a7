package main

import (
	"context"
	"fmt"
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
	settings := kiosk.Settings{Language: lang, Theme: kiosk.Dark}
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
	for kind, w := range d.wins {
		approve := hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{roomID}}
		if kind == "floor" {
			approve = hubproto.ApproveRequest{Mode: hubproto.ModeFloor, Floors: []string{listID}}
			if listID == "" {
				approve = hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: roomIDs(rooms)}
			}
		}
		token, err := h.pair(ctx, "Demo "+kind+" player", approve)
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
			p := kiosk.NewFloorPlayer(kiosk.SystemClock{}, d.settings)
			update, obj = p.Update, p.Object()
		} else {
			p := kiosk.NewRoomPlayer(c, roomID, kiosk.SystemClock{}, d.settings)
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
