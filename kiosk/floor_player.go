package kiosk

import (
	"cmp"
	"image/color"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

// PageSize is the most rooms the floor player shows at once.
const PageSize = 40

// swipeDistance is how far a drag must go to turn the page.
const swipeDistance = 80

// FloorPlayer shows many rooms as coloured tiles grouped by building and
// floor, PageSize to a page, turning pages by itself and on swipes or
// buttons. Tapping a tile shows the room's free slots today. Like
// RoomPlayer, only Update may be called from other goroutines.
type FloorPlayer struct {
	clock Clock
	br    *bridge

	settings Settings
	th       *Theme
	l        i18n.Localizer
	state    State
	rooms    []hubproto.RoomView // sorted for paging
	page     int

	root      *container.ThemeOverride
	bg        *canvas.Rectangle
	title     *fitText
	clockText *fitText
	suggest   *fitText
	pageText  *canvas.Text
	prev      *bigButton
	next      *bigButton
	bannerBg  *canvas.Rectangle
	banner    *canvas.Text
	bannerBox *fyne.Container
	grid      *floorGrid
	over      *overlay
	modal     *modal
	admin     *admin
	tiles     []tileModel // the page as last rendered, for Trace
	wakeUntil time.Time
	stopTick  func()
	stopPage  func()
}

// NewFloorPlayer returns a floor player; clock nil means SystemClock.
func NewFloorPlayer(clock Clock, s Settings) *FloorPlayer {
	if clock == nil {
		clock = SystemClock{}
	}
	f := &FloorPlayer{clock: clock, br: newBridge(), modal: newModal()}
	f.admin = newAdmin(clock, f.br, f.modal, f.Object, func() Settings { return f.settings }, f.SetSettings)
	f.build()
	f.SetSettings(s)
	f.stopTick = clock.Every(tickEvery, func() { f.br.ui(f.render) })
	return f
}

// Object returns the player's canvas object.
func (f *FloorPlayer) Object() fyne.CanvasObject { return f.root }

// Update hands the player a new State, from any goroutine.
func (f *FloorPlayer) Update(s State) { f.br.state(s, f.apply) }

// Close stops the timers and ignores later Updates.
func (f *FloorPlayer) Close() {
	f.stopTick()
	f.stopPage()
	f.admin.close()
	f.br.close()
	f.modal.hide()
}

// SetSettings applies new display settings at once.
func (f *FloorPlayer) SetSettings(s Settings) {
	f.settings = s
	f.th = NewTheme(s)
	f.l = i18n.New(s.Language)
	f.root.Theme = f.th
	applyFonts(f.th, f.root)
	for _, b := range []*bigButton{f.prev, f.next} {
		b.setFonts(f.th)
	}
	f.grid.th = f.th
	for _, t := range f.grid.tiles {
		t.setFonts(f.th)
	}
	for _, h := range f.grid.headers {
		h.FontSource = f.th.Font(h.TextStyle)
	}
	if f.stopPage != nil {
		f.stopPage()
	}
	f.stopPage = f.clock.Every(s.pageInterval(), func() { f.br.ui(func() { f.turn(1) }) })
	f.render()
	f.root.Refresh() // the theme changed: see render
	f.trace()
}

// trace reports the page on screen to Settings.Trace.
func (f *FloorPlayer) trace() {
	if f.settings.Trace == nil {
		return
	}
	fr := TraceFrame{Player: "floor", At: f.clock.Now(), Language: f.l.Lang(), Online: f.state.Online, Banner: f.banner.Text,
		Dimmed: !f.over.Hidden, Rooms: []TraceRoom{}}
	for _, t := range f.tiles {
		st := t.Room.State(fr.At)
		fr.Rooms = append(fr.Rooms, TraceRoom{ID: t.Room.ID, Name: t.Name, Status: st.Status.String(), Detail: t.Line})
	}
	f.settings.Trace(fr)
}

func (f *FloorPlayer) build() {
	f.bg = canvas.NewRectangle(color.Black)
	f.title = newFitText(40, true, fyne.TextAlignLeading)
	f.clockText = newFitText(40, true, fyne.TextAlignTrailing)
	f.suggest = newFitText(24, true, fyne.TextAlignLeading)
	f.pageText = canvas.NewText("", color.White)
	f.pageText.TextSize = 24
	f.pageText.Alignment = fyne.TextAlignCenter
	f.prev = newBigButton(22, func() { f.turn(-1) })
	f.next = newBigButton(22, func() { f.turn(1) })
	f.bannerBg = canvas.NewRectangle(color.Black)
	f.banner = canvas.NewText("", color.Black)
	f.banner.TextSize = 22
	f.banner.TextStyle.Bold = true
	f.banner.Alignment = fyne.TextAlignCenter
	f.bannerBox = container.NewStack(f.bannerBg, container.New(layout.NewCustomPaddedLayout(8, 8, 16, 16), f.banner))
	f.grid = newFloorGrid(f.onTile, f.turn)
	for range PageSize {
		f.grid.tiles = append(f.grid.tiles, newRoomTile(f.grid))
	}
	header := container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(220, 56), f.clockText), newHoldArea(f.title, f.admin))
	pager := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(200, 64), f.prev),
		container.NewGridWrap(fyne.NewSize(200, 64), f.next), container.NewCenter(f.pageText))
	body := container.New(layout.NewCustomPaddedLayout(20, 20, 28, 28),
		container.NewBorder(container.NewVBox(header, f.suggest), pager, nil, nil, f.grid))
	f.over = newOverlay(func() {
		f.wakeUntil = f.clock.Now().Add(wakeFor)
		f.render()
	})
	f.root = container.NewThemeOverride(container.NewStack(newCursorHider(), f.bg,
		container.NewBorder(f.bannerBox, nil, nil, nil, body), f.over), NewTheme(Settings{}))
}

func (f *FloorPlayer) apply(s State) {
	f.state = s
	f.rooms = sortedRooms(s.Rooms, f.settings.Building)
	f.render()
	f.trace()
}

// sortedRooms orders rooms for paging: the player's own building first,
// then by building, floor (numerically when both are numbers) and name;
// equipment is left out.
func sortedRooms(in []hubproto.RoomView, home string) []hubproto.RoomView {
	out := make([]hubproto.RoomView, 0, len(in))
	for _, r := range in {
		if r.Kind != room.KindEquipment.String() {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b hubproto.RoomView) int {
		if ha, hb := a.Building == home, b.Building == home; ha != hb {
			if ha {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.Building, b.Building); c != 0 {
			return c
		}
		if c := compareFloors(a.Floor, b.Floor); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func compareFloors(a, b string) int {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	if ea == nil && eb == nil {
		return cmp.Compare(na, nb)
	}
	return cmp.Compare(a, b)
}

// pages is the number of pages, at least one.
func (f *FloorPlayer) pages() int { return max(1, (len(f.rooms)+PageSize-1)/PageSize) }

// turn moves by delta pages, wrapping around.
func (f *FloorPlayer) turn(delta int) {
	n := f.pages()
	f.page = ((f.page+delta)%n + n) % n
	f.render()
}

// tileModel is what one tile shows.
type tileModel struct {
	Room  hubproto.RoomView
	Tone  tone
	Name  string
	Line  string
	Seats string
}

// tileOf computes a room's tile at now.
func tileOf(l i18n.Localizer, rv hubproto.RoomView, now time.Time) tileModel {
	st := rv.State(now)
	t := tileModel{Room: rv, Tone: toneOf(st.Status), Name: rv.Name}
	local := now.In(st.Location)
	endOfDay := midnight(local).AddDate(0, 0, 1)
	switch {
	case st.Current != nil:
		t.Line = l.T("floor.busyUntil", "time", l.Time(st.BusyUntil.In(st.Location)))
	case st.FreeUntil.IsZero() || !st.FreeUntil.Before(endOfDay):
		t.Line = l.T("floor.freeAllDay")
	case st.Status == room.StartingSoon:
		t.Line = l.T("floor.startsAt", "time", l.Time(st.FreeUntil.In(st.Location)))
	default:
		t.Line = l.T("floor.freeUntil", "time", l.Time(st.FreeUntil.In(st.Location)))
	}
	if rv.Capacity > 0 {
		t.Seats = l.T("facts.capacity", "count", rv.Capacity)
	}
	return t
}

// groupLabel is a group's header: building and floor.
func groupLabel(l i18n.Localizer, rv hubproto.RoomView) string {
	switch {
	case rv.Building == "" && rv.Floor == "":
		return l.T("floor.otherRooms")
	case rv.Floor == "":
		// No "Floor" word before an empty floor.
		return rv.Building
	case rv.Building == "":
		return l.T("floor.only", "floor", rv.Floor)
	}
	return l.T("floor.group", "building", rv.Building, "floor", rv.Floor)
}

func (f *FloorPlayer) render() {
	now := f.clock.Now()
	th, l := f.th, f.l
	f.bg.FillColor = th.pal.background
	f.page = min(f.page, f.pages()-1)
	loc := time.UTC
	if len(f.rooms) > 0 {
		loc = f.rooms[0].State(now).Location
	}
	local := now.In(loc)
	title := f.settings.Building
	if title == "" && len(f.rooms) > 0 {
		title = f.rooms[0].Building
	}
	f.title.set(title, th.pal.foreground)
	f.clockText.set(l.Time(local), th.pal.foreground)

	if s, ok := NearestFree(f.state.Rooms, f.settings.Building, f.settings.Floor, "", now); ok {
		sl := s.Room.State(now).Location
		if s.FreeUntil.IsZero() || !s.FreeUntil.Before(midnight(now.In(sl)).AddDate(0, 0, 1)) {
			f.suggest.set(l.T("nearest.freeRestOfDay", "room", s.Room.Name), th.toneColor(toneFree))
		} else {
			f.suggest.set(l.T("nearest.free", "room", s.Room.Name, "time", l.Time(s.FreeUntil.In(sl))), th.toneColor(toneFree))
		}
		if th.variant != Light {
			f.suggest.text.Color = th.pal.foreground
		}
	} else {
		f.suggest.set(l.T("nearest.none"), th.pal.muted)
	}

	start := f.page * PageSize
	pageRooms := f.rooms[start:min(start+PageSize, len(f.rooms))]
	var groups []floorGroup
	f.tiles = f.tiles[:0]
	for i, rv := range pageRooms {
		label := groupLabel(l, rv)
		if len(groups) == 0 || groups[len(groups)-1].label != label {
			groups = append(groups, floorGroup{label: label})
		}
		g := &groups[len(groups)-1]
		tile := f.grid.tiles[i]
		tm := tileOf(l, rv, now)
		tile.set(th, tm)
		f.tiles = append(f.tiles, tm)
		g.tiles = append(g.tiles, tile)
	}
	f.grid.setGroups(groups, th)

	f.pageText.Text, f.pageText.Color = l.T("floor.page", "page", f.page+1, "pages", f.pages()), th.pal.foreground
	multi := f.pages() > 1
	f.prev.set(l.T("floor.previous"), th.pal.panel, th.pal.foreground)
	f.next.set(l.T("floor.next"), th.pal.panel, th.pal.foreground)
	f.prev.Hidden, f.next.Hidden, f.pageText.Hidden = !multi, !multi, !multi

	var c conn = connOf(f.state)
	f.banner.Text = ""
	switch {
	case len(f.state.Rooms) == 0:
		f.banner.Text = l.T("banner.noData")
	case !c.Online:
		f.banner.Text = l.T("banner.offline", "age", age(l, now.Sub(c.Since)))
	case c.LastError != "":
		f.banner.Text = l.T("banner.error", "message", c.LastError)
	}
	f.bannerBg.FillColor = th.toneColor(toneSoon)
	f.banner.Color = OnColor(f.bannerBg.FillColor)
	f.bannerBox.Hidden = f.banner.Text == ""

	hours := f.settings.officeHours()
	f.over.Hidden = hours.Contains(local) || hours.Outside == OffHoursOn || now.Before(f.wakeUntil)
	f.over.rect.FillColor = color.NRGBA{A: 0xb0}
	f.over.clock.Text = ""
	if hours.Outside == OffHoursBlank {
		f.over.rect.FillColor = color.NRGBA{A: 0xff}
		f.over.clock.Text = l.Time(local)
	}
	// Not f.root.Refresh: a ThemeOverride's Refresh makes a new theme scope
	// each time, and Fyne caches font faces per scope for ever, so a
	// ticking screen would leak them. Only SetSettings changes the theme.
	f.root.Content.Refresh()
}

// onTile shows a room's details and its free slots for the rest of today.
func (f *FloorPlayer) onTile(rv hubproto.RoomView) {
	now := f.clock.Now()
	l, th := f.l, f.th
	st := rv.State(now)
	slots := freeToday(rv, now)
	m := tileOf(l, rv, now)
	lines := []string{l.T(statusKey(st.Status)) + " · " + m.Line}
	if m.Seats != "" || len(rv.Equipment) > 0 {
		facts := m.Seats
		for _, e := range rv.Equipment {
			if facts != "" {
				facts += " · "
			}
			facts += e
		}
		lines = append(lines, facts)
	}
	f.modal.show(f.root, th, rv.Name, "", "", l.T("floor.close"), nil)
	body := container.NewVBox()
	for _, s := range lines {
		t := canvas.NewText(s, th.pal.foreground)
		t.TextSize = 24
		body.Add(t)
	}
	head := canvas.NewText(l.T("floor.slots"), th.pal.muted)
	head.TextSize, head.TextStyle.Bold = 22, true
	body.Add(spacer(8))
	body.Add(head)
	if len(slots) == 0 {
		t := canvas.NewText(l.T("floor.noSlots"), th.pal.foreground)
		t.TextSize = 24
		body.Add(t)
	}
	for i, s := range slots {
		if i == 6 {
			break
		}
		t := canvas.NewText(l.Range(s.Start, s.End)+"   ("+l.Duration(s.Duration())+")", th.toneColor(toneFree))
		if th.variant != Light {
			t.Color = th.pal.foreground
		}
		t.TextSize, t.TextStyle.Bold = 26, true
		body.Add(t)
	}
	f.modal.body.Objects = body.Objects
	f.modal.body.Show()
	f.modal.open(f.root)
}

// freeToday returns the room's free slots of at least 15 minutes from now
// to the end of its local day, in its zone.
func freeToday(rv hubproto.RoomView, now time.Time) []room.Slot {
	loc := rv.State(now).Location
	local := now.In(loc)
	var bs []room.Booking
	for _, b := range rv.DomainBookings() {
		bs = append(bs, room.InZone(b, loc))
	}
	end := midnight(local).AddDate(0, 0, 1)
	if !rv.To.IsZero() && rv.To.Before(end) {
		end = rv.To
	}
	return room.FreeSlots(bs, local.Truncate(time.Minute), end, 15*time.Minute)
}

// floorGroup is one building/floor section of a page.
type floorGroup struct {
	label string
	tiles []*roomTile
}

// floorGrid lays a page's groups out: a header line per group, then its
// tiles in rows, with the tile height chosen so the whole page fits. It
// also turns swipes into page turns.
type floorGrid struct {
	widget.BaseWidget
	th      *Theme
	tiles   []*roomTile
	headers []*canvas.Text
	groups  []floorGroup
	objects []fyne.CanvasObject
	onTap   func(hubproto.RoomView)
	onTurn  func(int)
	dragX   float32
}

func newFloorGrid(onTap func(hubproto.RoomView), onTurn func(int)) *floorGrid {
	g := &floorGrid{onTap: onTap, onTurn: onTurn}
	g.ExtendBaseWidget(g)
	return g
}

func (g *floorGrid) setGroups(groups []floorGroup, th *Theme) {
	g.groups = groups
	for len(g.headers) < len(groups) {
		h := canvas.NewText("", color.White)
		h.TextSize, h.TextStyle.Bold = 22, true
		h.FontSource = th.Font(h.TextStyle)
		g.headers = append(g.headers, h)
	}
	g.objects = g.objects[:0]
	for i, gr := range groups {
		g.headers[i].Text, g.headers[i].Color = gr.label, th.pal.muted
		g.objects = append(g.objects, g.headers[i])
		for _, t := range gr.tiles {
			g.objects = append(g.objects, t)
		}
	}
	g.Refresh()
}

// Dragged and DragEnd turn a horizontal swipe into a page turn.
func (g *floorGrid) Dragged(e *fyne.DragEvent) { g.dragX += e.Dragged.DX }

// DragEnd turns the page when the drag went far enough.
func (g *floorGrid) DragEnd() {
	switch {
	case g.dragX <= -swipeDistance:
		g.onTurn(1)
	case g.dragX >= swipeDistance:
		g.onTurn(-1)
	}
	g.dragX = 0
}

func (g *floorGrid) CreateRenderer() fyne.WidgetRenderer { return &floorGridRenderer{g: g} }

type floorGridRenderer struct{ g *floorGrid }

// columns is how many tiles fit in a row of width w.
func columns(w float32) int { return max(2, min(8, int(w/190))) }

func (r *floorGridRenderer) Layout(s fyne.Size) {
	g := r.g
	cols := columns(s.Width)
	rows := 0
	for _, gr := range g.groups {
		rows += (len(gr.tiles) + cols - 1) / cols
	}
	const headerH, gap = float32(36), float32(10)
	avail := s.Height - float32(len(g.groups))*headerH - float32(rows)*gap
	tileH := float32(150)
	if rows > 0 {
		tileH = min(tileH, avail/float32(rows))
	}
	tileW := (s.Width - float32(cols-1)*gap) / float32(cols)
	y := float32(0)
	for i, gr := range g.groups {
		g.headers[i].Move(fyne.NewPos(0, y+4))
		g.headers[i].Resize(fyne.NewSize(s.Width, headerH-8))
		y += headerH
		for j, t := range gr.tiles {
			col, row := j%cols, j/cols
			t.Move(fyne.NewPos(float32(col)*(tileW+gap), y+float32(row)*(tileH+gap)))
			t.Resize(fyne.NewSize(tileW, tileH))
		}
		y += float32((len(gr.tiles)+cols-1)/cols) * (tileH + gap)
	}
}

func (r *floorGridRenderer) MinSize() fyne.Size { return fyne.NewSize(400, 300) }
func (r *floorGridRenderer) Refresh() {
	r.Layout(r.g.Size())
	for _, o := range r.g.objects {
		o.Refresh()
	}
}
func (r *floorGridRenderer) Objects() []fyne.CanvasObject { return r.g.objects }
func (r *floorGridRenderer) Destroy()                     {}

// roomTile is one room on the floor player.
type roomTile struct {
	widget.BaseWidget
	grid  *floorGrid
	model tileModel
	bg    *canvas.Rectangle
	name  *fitText
	line  *fitText
	seats *canvas.Text
}

func newRoomTile(g *floorGrid) *roomTile {
	t := &roomTile{grid: g, bg: canvas.NewRectangle(color.Black), name: newFitText(26, true, fyne.TextAlignLeading),
		line: newFitText(20, false, fyne.TextAlignLeading), seats: canvas.NewText("", color.White)}
	t.bg.CornerRadius = 14
	t.name.lines = 2 // long names wrap before they are cut
	t.name.minSize = 16
	t.seats.TextSize = 16
	t.ExtendBaseWidget(t)
	return t
}

func (t *roomTile) setFonts(th *Theme) {
	t.name.setFonts(th)
	t.line.setFonts(th)
	t.seats.FontSource = th.Font(t.seats.TextStyle)
}

func (t *roomTile) set(th *Theme, m tileModel) {
	t.model = m
	bg := th.toneColor(m.Tone)
	on := OnColor(bg)
	t.bg.FillColor = bg
	t.name.set(m.Name, on)
	t.line.set(m.Line, on)
	t.seats.Text, t.seats.Color = m.Seats, on
}

// Tapped shows the room's details.
func (t *roomTile) Tapped(*fyne.PointEvent) {
	if t.grid.onTap != nil {
		t.grid.onTap(t.model.Room)
	}
}

func (t *roomTile) CreateRenderer() fyne.WidgetRenderer { return &roomTileRenderer{t: t} }

type roomTileRenderer struct{ t *roomTile }

func (r *roomTileRenderer) Layout(s fyne.Size) {
	t := r.t
	t.bg.Resize(s)
	pad := float32(12)
	w := s.Width - 2*pad
	lh := t.line.MinSize().Height
	// The name may take two lines when the tile has room for them above
	// the status line.
	t.name.Move(fyne.NewPos(pad, pad))
	t.name.Resize(fyne.NewSize(w, max(s.Height-2*pad-lh, t.name.MinSize().Height)))
	nh := t.name.usedHeight()
	t.line.Move(fyne.NewPos(pad, pad+nh))
	t.line.Resize(fyne.NewSize(w, lh))
	sh := textSize(t.seats, "0", t.seats.TextSize).Height
	t.seats.Move(fyne.NewPos(pad, max(s.Height-pad-sh, pad+nh+lh)))
	t.seats.Hidden = s.Height < nh+lh+sh+pad
}
func (r *roomTileRenderer) MinSize() fyne.Size { return fyne.NewSize(120, 80) }
func (r *roomTileRenderer) Refresh() {
	r.Layout(r.t.Size())
	r.t.bg.Refresh()
	r.t.name.Refresh()
	r.t.line.Refresh()
	r.t.seats.Refresh()
}
func (r *roomTileRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.t.bg, r.t.name, r.t.line, r.t.seats}
}
func (r *roomTileRenderer) Destroy() {}
