package ewstest

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // rooms live in Asia/Taipei, Europe/Zurich…; the demo runs on Windows without a zoneinfo database.
)

// MailboxKind is what a directory entry is.
type MailboxKind int

// Kinds of directory entries.
const (
	KindUser      MailboxKind = iota + 1 // a person's mailbox
	KindRoom                             // a room mailbox (RecipientTypeDetails RoomMailbox)
	KindEquipment                        // an equipment mailbox
	KindGroup                            // a distribution group
	KindRoomList                         // a distribution group marked as room list (a building or floor)
)

// String returns the Exchange-ish name of k.
func (k MailboxKind) String() string {
	switch k {
	case KindUser:
		return "User"
	case KindRoom:
		return "Room"
	case KindEquipment:
		return "Equipment"
	case KindGroup:
		return "Group"
	case KindRoomList:
		return "RoomList"
	}
	return fmt.Sprintf("MailboxKind(%d)", int(k))
}

// CalendarProcessing is the per-resource booking behaviour an administrator
// sets with Set-CalendarProcessing. The zero value is not Exchange's
// default; use DefaultCalendarProcessing.
type CalendarProcessing struct {
	// AddOrganizerToSubject puts the organizer's name into the subject of
	// the room's copy.
	AddOrganizerToSubject bool
	// DeleteSubject removes the organizer's subject from the room's copy.
	DeleteSubject bool
	// DeleteComments empties the body of the room's copy.
	DeleteComments bool
	// RemovePrivateProperty clears the private flag on the room's copy.
	RemovePrivateProperty bool
}

// DefaultCalendarProcessing is what Exchange sets on a new resource mailbox.
func DefaultCalendarProcessing() CalendarProcessing {
	return CalendarProcessing{AddOrganizerToSubject: true, DeleteSubject: true, DeleteComments: true, RemovePrivateProperty: true}
}

// mailbox is one directory entry. Rooms, equipment and users own a calendar.
type mailbox struct {
	kind       MailboxKind
	address    string // lower-case SMTP
	name       string
	given      string
	surname    string
	department string
	city       string
	building   string
	floor      string
	capacity   int
	loc        *time.Location
	tzID       string   // Windows time zone id of loc
	members    []string // groups and room lists: member addresses in order
	processing CalendarProcessing
	serial     int // directory order, for stable listings and persona ids

	items   map[string]*calItem // calendar items by id, including tombstones
	journal []journalEntry      // calendar changes in seq order, for SyncFolderItems
}

func (m *mailbox) hasCalendar() bool {
	return m.kind == KindUser || m.kind == KindRoom || m.kind == KindEquipment
}

// mailboxType is the EWS MailboxType of m.
func (m *mailbox) mailboxType() string {
	if m.kind == KindGroup || m.kind == KindRoomList {
		return "PublicDL"
	}
	return "Mailbox"
}

// org is the simulated organisation: directory and calendars. Every field
// is guarded by Server.mu.
type org struct {
	domain    string
	mailboxes map[string]*mailbox
	serial    int    // last mailbox serial
	itemSeq   uint64 // last item serial
	seq       uint64 // last change sequence number (journal)
	items     map[string]*calItem
	syncKey   []byte // authenticates sync states of this instance
	pending   []itemEvent
	now       func() time.Time
	clock     *clock
}

// clock lets tests move the simulator's time. It has its own lock because
// Options.Now is read both with and without Server.mu held.
type clock struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.base())
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// lookup returns the mailbox for an SMTP address, case-insensitively. It
// also accepts "SMTP:" prefixes and DOMAIN\user account names.
func (o *org) lookup(addr string) *mailbox {
	return o.mailboxes[o.normalize(addr)]
}

func (o *org) normalize(addr string) string {
	a := strings.ToLower(strings.TrimSpace(addr))
	a = strings.TrimPrefix(a, "smtp:")
	if i := strings.IndexByte(a, '\\'); i >= 0 {
		a = a[i+1:]
	}
	if a != "" && !strings.Contains(a, "@") {
		a += "@" + o.domain
	}
	return a
}

// actingMailbox returns the mailbox a request acts as. Accounts that
// authenticate but have no mailbox yet (a service account created for the
// test, an NTLM user) get a user mailbox on first use, the way a tenant
// admin would have licensed them.
func (o *org) actingMailbox(account string) *mailbox {
	addr := o.normalize(firstNonEmpty(account, defaultAccount))
	if m := o.mailboxes[addr]; m != nil {
		return m
	}
	local, _, _ := strings.Cut(addr, "@")
	return o.addMailbox(&mailbox{kind: KindUser, address: addr, name: local, loc: time.UTC, tzID: "UTC"})
}

func (o *org) addMailbox(m *mailbox) *mailbox {
	o.serial++
	m.serial = o.serial
	if m.loc == nil {
		m.loc, m.tzID = time.UTC, "UTC"
	}
	if m.hasCalendar() {
		m.items = map[string]*calItem{}
	}
	o.mailboxes[m.address] = m
	return m
}

// sorted returns the mailboxes of the given kinds (all when none) in
// directory order.
func (o *org) sorted(kinds ...MailboxKind) []*mailbox {
	var out []*mailbox
	for _, m := range o.mailboxes {
		if len(kinds) == 0 || containsKind(kinds, m.kind) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].serial < out[j].serial })
	return out
}

func containsKind(ks []MailboxKind, k MailboxKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// roomListsOf returns the addresses of the room lists containing room.
func (o *org) roomListsOf(room string) []string {
	var out []string
	for _, l := range o.sorted(KindRoomList) {
		for _, a := range l.members {
			if a == room {
				out = append(out, l.address)
				break
			}
		}
	}
	return out
}

// Folder ids are opaque to clients; inside they name the owner and the
// distinguished folder, so any id this server handed out resolves without
// a table.
var folderIDHeader = []byte{0x00, 0x01, 0x2e, 0x00}

func folderID(owner, name string) string {
	return base64.StdEncoding.EncodeToString(append(append([]byte{}, folderIDHeader...), []byte("F\x00"+owner+"\x00"+name)...))
}

func parseFolderID(id string) (owner, name string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(b) < len(folderIDHeader)+2 || string(b[:len(folderIDHeader)]) != string(folderIDHeader) {
		return "", "", false
	}
	parts := strings.Split(string(b[len(folderIDHeader):]), "\x00")
	if len(parts) != 3 || parts[0] != "F" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// distinguishedFolders are the well-known folders every mailbox has here.
// Only the calendar holds items; the others exist so clients that walk
// the hierarchy (exchangelib asks for root and msgfolderroot) work.
var distinguishedFolders = map[string]struct{ display, class string }{
	"root":          {"", ""},
	"msgfolderroot": {"Top of Information Store", "IPF.Note"},
	"calendar":      {"Calendar", "IPF.Appointment"},
	"inbox":         {"Inbox", "IPF.Note"},
	"deleteditems":  {"Deleted Items", "IPF.Note"},
	"sentitems":     {"Sent Items", "IPF.Note"},
	"contacts":      {"Contacts", "IPF.Contact"},
}

// resolveFolder maps a DistinguishedFolderId (+Mailbox) or a FolderId to
// the owning mailbox and the folder's id. acting is the request's mailbox,
// used for a DistinguishedFolderId without Mailbox. Callers hold s.mu.
func (o *org) resolveFolder(distinguishedID, mailboxAddr, fid, acting string) (owner, id string, ok bool) {
	if fid != "" {
		owner, name, ok := parseFolderID(fid)
		if !ok {
			return "", "", false
		}
		if m := o.mailboxes[owner]; m == nil || !m.hasCalendar() {
			return "", "", false
		}
		return owner, folderID(owner, name), true
	}
	if _, known := distinguishedFolders[distinguishedID]; !known {
		return "", "", false
	}
	var m *mailbox
	if mailboxAddr != "" {
		m = o.lookup(mailboxAddr)
	} else {
		m = o.actingMailbox(acting)
	}
	if m == nil || !m.hasCalendar() {
		return "", "", false
	}
	return m.address, folderID(m.address, distinguishedID), true
}

// calendarFolderID returns the id of mailbox's calendar folder. Callers
// hold s.mu.
func (o *org) calendarFolderID(addr string) (string, bool) {
	m := o.lookup(addr)
	if m == nil || !m.hasCalendar() {
		return "", false
	}
	return folderID(m.address, "calendar"), true
}

// Windows time zone ids, as EWS names them, and the IANA zone each maps to.
var windowsZones = map[string]string{
	"UTC":                          "UTC",
	"Taipei Standard Time":         "Asia/Taipei",
	"China Standard Time":          "Asia/Shanghai",
	"Tokyo Standard Time":          "Asia/Tokyo",
	"Singapore Standard Time":      "Asia/Singapore",
	"India Standard Time":          "Asia/Kolkata",
	"W. Europe Standard Time":      "Europe/Zurich",
	"Central Europe Standard Time": "Europe/Budapest",
	"Romance Standard Time":        "Europe/Paris",
	"GMT Standard Time":            "Europe/London",
	"Eastern Standard Time":        "America/New_York",
	"Central Standard Time":        "America/Chicago",
	"Pacific Standard Time":        "America/Los_Angeles",
	"AUS Eastern Standard Time":    "Australia/Sydney",
}

// zoneByWindowsID returns the location for a Windows zone id or an IANA
// name, or nil.
func zoneByWindowsID(id string) *time.Location {
	if id == "" {
		return nil
	}
	name := id
	if n, ok := windowsZones[id]; ok {
		name = n
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// windowsIDOf returns the Windows zone id for loc.
func windowsIDOf(loc *time.Location) string {
	switch loc.String() {
	case "Europe/Zurich", "Europe/Berlin", "Europe/Vienna", "Europe/Rome", "Europe/Amsterdam":
		return "W. Europe Standard Time"
	}
	for w, n := range windowsZones {
		if n == loc.String() {
			return w
		}
	}
	return "UTC"
}
