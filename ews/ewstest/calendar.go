package ewstest

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// itemEvent is one calendar change, handed to the notification machinery
// (notify.go) while Server.mu is held.
type itemEvent struct {
	Kind                                                string // CreatedEvent, ModifiedEvent, DeletedEvent, MovedEvent
	Mailbox                                             string // lower-case SMTP
	ItemID, ChangeKey, FolderID, OldItemID, OldFolderID string
	Time                                                time.Time
}

// journalEntry records that an item of a calendar changed at seq.
type journalEntry struct {
	seq uint64
	id  string
}

// attendee is one entry of RequiredAttendees, OptionalAttendees or Resources.
type attendee struct {
	address  string
	name     string
	response string // ResponseTypeType
	when     time.Time
}

// exception is a modified occurrence of a series.
type exception struct {
	start, end        time.Time
	subject, location *string
}

// calItem is a calendar item in one mailbox: a single appointment or
// meeting, or the master of a series. Attendees' copies of a meeting are
// separate items linked to the organizer's by organizerItem.
type calItem struct {
	id, owner   string
	serial      uint64
	version     uint32
	uid         string
	subject     string
	body        string
	location    string
	start, end  time.Time // UTC; a master's first occurrence
	loc         *time.Location
	allDay      bool
	freeBusy    string // LegacyFreeBusyType
	sensitivity string // SensitivityChoicesType
	organizer   string
	required    []attendee
	optional    []attendee
	resources   []attendee
	myResponse  string
	isMeeting   bool
	isCancelled bool
	requestSent bool
	onlineURL   string
	rec         *Recurrence
	exceptions  map[int64]*exception // by original start (Unix seconds)
	deleted     map[int64]bool       // original starts of deleted occurrences
	created     time.Time
	modified    time.Time
	apptSeq     int
	createdSeq  uint64
	deletedSeq  uint64 // non-zero once deleted; the item stays as a tombstone for sync

	organizerItem string            // on an attendee's copy: the organizer's item id
	copies        map[string]string // on the organizer's item: attendee address -> copy id
}

func (it *calItem) alive() bool { return it.deletedSeq == 0 }

func (it *calItem) duration() time.Duration { return it.end.Sub(it.start) }

// existedAt reports whether the item was in its calendar after change seq.
func (it *calItem) existedAt(seq uint64) bool {
	return it.createdSeq <= seq && (it.deletedSeq == 0 || it.deletedSeq > seq)
}

// Item ids are opaque to clients. They start like Exchange's (AAMkA…) and
// carry the owner and a serial; occurrence ids carry the master id and the
// occurrence's original start, so they resolve without a table.
var itemIDHeader = []byte{0x00, 0x03, 0x24, 0x00}

func encodeID(payload string) string {
	return base64.StdEncoding.EncodeToString(append(append([]byte{}, itemIDHeader...), payload...))
}

func decodeID(id string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(b) < len(itemIDHeader) || string(b[:len(itemIDHeader)]) != string(itemIDHeader) {
		return "", false
	}
	return string(b[len(itemIDHeader):]), true
}

func occurrenceID(masterID string, orig time.Time) string {
	return encodeID("O\x00" + masterID + "\x00" + strconv.FormatInt(orig.Unix(), 10))
}

func parseOccurrenceID(id string) (masterID string, orig int64, ok bool) {
	p, ok := decodeID(id)
	if !ok {
		return "", 0, false
	}
	parts := strings.Split(p, "\x00")
	if len(parts) != 3 || parts[0] != "O" {
		return "", 0, false
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return parts[1], n, true
}

// changeKey changes with every version of the item, like Exchange's.
func (it *calItem) changeKey() string {
	b := []byte{0x0f, 0, 0, 0, 0x16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[8:], uint32(it.serial))
	binary.BigEndian.PutUint32(b[12:], it.version)
	return base64.StdEncoding.EncodeToString(b)
}

// occ is one occurrence as a calendar view shows it.
type occ struct {
	item      *calItem
	index     int       // 1-based instance index; 0 for a single item
	orig      time.Time // original start of an occurrence
	start     time.Time
	end       time.Time
	exception bool
	subject   string
	location  string
}

// id is the ItemId a view shows for o.
func (o occ) id() string {
	if o.index == 0 {
		return o.item.id
	}
	return occurrenceID(o.item.id, o.orig)
}

// kind is the CalendarItemType a view shows for o.
func (o occ) kind() string {
	switch {
	case o.index == 0:
		return "Single"
	case o.exception:
		return "Exception"
	}
	return "Occurrence"
}

func overlaps(s, e, from, to time.Time) bool {
	if s.Equal(e) {
		return !s.Before(from) && s.Before(to)
	}
	return s.Before(to) && e.After(from)
}

// occurrenceAt builds the occurrence of it that originally started at orig.
func (it *calItem) occurrenceAt(index int, orig time.Time) occ {
	o := occ{item: it, index: index, orig: orig, start: orig, end: orig.Add(it.duration()), subject: it.subject, location: it.location}
	if x := it.exceptions[orig.Unix()]; x != nil {
		o.exception = true
		o.start, o.end = x.start, x.end
		if x.subject != nil {
			o.subject = *x.subject
		}
		if x.location != nil {
			o.location = *x.location
		}
	}
	return o
}

// occurrences returns what a calendar view over [from, to) shows of it.
func (it *calItem) occurrences(from, to time.Time) []occ {
	if it.rec == nil {
		if overlaps(it.start, it.end, from, to) {
			return []occ{{item: it, start: it.start, end: it.end, subject: it.subject, location: it.location}}
		}
		return nil
	}
	// Exceptions may move an occurrence earlier than its original start,
	// so expansion runs to the latest moved-in end as well.
	limit := to
	for orig, x := range it.exceptions {
		if x.start.Before(to) && time.Unix(orig, 0).After(limit) {
			limit = time.Unix(orig, 0).Add(time.Second)
		}
	}
	var out []occ
	it.rec.expand(it.start, it.loc, limit, func(i int, s time.Time) bool {
		if it.deleted[s.Unix()] {
			return true
		}
		o := it.occurrenceAt(i, s)
		if overlaps(o.start, o.end, from, to) {
			out = append(out, o)
		}
		return true
	})
	return out
}

// findOccurrence returns the occurrence with the given original start or
// instance index (when orig is zero).
func (it *calItem) findOccurrence(orig time.Time, index int) (occ, bool) {
	if it.rec == nil {
		return occ{}, false
	}
	var found occ
	ok := false
	until := it.start.AddDate(100, 0, 0)
	if !orig.IsZero() {
		until = orig.Add(time.Second)
	}
	it.rec.expand(it.start, it.loc, until, func(i int, s time.Time) bool {
		if (!orig.IsZero() && s.Equal(orig)) || (orig.IsZero() && i == index) {
			if !it.deleted[s.Unix()] {
				found, ok = it.occurrenceAt(i, s), true
			}
			return false
		}
		return true
	})
	return found, ok
}

// lastOccurrence returns the last occurrence of a bounded series.
func (it *calItem) lastOccurrence() (occ, bool) {
	if it.rec == nil {
		return occ{}, false
	}
	s, i, ok := it.rec.lastStart(it.start, it.loc)
	if !ok {
		return occ{}, false
	}
	return it.occurrenceAt(i, s), true
}

// now returns the simulator's time, truncated as Exchange stores it.
func (o *org) nowUTC() time.Time { return o.now().UTC().Truncate(time.Second) }

// record appends a change of it to its calendar's journal and queues the
// notification.
func (o *org) record(it *calItem, kind string) {
	o.seq++
	m := o.mailboxes[it.owner]
	m.journal = append(m.journal, journalEntry{seq: o.seq, id: it.id})
	cal := folderID(it.owner, "calendar")
	ev := itemEvent{Kind: kind, Mailbox: it.owner, ItemID: it.id, ChangeKey: it.changeKey(), FolderID: cal, Time: o.nowUTC()}
	switch kind {
	case "CreatedEvent":
		it.createdSeq = o.seq
	case "DeletedEvent":
		it.deletedSeq = o.seq
	case "MovedEvent":
		it.deletedSeq = o.seq
		ev.OldItemID, ev.OldFolderID = it.id, cal
		ev.ItemID, ev.FolderID = encodeID("I\x00"+it.owner+"\x00deleted\x00"+it.id), folderID(it.owner, "deleteditems")
	}
	o.pending = append(o.pending, ev)
}

// insert stores a new item in owner's calendar.
func (o *org) insert(owner *mailbox, it *calItem) {
	o.itemSeq++
	it.serial = o.itemSeq
	it.owner = owner.address
	it.id = encodeID("I\x00" + owner.address + "\x00" + strconv.FormatUint(it.serial, 10))
	it.version = 1
	now := o.nowUTC()
	if it.created.IsZero() {
		it.created = now
	}
	it.modified = now
	if it.uid == "" {
		it.uid = fmt.Sprintf("040000008200E00074C5B7101A82E00800000000%016X%016X", it.serial*0x9E3779B97F4A7C15, it.serial)
	}
	if it.loc == nil {
		it.loc = owner.loc
	}
	owner.items[it.id] = it
	o.items[it.id] = it
	o.record(it, "CreatedEvent")
}

// touch records a modification of it.
func (o *org) touch(it *calItem) {
	it.version++
	it.modified = o.nowUTC()
	o.record(it, "ModifiedEvent")
}

// remove deletes it; moved means it went to Deleted Items rather than away.
func (o *org) remove(it *calItem, moved bool) {
	if !it.alive() {
		return
	}
	if moved {
		o.record(it, "MovedEvent")
	} else {
		o.record(it, "DeletedEvent")
	}
	delete(o.mailboxes[it.owner].items, it.id)
	// The tombstone stays in o.items so sync can still describe it.
}

// attendees returns every attendee of it with the list it is on.
func (it *calItem) allAttendees() []*attendee {
	var out []*attendee
	for _, l := range []([]attendee){it.required, it.optional, it.resources} {
		for i := range l {
			out = append(out, &l[i])
		}
	}
	return out
}

// createItem creates a meeting in the organizer's calendar and,
// when send is set, delivers it to the attendees' calendars. It returns
// the organizer's item.
func (o *org) createItem(owner *mailbox, it *calItem, send bool) *calItem {
	if it.loc == nil {
		it.loc = owner.loc
	}
	normalizeSeries(it)
	it.organizer = owner.address
	it.isMeeting = len(it.required)+len(it.optional)+len(it.resources) > 0
	it.myResponse = "Organizer"
	if it.freeBusy == "" {
		it.freeBusy = "Busy"
	}
	if it.sensitivity == "" {
		it.sensitivity = "Normal"
	}
	for _, a := range it.allAttendees() {
		if a.response == "" {
			a.response = "Unknown"
		}
	}
	// The organizer's item is stored before delivery so the attendees'
	// copies can point to it; delivery updates responses in place and the
	// single Created change carries them.
	o.insert(owner, it)
	if send && it.isMeeting {
		it.requestSent = true
		o.deliver(it)
	}
	return it
}

// updateItem records a change to it made by its owner. For an organizer's
// meeting with send set, the attendees' calendars follow.
func (o *org) updateItem(it *calItem, send bool) {
	it.isMeeting = it.isMeeting || len(it.required)+len(it.optional)+len(it.resources) > 0
	if send && it.organizerItem == "" && it.isMeeting {
		it.apptSeq++
		it.requestSent = true
		o.deliver(it)
	}
	o.touch(it)
}

// deleteItem removes it. For an organizer's meeting with send set, the
// attendees get a cancellation: rooms and equipment drop their copy (the
// resource booking attendant does), people keep a cancelled copy.
func (o *org) deleteItem(it *calItem, send, moved bool) {
	if send && it.organizerItem == "" {
		for _, cid := range it.copies {
			o.cancelCopy(o.items[cid])
		}
		it.copies = nil
	}
	o.remove(it, moved)
}

func (o *org) cancelCopy(c *calItem) {
	if c == nil || !c.alive() {
		return
	}
	m := o.mailboxes[c.owner]
	if m.kind != KindUser {
		o.remove(c, false)
		return
	}
	if !c.isCancelled {
		c.isCancelled = true
		c.subject = "Canceled: " + c.subject
		c.freeBusy = "Free"
		o.touch(c)
	}
}

// deliver brings every internal attendee's calendar in line with the
// organizer's item it: new attendees get a copy (resources accept or
// decline), existing copies follow the changes, removed attendees get a
// cancellation. Responses are written into it without recording a change;
// the caller records one.
func (o *org) deliver(it *calItem) {
	if it.copies == nil {
		it.copies = map[string]string{}
	}
	seen := map[string]bool{}
	for _, a := range it.allAttendees() {
		m := o.lookup(a.address)
		if m == nil || !m.hasCalendar() || m.address == it.owner || seen[m.address] {
			continue
		}
		seen[m.address] = true
		a.address = m.address
		if a.name == "" {
			a.name = m.name
		}
		var existing *calItem
		if cid, ok := it.copies[m.address]; ok {
			existing = o.items[cid]
			if existing != nil && !existing.alive() {
				existing = nil
			}
		}
		if m.kind == KindRoom || m.kind == KindEquipment {
			if o.resourceConflict(m, it) {
				if a.response != "Decline" {
					a.response, a.when = "Decline", o.nowUTC()
				}
				if existing != nil {
					o.remove(existing, false)
					delete(it.copies, m.address)
				}
				continue
			}
			if a.response != "Accept" {
				a.response, a.when = "Accept", o.nowUTC()
			}
		} else if a.response == "" || a.response == "Unknown" {
			a.response = "NoResponseReceived"
		}
		c := o.copyFor(it, m, a.response)
		if existing == nil {
			o.insert(m, c)
			it.copies[m.address] = c.id
			continue
		}
		// Keep the copy's identity and the attendee's own response.
		c.id, c.serial, c.version, c.owner, c.created = existing.id, existing.serial, existing.version, existing.owner, existing.created
		c.createdSeq, c.uid, c.myResponse = existing.createdSeq, existing.uid, existing.myResponse
		*existing = *c
		o.touch(existing)
	}
	for addr, cid := range it.copies {
		if !seen[addr] {
			o.cancelCopy(o.items[cid])
			delete(it.copies, addr)
		}
	}
}

// copyFor builds attendee m's copy of the organizer's item it, applying a
// resource's calendar processing.
func (o *org) copyFor(it *calItem, m *mailbox, response string) *calItem {
	c := &calItem{
		uid: it.uid, subject: it.subject, body: it.body, location: it.location,
		start: it.start, end: it.end, loc: it.loc, allDay: it.allDay,
		freeBusy: it.freeBusy, sensitivity: it.sensitivity, organizer: it.organizer,
		required: cloneAttendees(it.required), optional: cloneAttendees(it.optional), resources: cloneAttendees(it.resources),
		myResponse: response, isMeeting: true, onlineURL: it.onlineURL,
		rec: it.rec, exceptions: cloneExceptions(it.exceptions), deleted: cloneDeleted(it.deleted),
		apptSeq: it.apptSeq, organizerItem: it.id, created: it.created,
	}
	switch m.kind {
	case KindRoom, KindEquipment:
		p := m.processing
		c.freeBusy = "Busy"
		orgName := it.organizer
		if om := o.mailboxes[it.organizer]; om != nil {
			orgName = om.name
		}
		process := func(subject string) string {
			if p.DeleteSubject {
				subject = ""
			}
			if p.AddOrganizerToSubject {
				subject = strings.TrimSpace(orgName + " " + subject)
			}
			return subject
		}
		c.subject = process(c.subject)
		for _, x := range c.exceptions {
			if x.subject != nil {
				x.subject = ptr(process(*x.subject))
			}
		}
		if p.DeleteComments {
			c.body = ""
		}
		if p.RemovePrivateProperty {
			c.sensitivity = "Normal"
		}
	default:
		if response == "NoResponseReceived" && c.freeBusy == "Busy" {
			// The calendar attendant places unanswered requests as tentative.
			c.freeBusy = "Tentative"
		}
	}
	return c
}

func cloneAttendees(l []attendee) []attendee { return append([]attendee(nil), l...) }

func cloneExceptions(m map[int64]*exception) map[int64]*exception {
	if m == nil {
		return nil
	}
	out := make(map[int64]*exception, len(m))
	for k, v := range m {
		x := *v
		out[k] = &x
	}
	return out
}

func cloneDeleted(m map[int64]bool) map[int64]bool {
	if m == nil {
		return nil
	}
	out := make(map[int64]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// bookingWindow is how far ahead a resource checks a series for conflicts
// (Set-CalendarProcessing -BookingWindowInDays, default 180).
const bookingWindow = 180 * 24 * time.Hour

// resourceConflict reports whether any occurrence of it overlaps a busy
// item already in resource m's calendar. Like Exchange's defaults
// (AllowConflicts false, ConflictPercentageAllowed 0) a single conflicting
// occurrence declines the whole series.
func (o *org) resourceConflict(m *mailbox, it *calItem) bool {
	from := it.start
	to := it.end
	if it.rec != nil {
		to = it.start.Add(bookingWindow)
		if last, ok := it.lastOccurrence(); ok && last.end.Before(to) {
			to = last.end
		}
		for _, x := range it.exceptions {
			if x.start.Before(from) {
				from = x.start
			}
			if x.end.After(to) {
				to = x.end
			}
		}
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	mine := it.occurrences(from, to)
	if len(mine) == 0 {
		return false
	}
	type span struct{ s, e time.Time }
	var busy []span
	for _, other := range m.items {
		if other.uid == it.uid || other.isCancelled || other.freeBusy == "Free" {
			continue
		}
		for _, x := range other.occurrences(from, to) {
			busy = append(busy, span{x.start, x.end})
		}
	}
	for _, x := range mine {
		for _, b := range busy {
			if x.start.Before(b.e) && b.s.Before(x.end) {
				return true
			}
		}
	}
	return false
}

// view returns the occurrences in owner's calendar overlapping [from, to),
// sorted by start.
func (o *org) view(m *mailbox, from, to time.Time) []occ {
	var out []occ
	for _, it := range m.items {
		out = append(out, it.occurrences(from, to)...)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].start.Equal(out[j].start) {
			return out[i].start.Before(out[j].start)
		}
		return out[i].id() < out[j].id()
	})
	return out
}

// resolveItem finds an item or occurrence by id. ok is false when the id
// is malformed; a well-formed id of a missing item returns nil.
func (o *org) resolveItem(id string) (it *calItem, oc *occ, wellFormed bool) {
	if it := o.items[id]; it != nil {
		if !it.alive() {
			return nil, nil, true
		}
		return it, nil, true
	}
	if masterID, orig, ok := parseOccurrenceID(id); ok {
		master := o.items[masterID]
		if master == nil || !master.alive() {
			return nil, nil, true
		}
		x, found := master.findOccurrence(time.Unix(orig, 0).UTC(), 0)
		if !found {
			return nil, nil, true
		}
		return master, &x, true
	}
	_, ok := decodeID(id)
	return nil, nil, ok
}

// flushEvents hands queued calendar events to the subscriptions. The
// caller holds s.mu.
func (s *Server) flushEvents() {
	for _, ev := range s.org.pending {
		s.subs.publish(ev)
	}
	s.org.pending = nil
}
