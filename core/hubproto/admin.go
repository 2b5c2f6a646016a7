package hubproto

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/roomboard/roomboard/core/room"
)

// The operator (admin) API, used by the console. Every path below needs an
// operator session token from PathLogin in "Authorization: Bearer ...";
// reads need RoleViewer, changes RoleAdmin.
const (
	PathLogout            = "/api/v1/logout"             // POST: ends the caller's session
	PathAdminIntegrations = "/api/v1/admin/integrations" // GET → []Integration
	PathAdminScope        = "/api/v1/admin/scope"        // GET → []IntegrationScope
	PathAdminRooms        = "/api/v1/admin/rooms"        // GET → []AdminRoom; /{id}/policy PUT RoomPolicy; /{id}/feed POST → FeedToken, DELETE
	PathAdminDevices      = "/api/v1/admin/devices"      // GET → []Device; /{id}/revoke POST; /{id} DELETE
	PathAdminPairings     = "/api/v1/admin/pairings"     // GET → []Pairing; /{code}/approve POST ApproveRequest → Device; /{code}/deny POST
	PathAdminSync         = "/api/v1/admin/sync"         // GET → []MailboxSync
	PathAdminAudit        = "/api/v1/admin/audit"        // GET ?before=ID&limit=N&actor=&target= → AuditPage
	PathAdminOperators    = "/api/v1/admin/operators"    // GET → []OperatorInfo; /{login} PUT OperatorRequest
)

// Integration is the non-secret part of one connection to Exchange: its
// settings as the configuration stores them, which hold no passwords or
// client secrets.
type Integration struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Disabled bool            `json:"disabled,omitempty"`
	Settings json.RawMessage `json:"settings,omitempty"`
	Updated  time.Time       `json:"updated,omitzero"`
}

// IntegrationScope is what one integration syncs: the "scope" object of
// its settings.
type IntegrationScope struct {
	Integration string          `json:"integration"`
	Scope       json.RawMessage `json:"scope,omitempty"`
}

// RoomPolicy is room.Policy for the wire.
type RoomPolicy struct {
	HideSubject   bool          `json:"hideSubject,omitempty"`
	HideOrganizer bool          `json:"hideOrganizer,omitempty"`
	HideAttendees bool          `json:"hideAttendees,omitempty"`
	CheckIn       CheckInPolicy `json:"checkIn"`
}

// FromRoomPolicy converts a room's policy for the wire.
func FromRoomPolicy(p room.Policy) RoomPolicy {
	return RoomPolicy{HideSubject: p.HideSubject, HideOrganizer: p.HideOrganizer, HideAttendees: p.HideAttendees,
		CheckIn: FromPolicy(p.CheckIn)}
}

// Policy converts back to the domain type.
func (p RoomPolicy) Policy() room.Policy {
	return room.Policy{HideSubject: p.HideSubject, HideOrganizer: p.HideOrganizer, HideAttendees: p.HideAttendees,
		CheckIn: p.CheckIn.Policy()}
}

// AdminRoom is a room as operators see it: its facts, its policy and
// whether it has an iCalendar feed.
type AdminRoom struct {
	ID        string     `json:"id"`
	Email     string     `json:"email,omitempty"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Capacity  int        `json:"capacity,omitempty"`
	ListID    string     `json:"listId,omitempty"`
	Building  string     `json:"building,omitempty"`
	Floor     string     `json:"floor,omitempty"`
	TimeZone  string     `json:"timeZone,omitempty"`
	Equipment []string   `json:"equipment,omitempty"`
	Policy    RoomPolicy `json:"policy"`
	// FeedSince is when the room's iCalendar feed token was made; zero
	// means the room has no feed.
	FeedSince time.Time `json:"feedSince,omitzero"`
}

// FeedToken answers the creation of a room's iCalendar feed. URL holds the
// token; it is shown once, the hub keeps only its hash.
type FeedToken struct {
	RoomID string `json:"roomId"`
	URL    string `json:"url"`
}

// Pairing is a kiosk's pending pairing as operators see it.
type Pairing struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Platform   string    `json:"platform,omitempty"`
	Version    string    `json:"version,omitempty"`
	RemoteAddr string    `json:"remoteAddr,omitempty"`
	State      string    `json:"state"`
	Created    time.Time `json:"created"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// ApproveRequest approves a pairing: the device's name and what it shows,
// rooms for ModeRoom or floors (room list IDs) for ModeFloor.
type ApproveRequest struct {
	Name   string   `json:"name,omitempty"` // empty keeps the name the kiosk sent
	Mode   string   `json:"mode"`
	Rooms  []string `json:"rooms,omitempty"`
	Floors []string `json:"floors,omitempty"`
}

// MailboxSync is the sync health of one mailbox.
type MailboxSync struct {
	Mailbox     string    `json:"mailbox"`
	Integration string    `json:"integration,omitempty"`
	LastSuccess time.Time `json:"lastSuccess,omitzero"`
	LastError   string    `json:"lastError,omitempty"`
	LastErrorAt time.Time `json:"lastErrorAt,omitzero"`
	// StalenessSec is how old the cached data is; -1 before the first
	// successful sync.
	StalenessSec int64 `json:"stalenessSec"`
}

// AuditEntry is one audited action.
type AuditEntry struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// AuditPage is one page of the audit log, newest first. NextBefore, when
// non-zero, is the "before" parameter of the next (older) page.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore int64        `json:"nextBefore,omitempty"`
}

// OperatorInfo is an operator account without its password hash.
type OperatorInfo struct {
	Login   string    `json:"login"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// OperatorRequest creates or changes an operator account. An empty
// Password keeps the current one (changing the role only).
type OperatorRequest struct {
	Role     string `json:"role"`
	Password string `json:"password,omitempty"`
}

// DecodeApproveRequest reads and checks an approval body.
func DecodeApproveRequest(r io.Reader) (ApproveRequest, error) {
	var a ApproveRequest
	if err := decode(r, MaxClientBytes, &a); err != nil {
		return ApproveRequest{}, err
	}
	if err := checkStrings(append(append([]string{a.Name}, a.Rooms...), a.Floors...)...); err != nil {
		return ApproveRequest{}, err
	}
	switch {
	case a.Mode == ModeRoom && len(a.Rooms) > 0 && len(a.Floors) == 0:
	case a.Mode == ModeFloor && len(a.Floors) > 0 && len(a.Rooms) == 0:
	default:
		return ApproveRequest{}, fmt.Errorf("%w: mode %q needs rooms (room) or floors (floor), not both", ErrInvalid, a.Mode)
	}
	return a, nil
}

// DecodeRoomPolicy reads and checks a room policy body.
func DecodeRoomPolicy(r io.Reader) (RoomPolicy, error) {
	var p RoomPolicy
	if err := decode(r, MaxClientBytes, &p); err != nil {
		return RoomPolicy{}, err
	}
	c := p.CheckIn
	// A day bounds every window; ReleaseAfterMin may be negative (off).
	const day = 24 * 60
	for _, m := range []int{c.BeforeMin, c.AfterMin, c.ExemptLongerMin} {
		if m < 0 || m > day {
			return RoomPolicy{}, fmt.Errorf("%w: check-in minutes outside 0…%d", ErrInvalid, day)
		}
	}
	if c.ReleaseAfterMin < -1 || c.ReleaseAfterMin > day {
		return RoomPolicy{}, fmt.Errorf("%w: releaseAfterMin outside -1…%d", ErrInvalid, day)
	}
	return p, nil
}

// DecodeOperatorRequest reads and checks an operator account body.
func DecodeOperatorRequest(r io.Reader) (OperatorRequest, error) {
	var o OperatorRequest
	if err := decode(r, MaxClientBytes, &o); err != nil {
		return OperatorRequest{}, err
	}
	if o.Role != RoleViewer && o.Role != RoleAdmin {
		return OperatorRequest{}, fmt.Errorf("%w: role %q", ErrInvalid, o.Role)
	}
	if len(o.Password) > MaxStringLength {
		return OperatorRequest{}, fmt.Errorf("%w: password longer than %d bytes", ErrInvalid, MaxStringLength)
	}
	return o, nil
}

// checkStrings bounds the text fields and list lengths a client sends.
func checkStrings(ss ...string) error {
	if len(ss) > 1000 {
		return fmt.Errorf("%w: more than 1000 entries", ErrInvalid)
	}
	for _, s := range ss {
		if len(s) > MaxStringLength || !utf8.ValidString(s) {
			return fmt.Errorf("%w: field longer than %d bytes", ErrInvalid, MaxStringLength)
		}
	}
	return nil
}
