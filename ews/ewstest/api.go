package ewstest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors returned by the Go API.
var (
	// ErrNotFound means no mailbox or booking has the given address or id.
	ErrNotFound = errors.New("ewstest: not found")
	// ErrDeclined means a room or equipment mailbox declined a booking
	// because it conflicts; the organizer's item exists and shows the
	// resource's Decline, as in Exchange.
	ErrDeclined = errors.New("ewstest: declined by resource")
	// ErrInvalid means a booking or mailbox description cannot be stored.
	ErrInvalid = errors.New("ewstest: invalid")
)

// Mailbox describes a directory entry.
type Mailbox struct {
	Address  string // lower-case SMTP address
	Name     string // display name
	Kind     MailboxKind
	Capacity int // rooms: seats
	City     string
	Building string
	Floor    string
	// TimeZone is where a room, equipment or person is; nil for groups.
	TimeZone *time.Location
	// RoomLists are the room lists a room belongs to (empty for rooms in
	// none); Members are the members of a group or room list.
	RoomLists  []string
	Members    []string
	Processing CalendarProcessing // rooms and equipment
}

func (s *Server) export(m *mailbox) Mailbox {
	out := Mailbox{Address: m.address, Name: m.name, Kind: m.kind, Capacity: m.capacity, City: m.city, Building: m.building, Floor: m.floor,
		Members: append([]string(nil), m.members...), Processing: m.processing}
	if m.hasCalendar() {
		out.TimeZone = m.loc
	}
	if m.kind == KindRoom {
		out.RoomLists = s.org.roomListsOf(m.address)
	}
	return out
}

// Rooms returns every room mailbox, in directory order.
func (s *Server) Rooms() []Mailbox { return s.Mailboxes(KindRoom) }

// RoomLists returns every room list with its member rooms.
func (s *Server) RoomLists() []Mailbox { return s.Mailboxes(KindRoomList) }

// Mailboxes returns the directory entries of one kind, or all of them for
// kind 0, in directory order.
func (s *Server) Mailboxes(kind MailboxKind) []Mailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []*mailbox
	if kind == 0 {
		ms = s.org.sorted()
	} else {
		ms = s.org.sorted(kind)
	}
	out := make([]Mailbox, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.export(m))
	}
	return out
}

// Booking is a meeting as an organizer (a person, the booking delegate or
// the service account) books it with a room.
type Booking struct {
	// Organizer is the SMTP address whose calendar holds the meeting; empty
	// means the service account svc-roomboard@contoso.com.
	Organizer string
	Subject   string
	Body      string
	// Location defaults to the room's name.
	Location   string
	Start, End time.Time
	AllDay     bool
	Private    bool
	// Attendees and Optional are people's addresses.
	Attendees []string
	Optional  []string
	// OnlineMeetingURL makes it an online meeting.
	OnlineMeetingURL string
	// FreeBusy is the organizer's LegacyFreeBusyStatus; empty means Busy.
	FreeBusy string
	// Recurrence makes it a series; its dates are in TimeZone.
	Recurrence *Recurrence
	// TimeZone anchors the series and all-day events; nil means the room's.
	TimeZone *time.Location
}

// Attendee is one attendee of an Occurrence.
type Attendee struct {
	Address  string
	Name     string
	Kind     string // Required, Optional or Resource
	Response string // ResponseTypeType: Unknown, Accept, Decline, Tentative, NoResponseReceived, Organizer
}

// Occurrence is one entry of a calendar as the simulator knows it.
type Occurrence struct {
	ItemID        string // what a CalendarView returns as ItemId
	ChangeKey     string
	SeriesID      string // the master's id for occurrences and exceptions
	UID           string
	Type          string // Single, Occurrence or Exception
	Subject       string
	Body          string
	Location      string
	Start, End    time.Time
	OriginalStart time.Time // occurrences and exceptions
	AllDay        bool
	FreeBusy      string
	Sensitivity   string
	Organizer     string
	MyResponse    string
	IsCancelled   bool
	OnlineURL     string
	Attendees     []Attendee
}

func (s *Server) occurrenceOf(o occ) Occurrence {
	it := o.item
	out := Occurrence{
		ItemID: o.id(), ChangeKey: it.changeKey(), UID: it.uid, Type: o.kind(), Subject: o.subject, Body: it.body, Location: o.location,
		Start: o.start, End: o.end, AllDay: it.allDay, FreeBusy: it.freeBusy, Sensitivity: it.sensitivity, Organizer: it.organizer,
		MyResponse: it.myResponse, IsCancelled: it.isCancelled, OnlineURL: it.onlineURL,
	}
	if o.index > 0 {
		out.SeriesID, out.OriginalStart = it.id, o.orig
	}
	for _, l := range []struct {
		kind string
		as   []attendee
	}{{"Required", it.required}, {"Optional", it.optional}, {"Resource", it.resources}} {
		for _, a := range l.as {
			out.Attendees = append(out.Attendees, Attendee{Address: a.address, Name: a.name, Kind: l.kind, Response: a.response})
		}
	}
	return out
}

// Truth returns mailbox's calendar over [start, end) as the simulator
// knows it: series expanded, sorted by start. Tests compare a client's
// view with it.
func (s *Server) Truth(mailbox string, start, end time.Time) []Occurrence {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.lookup(mailbox)
	if m == nil || !m.hasCalendar() {
		return nil
	}
	var out []Occurrence
	for _, o := range s.org.view(m, start, end) {
		out = append(out, s.occurrenceOf(o))
	}
	return out
}

// bookingItem builds an organizer's item for room from b.
func (s *Server) bookingItem(room *mailbox, b Booking) (*calItem, error) {
	loc := b.TimeZone
	if loc == nil {
		loc = room.loc
	}
	it := &calItem{subject: b.Subject, body: b.Body, location: firstNonEmpty(b.Location, room.name), start: b.Start.UTC(), end: b.End.UTC(),
		loc: loc, allDay: b.AllDay, freeBusy: b.FreeBusy, sensitivity: "Normal", onlineURL: b.OnlineMeetingURL}
	if b.Private {
		it.sensitivity = "Private"
	}
	for _, a := range b.Attendees {
		it.required = append(it.required, attendee{address: strings.ToLower(a)})
	}
	for _, a := range b.Optional {
		it.optional = append(it.optional, attendee{address: strings.ToLower(a)})
	}
	it.resources = []attendee{{address: room.address, name: room.name}}
	if b.Recurrence != nil {
		r := *b.Recurrence
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		it.rec = &r
	}
	if code := finishTimes(it); code != "" {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, code)
	}
	return it, nil
}

func declined(it *calItem) error {
	for _, a := range it.resources {
		if a.response == "Decline" {
			return fmt.Errorf("%w: %s", ErrDeclined, a.address)
		}
	}
	return nil
}

// AddBooking books room for b.Organizer, as a client's CreateItem with
// the room as a Resource attendee and SendToAllAndSaveCopy would. It
// returns the organizer's item id; when the room declines, it returns the
// id and ErrDeclined.
func (s *Server) AddBooking(room string, b Booking) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	r := s.org.lookup(room)
	if r == nil || (r.kind != KindRoom && r.kind != KindEquipment) {
		return "", fmt.Errorf("%w: room %s", ErrNotFound, room)
	}
	it, err := s.bookingItem(r, b)
	if err != nil {
		return "", err
	}
	org := s.org.actingMailbox(b.Organizer)
	s.org.createItem(org, it, true)
	return it.id, declined(it)
}

// organizerItem returns the organizer's item for id, which may also name
// an attendee's (a room's) copy or an occurrence.
func (s *Server) organizerItem(id string) (*calItem, error) {
	it, _, _ := s.org.resolveItem(id)
	if it != nil && it.organizerItem != "" {
		it = s.org.items[it.organizerItem]
	}
	if it == nil || !it.alive() {
		return nil, fmt.Errorf("%w: booking %s", ErrNotFound, id)
	}
	return it, nil
}

// UpdateBooking replaces the subject, body, times, privacy and people of a
// booking (its rooms stay) and sends the update to the attendees. It
// returns ErrDeclined when a room now declines.
func (s *Server) UpdateBooking(id string, b Booking) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	it, err := s.organizerItem(id)
	if err != nil {
		return err
	}
	var room *mailbox
	for _, a := range it.resources {
		if m := s.org.mailboxes[a.address]; m != nil {
			room = m
			break
		}
	}
	if room == nil {
		room = s.org.mailboxes[it.owner]
	}
	n, err := s.bookingItem(room, b)
	if err != nil {
		return err
	}
	it.subject, it.body, it.location, it.start, it.end, it.loc = n.subject, n.body, n.location, n.start, n.end, n.loc
	it.allDay, it.sensitivity, it.onlineURL, it.rec = n.allDay, n.sensitivity, n.onlineURL, n.rec
	it.freeBusy = firstNonEmpty(n.freeBusy, "Busy")
	it.required, it.optional = n.required, n.optional
	it.exceptions, it.deleted = nil, nil
	s.org.updateItem(it, true)
	return declined(it)
}

// CancelBooking deletes a booking from the organizer's calendar and sends
// the cancellation: rooms drop it, people keep a cancelled copy.
func (s *Server) CancelBooking(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	it, err := s.organizerItem(id)
	if err != nil {
		return err
	}
	s.org.deleteItem(it, true, true)
	return nil
}

// MoveBooking moves a booking to another room: the old room gets a
// cancellation, the new one a request it accepts or declines.
func (s *Server) MoveBooking(id, room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	it, err := s.organizerItem(id)
	if err != nil {
		return err
	}
	r := s.org.lookup(room)
	if r == nil || (r.kind != KindRoom && r.kind != KindEquipment) {
		return fmt.Errorf("%w: room %s", ErrNotFound, room)
	}
	for _, a := range it.resources {
		if old := s.org.mailboxes[a.address]; old != nil && it.location == old.name {
			it.location = r.name
		}
	}
	it.resources = []attendee{{address: r.address, name: r.name}}
	s.org.updateItem(it, true)
	return declined(it)
}

// AddRoom adds a room mailbox; m.Address is required, m.RoomLists name
// existing room lists to join. Zero TimeZone means UTC, zero Processing
// Exchange's defaults.
func (s *Server) AddRoom(m Mailbox) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := s.org.normalize(m.Address)
	if addr == "" || !strings.Contains(addr, "@") {
		return fmt.Errorf("%w: room address %q", ErrInvalid, m.Address)
	}
	if s.org.mailboxes[addr] != nil {
		return fmt.Errorf("%w: %s exists", ErrInvalid, addr)
	}
	for _, l := range m.RoomLists {
		if rl := s.org.lookup(l); rl == nil || rl.kind != KindRoomList {
			return fmt.Errorf("%w: room list %s", ErrNotFound, l)
		}
	}
	loc := m.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	p := m.Processing
	if p == (CalendarProcessing{}) {
		p = DefaultCalendarProcessing()
	}
	s.org.addMailbox(&mailbox{kind: KindRoom, address: addr, name: firstNonEmpty(m.Name, addr), capacity: m.Capacity, city: m.City,
		building: m.Building, floor: m.Floor, loc: loc, tzID: windowsIDOf(loc), processing: p})
	for _, l := range m.RoomLists {
		rl := s.org.lookup(l)
		rl.members = append(rl.members, addr)
	}
	return nil
}

// RemoveRoom deletes a room mailbox and its calendar, and takes it out of
// its room lists. Meetings that invited it keep it as an attendee.
func (s *Server) RemoveRoom(address string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.lookup(address)
	if m == nil || m.kind != KindRoom {
		return fmt.Errorf("%w: room %s", ErrNotFound, address)
	}
	var items []*calItem
	for _, it := range m.items {
		items = append(items, it)
	}
	for _, it := range items {
		s.org.remove(it, false)
	}
	// Deletions are announced while the calendar still resolves.
	s.flushEvents()
	for _, l := range s.org.sorted(KindRoomList) {
		kept := l.members[:0]
		for _, a := range l.members {
			if a != m.address {
				kept = append(kept, a)
			}
		}
		l.members = kept
	}
	delete(s.org.mailboxes, m.address)
	return nil
}

// RenameRoom changes a room's display name, as an administrator would in
// the directory; existing bookings keep their Location text.
func (s *Server) RenameRoom(address, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.lookup(address)
	if m == nil || m.kind != KindRoom {
		return fmt.Errorf("%w: room %s", ErrNotFound, address)
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: empty room name", ErrInvalid)
	}
	m.name = name
	return nil
}

// SetCalendarProcessing changes how a room or equipment mailbox processes
// meeting requests from now on; copies already in its calendar stay as
// they are, as in Exchange.
func (s *Server) SetCalendarProcessing(room string, p CalendarProcessing) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.lookup(room)
	if m == nil || (m.kind != KindRoom && m.kind != KindEquipment) {
		return fmt.Errorf("%w: room %s", ErrNotFound, room)
	}
	m.processing = p
	return nil
}

// Now returns the simulator's time.
func (s *Server) Now() time.Time { return s.opts.Now() }

// SetNow moves the simulator's clock to t; it keeps running from there.
func (s *Server) SetNow(t time.Time) { s.org.clock.set(t) }

// Advance moves the simulator's clock forward by d.
func (s *Server) Advance(d time.Duration) { s.org.clock.advance(d) }
