package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store/devicecache"
	"github.com/roomboard/roomboard/kiosk"
	"github.com/roomboard/roomboard/platform/autostart"
	"github.com/roomboard/roomboard/platform/instance"
	"github.com/roomboard/roomboard/platform/keyring"
	"github.com/roomboard/roomboard/platform/paths"
	"github.com/roomboard/roomboard/platform/power"
)

// `roomboard kiosk` is the door screen: a full-screen room player (or
// floor player) fed by a hub. It starts from its offline cache, so the
// last schedule is on screen at once and stays honest while the hub is
// away.

const kioskExamples = `  roomboard kiosk -hub https://hub.contoso.com:8443          # pair (shows a code), then run
  roomboard kiosk -hub https://hub:8443 -token-file /etc/roomboard/kiosk.token -pin 1f3b...
  roomboard kiosk -floor -lang zh-TW                          # the floor player, 繁體中文
  roomboard kiosk -windowed -lang de                          # in a window, for trying it out`

// kioskState is what a kiosk keeps between starts besides its cache:
// where its hub is and the certificate it pinned. The token lives in the
// OS keyring.
type kioskState struct {
	Hub       string `json:"hub"`
	PinSHA256 string `json:"pinSha256,omitempty"`
	DeviceID  string `json:"deviceId,omitempty"`
	// AdminPINHash guards the admin panel (kiosk.HashPIN's format: a
	// salted PBKDF2 hash, never the PIN).
	AdminPINHash string `json:"adminPinHash,omitempty"`
	// Language and Theme are what an administrator chose on the kiosk.
	Language string `json:"language,omitempty"`
	Theme    string `json:"theme,omitempty"`
}

func runKiosk(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "kiosk",
		"Show a room's status and agenda full screen, fed live by a hub. On first start the kiosk shows a\n"+
			"pairing code that an operator approves in the console; the device token then lives in the OS\n"+
			"keyring. Without network it shows its cached schedule with an offline banner.",
		kioskExamples)
	hubURL := fs.String("hub", "", "the hub's `URL` (remembered after pairing)")
	tokenFile := fs.String("token-file", "", "read the device token from this `file` instead of pairing (a file only the kiosk's account can read)")
	pin := fs.String("pin", "", "the hub certificate's SHA-256 to pin (hex), with -token-file")
	floor := fs.Bool("floor", false, "show the floor player (many rooms) instead of one room")
	roomID := fs.String("room", "", "the `room` ID a room player shows (default: the device's first room)")
	lang := fs.String("lang", "", "language: en, zh-TW, zh-CN or de (default: the system's)")
	themeName := fs.String("theme", "", "theme: light, dark or high-contrast (default: the last chosen on the kiosk, else dark)")
	logo := fs.String("logo", "", "the operator's logo: a PNG or SVG `file` shown in the header")
	accent := fs.String("accent", "", "the operator's accent `colour` for buttons and highlights, as #RRGGBB")
	setPIN := fs.Bool("set-pin", false, "set the administrator PIN (asked without echo, or read from stdin) that a 3-second press on the room name asks for, and exit")
	windowed := fs.Bool("windowed", false, "run in a window instead of full screen")
	quitAfter := fs.Duration("quit-after", 0, "quit after this `duration` (for tests and screenshots)")
	cachePath := fs.String("cache", "", "the offline cache `file` (default: kiosk-cache.db in the data directory)")
	standalone := fs.Bool("standalone", false, "run the sync engine and a hub inside the kiosk (a single-room site with no hub): uses the configuration and keyring like 'roomboard serve'")
	cfgPath := configFlag(fs)
	autoStart := fs.String("autostart", "", "on: start this kiosk (with these flags) at login; off: stop doing so")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *autoStart {
	case "":
	case "on", "off":
		if err := setKioskAutostart(*autoStart == "on", args); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Start at login: %s\n", *autoStart)
	default:
		return usageError{"-autostart takes on or off"}
	}
	if *themeName != "" {
		if _, ok := themes[*themeName]; !ok {
			return usageError{fmt.Sprintf("unknown theme %q: use light, dark or high-contrast", *themeName)}
		}
	}
	release, err := instance.Acquire("kiosk")
	if errors.Is(err, instance.ErrRunning) {
		return errors.New("a kiosk is already running on this computer")
	} else if err != nil {
		return err
	}
	defer release()

	dirs, err := paths.Default()
	if err != nil {
		return err
	}
	dataDir := filepath.Dir(dirs.Database())
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create the data directory: %w", err)
	}
	if *cachePath == "" {
		*cachePath = filepath.Join(dataDir, "kiosk-cache.db")
	}
	statePath := filepath.Join(dataDir, "kiosk.json")
	st, err := loadKioskState(statePath)
	if err != nil {
		return err
	}
	if *setPIN {
		pinText, err := readSecret(ctx, e, "administrator PIN (4 to 12 digits)", !isTerminal(os.Stdin), false)
		if err != nil {
			return err
		}
		if len(pinText) < 4 || len(pinText) > 12 || strings.Trim(pinText, "0123456789") != "" {
			return usageError{"the PIN must be 4 to 12 digits"}
		}
		if st.AdminPINHash, err = kiosk.HashPIN(pinText); err != nil {
			return err
		}
		if err := saveKioskState(statePath, st); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Administrator PIN set: hold the room name for 3 seconds to open the admin panel.")
		return nil
	}
	*lang = firstNonEmpty(*lang, st.Language, systemLanguage())
	variant := themes[firstNonEmpty(*themeName, st.Theme, "dark")]
	token := ""
	switch {
	case *standalone:
		// The hub comes up inside this process below.
	case *tokenFile != "":
		if *hubURL == "" {
			return usageError{"-token-file needs -hub"}
		}
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("read the device token: %w", err)
		}
		token = strings.TrimSpace(string(b))
		st.Hub, st.PinSHA256, st.DeviceID = strings.TrimSuffix(*hubURL, "/"), *pin, ""
	default:
		if *hubURL != "" && strings.TrimSuffix(*hubURL, "/") != st.Hub {
			// Another hub: its pin and device are unknown; the PIN and the
			// display choices stay.
			st.Hub, st.PinSHA256, st.DeviceID = strings.TrimSuffix(*hubURL, "/"), "", ""
		}
		if st.Hub == "" {
			return usageError{"name the hub with -hub https://HOST:8443 the first time (or run -standalone)"}
		}
		token, err = keyring.New().Get(ctx, kioskTokenKey(st.Hub))
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("read the device token from the OS keyring: %w", err)
		}
	}

	cache, err := devicecache.Open(ctx, *cachePath)
	if err != nil {
		return fmt.Errorf("open the offline cache %s: %w (move it aside to start afresh)", *cachePath, err)
	}
	defer cache.Close()

	settings := kiosk.Settings{Language: *lang, Theme: variant, AdminPINHash: st.AdminPINHash}
	if *accent != "" {
		c, err := parseHexColour(*accent)
		if err != nil {
			return usageError{err.Error()}
		}
		settings.Accent = c
	}
	if *logo != "" {
		res, err := fyne.LoadResourceFromPath(*logo)
		if err != nil {
			return fmt.Errorf("load the logo: %w", err)
		}
		settings.Logo = res
	}
	if fonts, err := kiosk.LocateCJKFonts(*lang); err == nil {
		settings.Fonts = fonts
	} else {
		fmt.Fprintf(e.stderr, "roomboard kiosk: %v; Chinese text may not render\n", err)
	}

	a := newFyneApp("com.roomboard.kiosk")
	a.Settings().SetTheme(kiosk.NewTheme(settings))
	w := a.NewWindow("Roomboard")
	w.SetPadded(false)
	if !*windowed {
		w.SetFullScreen(true)
	} else {
		w.Resize(fyne.NewSize(1280, 800))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !*windowed {
		if rel, err := power.KeepAwake(ctx); err == nil {
			defer rel()
		} else {
			fmt.Fprintf(e.stderr, "roomboard kiosk: cannot keep the display awake: %v\n", err)
		}
	}
	if *quitAfter > 0 {
		t := time.AfterFunc(*quitAfter, cancel)
		defer t.Stop()
	}

	settings.OnExit = cancel
	settings.OnRepair = func() {
		// Forget the token; the next start pairs anew.
		go func() {
			_ = keyring.New().Delete(context.WithoutCancel(ctx), kioskTokenKey(st.Hub))
			cancel()
		}()
	}
	settings.OnChange = func(ns kiosk.Settings) {
		st.Language = ns.Language
		for name, v := range themes {
			if v == ns.Theme {
				st.Theme = name
			}
		}
		if err := saveKioskState(statePath, st); err != nil {
			fmt.Fprintf(e.stderr, "roomboard kiosk: %v\n", err)
		}
	}
	if path := os.Getenv(kioskTraceEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("open the kiosk trace: %w", err)
		}
		defer f.Close()
		settings.Trace = kiosk.JSONLinesTrace(f)
	}

	errc := make(chan error, 1)
	go func() {
		if *standalone {
			errc <- standaloneKiosk(ctx, e, w, cache, cfgPath, dataDir, settings, *floor, *roomID)
		} else {
			errc <- kioskLoop(ctx, e, w, cache, &st, statePath, token, settings, *floor, *roomID)
		}
		cancel()
	}()
	runApp(ctx, a, w.ShowAndRun)
	cancel()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// kioskLoop pairs when there is no token, then runs the hub client and
// feeds the player until ctx ends.
func kioskLoop(ctx context.Context, e *env, w fyne.Window, cache *devicecache.Cache, st *kioskState, statePath, token string,
	settings kiosk.Settings, floor bool, roomID string) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	hostname, _ := os.Hostname()
	opts := hubclient.Options{HubURL: st.Hub, Token: token, PinSHA256: st.PinSHA256, Cache: cache, Logf: logf,
		Version: version}
	if token == "" {
		c, err := hubclient.New(opts)
		if err != nil {
			return err
		}
		var (
			screen  *kiosk.PairingScreen
			tok     string
			dev     hubproto.Device
			certPin string
		)
		// A code that expires or is denied is replaced by a new one; the
		// screen says why.
		for {
			resp, err := c.Pair(ctx, hostname)
			if err != nil {
				c.Close()
				return fmt.Errorf("ask the hub %s for a pairing code: %w", st.Hub, err)
			}
			if screen == nil {
				screen = kiosk.NewPairingScreen(resp, settings)
				obj := screen.Object()
				fyne.Do(func() { w.SetContent(obj) })
			} else {
				fyne.Do(func() { screen.SetResponse(resp) })
			}
			tok, dev, certPin, err = c.WaitPaired(ctx, resp)
			if err == nil {
				break
			}
			if !errors.Is(err, hubclient.ErrPairExpired) && !errors.Is(err, hubclient.ErrPairDenied) {
				c.Close()
				screen.Close()
				return fmt.Errorf("pairing: %w", err)
			}
			msg := err.Error()
			fyne.Do(func() { screen.SetError(msg) })
			select {
			case <-ctx.Done():
				c.Close()
				screen.Close()
				return ctx.Err()
			case <-time.After(5 * time.Second):
			}
		}
		c.Close()
		screen.Close()
		if err := keyring.New().Set(ctx, kioskTokenKey(st.Hub), tok); err != nil {
			return fmt.Errorf("keep the device token in the OS keyring: %w", err)
		}
		st.PinSHA256, st.DeviceID = certPin, dev.ID
		if err := saveKioskState(statePath, *st); err != nil {
			return err
		}
		opts.Token, opts.PinSHA256 = tok, certPin
		if dev.Mode == hubproto.ModeFloor {
			floor = true
		}
	}
	return runPlayer(ctx, e, w, opts, settings, floor, roomID, func() {
		_ = keyring.New().Delete(context.WithoutCancel(ctx), kioskTokenKey(st.Hub))
	})
}

// runPlayer runs the hub client and the player until ctx ends. revoked
// forgets the token when the hub refuses it.
func runPlayer(ctx context.Context, e *env, w fyne.Window, opts hubclient.Options, settings kiosk.Settings, floor bool, roomID string,
	revoked func()) error {
	c, err := hubclient.New(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	var update func(kiosk.State)
	if floor {
		p := kiosk.NewFloorPlayer(kiosk.SystemClock{}, settings)
		defer p.Close()
		fyne.Do(func() { w.SetContent(p.Object()) })
		update = p.Update
	} else {
		// Without -room the player shows the device's first room, known
		// from the first state (the cache's, or the hub's).
		var p *kiosk.RoomPlayer
		defer func() {
			if p != nil {
				p.Close()
			}
		}()
		update = func(s kiosk.State) {
			if p == nil {
				id := roomID
				for _, r := range s.Rooms {
					if id == "" && r.Kind == room.KindRoom.String() {
						id = r.ID
					}
				}
				if id == "" && len(s.Rooms) > 0 {
					id = s.Rooms[0].ID // equipment only
				}
				if id == "" {
					return
				}
				p = kiosk.NewRoomPlayer(c, id, kiosk.SystemClock{}, settings)
				obj := p.Object()
				fyne.Do(func() { w.SetContent(obj) })
			}
			p.Update(s)
		}
	}
	err = c.Run(ctx, func(s hubclient.State) { update(kioskStateOf(s)) })
	if errors.Is(err, hubclient.ErrRevoked) {
		revoked()
		return errors.New("the hub revoked this kiosk's token; start it again to pair anew")
	}
	return err
}

// standaloneKiosk runs the sync engine and a hub on loopback inside the
// kiosk, pairs the kiosk with it and shows its rooms: a single-room site
// needs no separate hub. The device is removed again at exit.
func standaloneKiosk(ctx context.Context, e *env, w fyne.Window, cache *devicecache.Cache, cfgPath func() (string, error), dataDir string,
	settings kiosk.Settings, floor bool, roomID string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr, publicURL := ln.Addr().String(), "https://"+ln.Addr().String()
	none, no := "", false
	name := "Roomboard kiosk"
	dbPath := filepath.Join(dataDir, "roomboard.db")
	h, err := openHub(ctx, e, serveFlags{cfgPath: cfgPath, db: &dbPath, id: &none, listen: &addr, publicURL: &publicURL,
		tlsCert: &none, tlsKey: &none, plainHTTP: &no, name: &name})
	if err != nil {
		ln.Close()
		return err
	}
	defer h.close()
	syncDone := make(chan error, 1)
	go func() { syncDone <- h.syncer.Run(ctx) }()
	defer func() { <-syncDone }()
	lh, err := serveLocalHub(ctx, h.srv, ln)
	if err != nil {
		return err
	}
	// The rooms come from the first directory listing.
	var ids []string
	for ctx.Err() == nil && len(ids) == 0 {
		rooms, err := h.db.Rooms(ctx)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			ids = append(ids, r.ID)
		}
		if len(ids) == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	hostname, _ := os.Hostname()
	token, devID, err := lh.pair(ctx, hostname+" (standalone)", hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: ids})
	if err != nil {
		return err
	}
	defer lh.call(context.WithoutCancel(ctx), "DELETE", hubproto.PathAdminDevices+"/"+devID, lh.admin, nil, nil)
	opts := hubclient.Options{HubURL: lh.url, Token: token, PinSHA256: lh.pin, Cache: cache, Version: version}
	return runPlayer(ctx, e, w, opts, settings, floor, roomID, func() {})
}

// setKioskAutostart records (or removes) this kiosk's command line, minus
// -autostart, as a login item.
func setKioskAutostart(on bool, args []string) error {
	const id = "com.roomboard.kiosk"
	if !on {
		return autostart.Disable(id)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := []string{exe, "kiosk"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-autostart" || a == "--autostart":
			i++ // and its value
		case strings.HasPrefix(a, "-autostart=") || strings.HasPrefix(a, "--autostart="):
		default:
			cmd = append(cmd, a)
		}
	}
	return autostart.Enable(autostart.App{ID: id, Name: "Roomboard kiosk", Exec: cmd})
}

// themes are the -theme names.
var themes = map[string]kiosk.Variant{"light": kiosk.Light, "dark": kiosk.Dark, "high-contrast": kiosk.HighContrast}

func kioskTokenKey(hub string) string { return "kiosk/" + hub }

func isNotFound(err error) bool { return config.IsSecretNotFound(err) }

func loadKioskState(path string) (kioskState, error) {
	var st kioskState
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > 64<<10 {
		return st, fmt.Errorf("%s is too large to be a kiosk state file; move it aside", path)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s is damaged (%v); move it aside and pair again", path, err)
	}
	return st, nil
}

func saveKioskState(path string, st kioskState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save the kiosk state: %w", err)
	}
	return os.Rename(tmp, path)
}

// systemLanguage maps the environment's locale to a kiosk language.
func systemLanguage() string {
	for _, v := range []string{os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG")} {
		v = strings.ToLower(v)
		switch {
		case v == "":
			continue
		case strings.HasPrefix(v, "zh_tw"), strings.HasPrefix(v, "zh_hk"), strings.HasPrefix(v, "zh-hant"):
			return "zh-TW"
		case strings.HasPrefix(v, "zh"):
			return "zh-CN"
		case strings.HasPrefix(v, "de"):
			return "de"
		default:
			return "en"
		}
	}
	return "en"
}

// parseHexColour reads "#RRGGBB".
func parseHexColour(v string) (color.Color, error) {
	var r, g, b uint8
	if len(v) != 7 || v[0] != '#' {
		return nil, fmt.Errorf("colour %q: use #RRGGBB", v)
	}
	if _, err := fmt.Sscanf(v[1:], "%02x%02x%02x", &r, &g, &b); err != nil {
		return nil, fmt.Errorf("colour %q: use #RRGGBB", v)
	}
	return color.NRGBA{R: r, G: g, B: b, A: 0xff}, nil
}
