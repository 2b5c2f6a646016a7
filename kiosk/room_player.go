package kiosk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/kiosk/i18n"
)

// tickEvery is how often status and clock are re-evaluated from the last
// State, so both keep moving without any message from the hub.
const tickEvery = 5 * time.Second

// actTimeout bounds one action: a hung request must never freeze a kiosk.
const actTimeout = 20 * time.Second

// resultShownFor is how long the hub's answer stays on screen.
const resultShownFor = 8 * time.Second

// wakeFor is how long a tap wakes a dimmed screen outside office hours.
const wakeFor = 2 * time.Minute

// RoomPlayer is the full-screen display of one room. Create it with
// NewRoomPlayer, put Object() in a window, feed it with Update and Close it
// when done. Its methods other than Update must be called on the UI
// goroutine.
type RoomPlayer struct {
	hub   Hub
	id    string
	clock Clock
	br    *bridge

	settings Settings
	th       *Theme
	l        i18n.Localizer

	state     State
	model     roomModel
	acting    bool
	wakeUntil time.Time

	root       *container.ThemeOverride
	statusBg   *canvas.Rectangle
	panelBg    *canvas.Rectangle
	stripBg    *canvas.Rectangle
	bannerBg   *canvas.Rectangle
	bannerText *canvas.Text
	banner     *fyne.Container

	name, headline, detail                *fitText
	meetingBg                             *canvas.Rectangle
	meeting                               *fyne.Container
	meetingTitle, meetingOrg, meetingTime *fitText
	actionLabel                           *canvas.Text
	actions                               *fyne.Container
	bookBtns                              []*bigButton
	extendBtns                            []*bigButton
	endBtn, checkInBtn                    *bigButton
	clockText, dateText                   *fitText
	agendaTitle                           *canvas.Text
	agendaTimes                           []*canvas.Text
	agendaTitles                          []*fitText
	agendaMore                            *canvas.Text
	capacity, equipment, nearest          *fitText
	langBtn                               *bigButton
	logo                                  *canvas.Image
	timeline                              *timelineView
	over                                  *overlay
	modal                                 *modal
	admin                                 *admin
	stopTick                              func()
	stopResult                            func()
	shape                                 string // what render showed last, see render
}

// NewRoomPlayer returns the player for room id. It acts through hub,
// reads time from clock (nil means SystemClock) and starts ticking at
// once; until the first Update it shows "waiting for the schedule".
func NewRoomPlayer(hub Hub, id string, clock Clock, s Settings) *RoomPlayer {
	if clock == nil {
		clock = SystemClock{}
	}
	p := &RoomPlayer{hub: hub, id: id, clock: clock, br: newBridge(), modal: newModal()}
	p.admin = newAdmin(clock, p.br, p.modal, p.Object, func() Settings { return p.settings }, p.SetSettings)
	p.build()
	p.SetSettings(s)
	p.stopTick = clock.Every(tickEvery, func() { p.br.ui(p.render) })
	return p
}

// Object returns the player's canvas object.
func (p *RoomPlayer) Object() fyne.CanvasObject { return p.root }

// Update hands the player a new State. It may be called from any
// goroutine; bursts are coalesced into one redraw.
func (p *RoomPlayer) Update(s State) { p.br.state(s, p.apply) }

// Close stops the ticker and ignores later Updates and answers.
func (p *RoomPlayer) Close() {
	p.stopTick()
	if p.stopResult != nil {
		p.stopResult()
	}
	p.admin.close()
	p.br.close()
	p.modal.hide()
}

// SetSettings applies new display settings (theme, language, hours, logo)
// at once.
func (p *RoomPlayer) SetSettings(s Settings) {
	p.settings = s
	p.th = NewTheme(s)
	p.l = i18n.New(s.Language)
	p.root.Theme = p.th
	applyFonts(p.th, p.root)
	for _, b := range append(append(p.bookBtns, p.extendBtns...), p.endBtn, p.checkInBtn, p.langBtn) {
		b.setFonts(p.th)
	}
	p.logo.Resource = s.Logo
	p.logo.Hidden = s.Logo == nil
	p.logo.Refresh()
	p.render()
	p.root.Refresh()
	p.trace()
}

func (p *RoomPlayer) apply(s State) {
	p.state = s
	p.render()
	p.trace()
}

// trace reports what the screen shows to Settings.Trace.
func (p *RoomPlayer) trace() {
	if p.settings.Trace == nil {
		return
	}
	m := p.model
	r := TraceRoom{ID: p.id, Name: m.Name, Status: m.Status.String(), Headline: m.Headline, Detail: m.Detail}
	if !m.Known {
		r.Status = ""
	}
	if m.Meeting != nil {
		r.Current = &TraceMeeting{Title: m.Meeting.Title, Organizer: m.Meeting.Organizer, Range: m.Meeting.Range}
	}
	for _, a := range m.Agenda {
		r.Next = append(r.Next, TraceMeeting{Title: a.Title, Organizer: a.Organizer, Range: a.Time})
	}
	p.settings.Trace(TraceFrame{Player: "room", At: m.Now, Language: p.l.Lang(), Online: p.state.Online,
		Banner: m.Banner, Dimmed: !p.over.Hidden, Rooms: []TraceRoom{r}})
}

func (p *RoomPlayer) build() {
	p.statusBg = canvas.NewRectangle(color.Black)
	p.panelBg = canvas.NewRectangle(color.Black)
	p.stripBg = canvas.NewRectangle(color.Black)
	p.bannerBg = canvas.NewRectangle(color.Black)
	p.bannerText = canvas.NewText("", color.Black)
	p.bannerText.TextSize = 24
	p.bannerText.TextStyle.Bold = true
	p.bannerText.Alignment = fyne.TextAlignCenter
	p.banner = container.NewStack(p.bannerBg, container.New(layout.NewCustomPaddedLayout(10, 10, 16, 16), p.bannerText))

	p.name = newFitText(46, true, fyne.TextAlignLeading)
	p.headline = newFitText(150, true, fyne.TextAlignLeading)
	p.headline.minSize = 48 // the status must never be cut short
	p.detail = newFitText(36, false, fyne.TextAlignLeading)
	p.detail.minSize = 22
	p.meetingBg = canvas.NewRectangle(color.Black)
	p.meetingBg.CornerRadius = 16
	p.meetingTitle = newFitText(38, true, fyne.TextAlignLeading)
	p.meetingOrg = newFitText(28, false, fyne.TextAlignLeading)
	p.meetingTime = newFitText(28, false, fyne.TextAlignLeading)
	p.meeting = container.NewStack(p.meetingBg, container.New(layout.NewCustomPaddedLayout(14, 14, 22, 22),
		container.NewVBox(p.meetingTitle, p.meetingOrg, p.meetingTime)))

	p.actionLabel = canvas.NewText("", color.White)
	p.actionLabel.TextSize = 24
	p.actionLabel.TextStyle.Bold = true
	for range len(bookMinutes) + 1 {
		i := len(p.bookBtns)
		p.bookBtns = append(p.bookBtns, newBigButton(26, func() { p.onBook(i) }))
	}
	for range extendMinutes {
		i := len(p.extendBtns)
		p.extendBtns = append(p.extendBtns, newBigButton(26, func() { p.onExtend(i) }))
	}
	p.endBtn = newBigButton(26, p.onEnd)
	p.checkInBtn = newBigButton(26, p.onCheckIn)
	p.actions = container.NewGridWithColumns(1)

	left := container.New(layout.NewCustomPaddedLayout(28, 32, 44, 36), container.NewVBox(
		newHoldArea(p.name, p.admin), p.headline, p.detail, spacer(18), p.meeting, layout.NewSpacer(), p.actionLabel, p.actions))

	p.clockText = newFitText(92, true, fyne.TextAlignLeading)
	p.dateText = newFitText(26, false, fyne.TextAlignLeading)
	p.agendaTitle = canvas.NewText("", color.White)
	p.agendaTitle.TextSize = 24
	p.agendaTitle.TextStyle.Bold = true
	agenda := container.NewVBox(p.agendaTitle)
	for range agendaRows {
		tm := canvas.NewText("", color.White)
		tm.TextSize = 20
		tm.TextStyle.Bold = true
		ti := newFitText(26, false, fyne.TextAlignLeading)
		p.agendaTimes, p.agendaTitles = append(p.agendaTimes, tm), append(p.agendaTitles, ti)
		agenda.Add(container.NewVBox(tm, ti))
	}
	p.agendaMore = canvas.NewText("", color.White)
	p.agendaMore.TextSize = 20
	agenda.Add(p.agendaMore)
	p.capacity = newFitText(24, true, fyne.TextAlignLeading)
	p.equipment = newFitText(22, false, fyne.TextAlignLeading)
	p.nearest = newFitText(20, false, fyne.TextAlignLeading)
	p.langBtn = newBigButton(18, p.onLanguage)
	p.logo = canvas.NewImageFromResource(nil)
	p.logo.FillMode = canvas.ImageFillContain
	p.logo.SetMinSize(fyne.NewSize(160, 56))
	top := container.NewBorder(nil, nil, p.logo, container.NewGridWrap(fyne.NewSize(150, 56), p.langBtn))
	right := container.New(layout.NewCustomPaddedLayout(24, 28, 32, 32), container.NewVBox(
		top, p.clockText, p.dateText, spacer(24), agenda, layout.NewSpacer(), p.nearest, p.capacity, p.equipment))

	p.timeline = newTimelineView()
	strip := container.NewStack(p.stripBg, container.New(layout.NewCustomPaddedLayout(18, 12, 44, 44), p.timeline))

	body := container.New(&splitLayout{ratio: 0.63},
		container.NewStack(p.statusBg, left), container.NewStack(p.panelBg, right))
	p.over = newOverlay(p.onWake)
	p.root = container.NewThemeOverride(container.NewStack(newCursorHider(), container.NewBorder(p.banner, strip, nil, nil, body), p.over), NewTheme(Settings{}))
}

// spacer is a fixed vertical gap.
func spacer(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, h))
	return r
}

// render recomputes the model from the last State at the clock's now and
// updates every widget in place.
func (p *RoomPlayer) render() {
	now := p.clock.Now()
	hours := p.settings.officeHours()
	m := present(p.l, p.state, p.id, now, hours)
	p.model = m
	th, l := p.th, p.l

	bg := th.toneColor(m.Tone)
	on := OnColor(bg)
	p.statusBg.FillColor = bg
	p.panelBg.FillColor = th.pal.panel
	p.stripBg.FillColor = th.pal.background
	fg, muted := th.pal.foreground, th.pal.muted

	p.name.set(m.Name, on)
	p.headline.set(m.Headline, on)
	p.detail.set(m.Detail, on)
	if m.Meeting != nil {
		p.meetingBg.FillColor = shade(on)
		p.meetingTitle.set(m.Meeting.Title, on)
		p.meetingOrg.set(m.Meeting.Organizer, on)
		p.meetingOrg.Hidden = m.Meeting.Organizer == ""
		t := m.Meeting.Range
		if m.Meeting.Remaining != "" {
			t += "  ·  " + m.Meeting.Remaining
		}
		p.meetingTime.set(t, on)
		p.meeting.Show()
	} else {
		p.meeting.Hide()
	}
	p.renderActions(m, bg, on)

	p.clockText.set(m.Clock, fg)
	p.dateText.set(m.Date, muted)
	p.agendaTitle.Text, p.agendaTitle.Color = l.T("agenda.title"), muted
	for i := range agendaRows {
		switch {
		case i < len(m.Agenda):
			when := m.Agenda[i].Time
			if m.Agenda[i].Organizer != "" {
				when += "  ·  " + m.Agenda[i].Organizer
			}
			p.agendaTimes[i].Text, p.agendaTimes[i].Color = when, th.accentText()
			p.agendaTitles[i].set(m.Agenda[i].Title, fg)
		case i == 0:
			p.agendaTimes[i].Text = ""
			p.agendaTitles[i].set(l.T("agenda.empty"), muted)
		default:
			p.agendaTimes[i].Text = ""
			p.agendaTitles[i].set("", fg)
		}
		p.agendaTimes[i].Refresh()
	}
	p.agendaMore.Text, p.agendaMore.Color = m.More, muted
	p.capacity.set(m.Capacity, fg)
	p.equipment.set(m.Equipment, muted)
	p.nearest.set(p.nearestText(m, now), muted)
	next := i18n.Languages[(slices.Index(i18n.Languages, l.Lang())+1)%len(i18n.Languages)]
	p.langBtn.set(i18n.New(next).Name(), th.pal.separator, OnColor(th.pal.separator))

	p.bannerText.Text = m.Banner
	p.bannerBg.FillColor = th.toneColor(toneSoon)
	p.bannerText.Color = OnColor(p.bannerBg.FillColor)
	p.banner.Hidden = m.Banner == ""

	p.timeline.set(m.Timeline, th.pal.panel, th.toneColor(toneBusy), th.accent, th.pal.separator, fg, muted)

	outside := hours.Outside
	p.over.Hidden = !m.OffHours || outside == OffHoursOn || now.Before(p.wakeUntil)
	p.over.rect.FillColor = color.NRGBA{A: 0xb0}
	p.over.clock.Text = ""
	if outside == OffHoursBlank {
		p.over.rect.FillColor = color.NRGBA{A: 0xff}
		p.over.clock.Text = m.Clock
	}
	// Refresh what may have changed rather than the whole tree: render runs
	// on every tick and every update. A change of what is shown needs the
	// layout of the whole tree, though.
	shape := fmt.Sprint(p.banner.Hidden, p.meeting.Hidden, p.meetingOrg.Hidden, p.actionLabel.Hidden, p.actions.Hidden,
		len(p.actions.Objects), p.actions.Objects, p.over.Hidden)
	if shape != p.shape {
		p.shape = shape
		// Not p.root.Refresh: a ThemeOverride's Refresh makes a new theme
		// scope each time, and Fyne caches font faces per scope for ever.
		// SetSettings refreshes the root when the theme changes.
		p.root.Content.Refresh()
		return
	}
	for _, o := range []fyne.CanvasObject{p.statusBg, p.panelBg, p.stripBg, p.banner, p.meeting, p.meetingBg,
		p.actionLabel, p.actions, p.agendaTitle, p.agendaMore, p.over} {
		o.Refresh()
	}
}

// shade is the meeting card's background: a veil that deepens contrast
// with the text colour on.
func shade(on color.NRGBA) color.Color {
	if on == white {
		return color.NRGBA{A: 0x40}
	}
	return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x60}
}

// accentText is the accent colour, or the foreground when the accent is
// too faint on the panel to read.
func (t *Theme) accentText() color.Color {
	if Contrast(t.accent, t.pal.panel) >= 4.5 {
		return t.accent
	}
	return t.pal.foreground
}

// renderActions shows the buttons that can succeed now.
func (p *RoomPlayer) renderActions(m roomModel, bg color.Color, on color.NRGBA) {
	l := p.l
	var objs []fyne.CanvasObject
	for i, b := range p.bookBtns {
		if i < len(m.Book) {
			b.set(m.Book[i].Label, on, bg)
			objs = append(objs, b)
		}
	}
	if m.CheckIn != nil {
		p.checkInBtn.set(l.T("action.checkIn"), on, bg)
		objs = append(objs, p.checkInBtn)
	}
	for i, b := range p.extendBtns {
		if i < len(m.Extend) {
			b.set(m.Extend[i].Label, on, bg)
			objs = append(objs, b)
		}
	}
	if m.End != nil {
		p.endBtn.set(l.T("action.end"), on, bg)
		objs = append(objs, p.endBtn)
	}
	// Offline, an action could only fail; the buttons stay visible, dimmed,
	// so the screen does not jump when the hub returns.
	for _, o := range objs {
		o.(*bigButton).setDisabled(p.acting || !p.state.Online)
	}
	p.actionLabel.Text, p.actionLabel.Color = "", on
	if len(m.Book) > 0 {
		p.actionLabel.Text = l.T("action.book")
	}
	p.actionLabel.Hidden = p.actionLabel.Text == ""
	if !sameObjects(p.actions.Objects, objs) {
		p.actions.Objects = objs
		p.actions.Layout = layout.NewGridLayoutWithColumns(max(len(objs), 1))
	}
	p.actions.Hidden = len(objs) == 0
}

func sameObjects(a, b []fyne.CanvasObject) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// nearestText suggests another room while this one is taken.
func (p *RoomPlayer) nearestText(m roomModel, now time.Time) string {
	if !m.Known || m.Meeting == nil && m.Tone != toneSoon || len(p.state.Rooms) < 2 {
		return ""
	}
	rv, _ := p.state.Room(p.id)
	s, ok := NearestFree(p.state.Rooms, rv.Building, rv.Floor, p.id, now)
	if !ok {
		return p.l.T("nearest.none")
	}
	if s.FreeUntil.IsZero() || !s.FreeUntil.Before(midnight(now.In(m.Loc)).AddDate(0, 0, 1)) {
		return p.l.T("nearest.freeRestOfDay", "room", s.Room.Name)
	}
	return p.l.T("nearest.free", "room", s.Room.Name, "time", p.l.Time(s.FreeUntil.In(m.Loc)))
}

func (p *RoomPlayer) onBook(i int) {
	if i >= len(p.model.Book) {
		return
	}
	o, m := p.model.Book[i], p.model
	req := hubproto.ActionRequest{Kind: hubproto.ActionBook, RoomID: p.id, Minutes: o.Minutes, Until: o.Until}
	end := p.l.Time(o.End.In(m.Loc))
	p.confirm(p.l.T("action.book"), p.l.T("confirm.book", "room", m.Name, "end", end), req, p.l.T("result.booked", "end", end))
}

func (p *RoomPlayer) onExtend(i int) {
	if i >= len(p.model.Extend) || p.model.End == nil {
		return
	}
	o, m := p.model.Extend[i], p.model
	req := hubproto.ActionRequest{Kind: hubproto.ActionExtend, RoomID: p.id, BookingID: m.End.ID, Minutes: o.Minutes}
	end := p.l.Time(o.End.In(m.Loc))
	p.confirm(o.Label, p.l.T("confirm.extend", "end", end), req, p.l.T("result.extended", "end", end))
}

func (p *RoomPlayer) onEnd() {
	if p.model.End == nil {
		return
	}
	req := hubproto.ActionRequest{Kind: hubproto.ActionEnd, RoomID: p.id, BookingID: p.model.End.ID}
	p.confirm(p.l.T("action.end"), p.l.T("confirm.end"), req, p.l.T("result.ended"))
}

func (p *RoomPlayer) onCheckIn() {
	b := p.model.CheckIn
	if b == nil {
		return
	}
	req := hubproto.ActionRequest{Kind: hubproto.ActionCheckIn, RoomID: p.id, BookingID: b.ID}
	p.confirm(p.l.T("action.checkIn"), p.l.T("confirm.checkIn", "subject", bookingTitle(p.l, *b)), req, p.l.T("result.checkedIn"))
}

func (p *RoomPlayer) onLanguage() {
	s := p.settings
	s.Language = i18n.Languages[(slices.Index(i18n.Languages, p.l.Lang())+1)%len(i18n.Languages)]
	p.SetSettings(s)
}

func (p *RoomPlayer) onWake() {
	p.wakeUntil = p.clock.Now().Add(wakeFor)
	p.render()
}

// confirm asks before acting; Confirm sends req and shows the answer.
func (p *RoomPlayer) confirm(title, question string, req hubproto.ActionRequest, success string) {
	if p.acting {
		return
	}
	p.modal.show(p.root, p.th, title, question, p.l.T("confirm.yes"), p.l.T("confirm.no"), func() {
		p.act(title, req, success)
	})
}

// act sends req in the background with a deadline and shows the answer.
func (p *RoomPlayer) act(title string, req hubproto.ActionRequest, success string) {
	p.acting = true
	p.render()
	p.modal.busy(p.l.T("progress.wait"))
	req.RequestID = newRequestID()
	p.br.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), actTimeout)
		defer cancel()
		res, err := p.hub.Act(ctx, req)
		p.br.ui(func() { p.answer(title, res, err, success) })
	})
}

// answer shows the hub's answer and, on success, the room as the hub
// returned it, without waiting for the stream.
func (p *RoomPlayer) answer(title string, res hubproto.ActionResult, err error, success string) {
	p.acting = false
	msg := success
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		title, msg = p.l.T("result.failed"), actionError(p.l, err)
	} else if res.Room != nil {
		p.state = withRoom(p.state, *res.Room)
	}
	p.render()
	p.modal.show(p.root, p.th, title, msg, "", p.l.T("result.close"), nil)
	if p.stopResult != nil {
		p.stopResult()
	}
	p.stopResult = p.clock.AfterFunc(resultShownFor, func() { p.br.ui(p.modal.hide) })
}

// withRoom returns s with rv replacing the room of the same ID; s's slice
// is shared with the client, so it is copied, never written.
func withRoom(s State, rv hubproto.RoomView) State {
	rooms := slices.Clone(s.Rooms)
	for i := range rooms {
		if rooms[i].ID == rv.ID {
			rooms[i] = rv
			s.Rooms = rooms
			return s
		}
	}
	s.Rooms = append(rooms, rv)
	return s
}

// actionError says in plain words why the hub did not act.
func actionError(l i18n.Localizer, err error) string {
	var he *hubproto.Error
	switch {
	case errors.As(err, &he):
		switch he.Code {
		case hubproto.ErrorCodeConflict:
			return l.T("error.conflict")
		case hubproto.ErrorCodeDeclined:
			return l.T("error.declined")
		case hubproto.ErrorCodeForbidden, hubproto.ErrorCodeUnauthorized:
			return l.T("error.forbidden")
		case hubproto.ErrorCodeUnavailable:
			return l.T("error.unavailable")
		case hubproto.ErrorCodeRateLimited:
			return l.T("error.rateLimited")
		case hubproto.ErrorCodeNotFound:
			return l.T("error.notFound")
		}
		return l.T("error.other", "code", he.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return l.T("error.timeout")
	}
	return l.T("error.offline")
}

// newRequestID returns a random ID, so that a retried action is not done
// twice by the hub.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// splitLayout puts two objects side by side, the first taking ratio of the
// width.
type splitLayout struct{ ratio float32 }

func (s *splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	w := size.Width * s.ratio
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
}

func (s *splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var out fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		out.Width += m.Width
		out.Height = max(out.Height, m.Height)
	}
	return out
}
