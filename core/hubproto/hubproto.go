// Package hubproto is the wire format between the hub (core/server) and
// its clients (core/hubclient, used by the kiosk and the console): the JSON
// bodies of the HTTP API and the frames of the WebSocket stream, with
// bounded decoders for everything a peer sends.
//
// It holds only what crosses the wire. Conversions go to and from the
// domain types of core/room, so kiosks compute status with the same rules
// as the hub. It deliberately knows nothing of HTTP routing, storage or
// sockets, and depends on the standard library and core/room only, so a
// kiosk can import it without the engine.
package hubproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/roomboard/roomboard/core/room"
)

// Version is the protocol version; a hub answers clients of another major
// version with ErrorCodeUpgrade.
const Version = 1

// Paths of the API. Everything under /api/v1/ except the pairing requests
// needs a token in "Authorization: Bearer ...".
const (
	PathPair      = "/api/v1/pair"      // POST PairRequest → PairResponse
	PathPairState = "/api/v1/pair/"     // GET  + pairing ID (header PairSecretHeader) → PairStatus
	PathSnapshot  = "/api/v1/snapshot"  // GET  → Snapshot
	PathStream    = "/api/v1/stream"    // GET  WebSocket, query since=SEQ → Frame...
	PathActions   = "/api/v1/actions"   // POST ActionRequest → ActionResult
	PathHealthz   = "/healthz"          // GET  → "ok"
	PathMetrics   = "/metrics"          // GET  Prometheus text
	PathICalFeed  = "/ical/"            // GET  + feed token + ".ics"
	PathEWSPush   = "/ews/push"         // POST Exchange SendNotification
	PathAdmin     = "/api/v1/admin/"    // operator API
	PathLogin     = "/api/v1/login"     // POST LoginRequest → LoginResponse
	PathDeviceMe  = "/api/v1/device"    // GET → Device (the caller)
	SinceParam    = "since"             // query parameter of PathStream
	EpochParam    = "epoch"             // query parameter of PathStream: the HubInfo.Epoch that since belongs to
	AuthHeader    = "Authorization"     // "Bearer " + token
	BearerPrefix  = "Bearer "           // prefix of AuthHeader's value
	PairSecretHdr = "X-Roomboard-Pair"  // the secret that lets a kiosk poll its pairing
	RequestIDHdr  = "X-Roomboard-Reqid" // echoes ActionRequest.RequestID for logs
)

// Limits on what a peer may send. Decoders refuse larger input with
// ErrTooLarge rather than reading it.
const (
	MaxFrameBytes   = 4 << 20  // one server → client frame or snapshot room
	MaxSnapshot     = 64 << 20 // a whole snapshot
	MaxClientBytes  = 16 << 10 // one client → server message or request body
	MaxStringLength = 1024     // any single text field a client sends
)

// Errors of the decoders.
var (
	ErrTooLarge = errors.New("hubproto: message too large")
	ErrInvalid  = errors.New("hubproto: invalid message")
)

// Error is the body of every non-2xx answer of the API.
type Error struct {
	Code    string `json:"error"`
	Message string `json:"message"`
	// RetryAfter, in seconds, is set with ErrorCodeRateLimited.
	RetryAfter int `json:"retryAfter,omitempty"`
}

func (e *Error) Error() string { return "hub: " + e.Code + ": " + e.Message }

// Error codes.
const (
	ErrorCodeUnauthorized = "unauthorized"  // no, bad, expired or revoked token
	ErrorCodeForbidden    = "forbidden"     // the token does not cover that room
	ErrorCodeNotFound     = "not-found"     // no such room, booking or pairing
	ErrorCodeInvalid      = "invalid"       // a malformed request
	ErrorCodeConflict     = "conflict"      // the slot is taken, or the booking changed
	ErrorCodeDeclined     = "declined"      // the room's mailbox declined
	ErrorCodeRateLimited  = "rate-limited"  // too many attempts
	ErrorCodeUnavailable  = "unavailable"   // Exchange cannot be reached now
	ErrorCodeUpgrade      = "upgrade"       // incompatible protocol version
	ErrorCodeInternal     = "internal"      // the hub failed; details are in its log
	ErrorCodeTooOld       = "resync"        // since=SEQ is older than the hub keeps
	ErrorCodeExpired      = "expired"       // a pairing code expired
	ErrorCodePending      = "pending"       // a pairing waits for the operator
	ErrorCodeDenied       = "denied"        // the operator denied a pairing
	ErrorCodeTooManyConns = "too-many-conn" // the device already has its streams
)

// PairRequest is what a kiosk sends to ask for a pairing code.
type PairRequest struct {
	Name     string `json:"name"`     // what the kiosk calls itself, e.g. the host name
	Platform string `json:"platform"` // GOOS/GOARCH
	Version  string `json:"version"`  // roomboard version
	Protocol int    `json:"protocol"` // Version
}

// PairResponse is the hub's answer: a short code to show (and encode in a
// QR code) until an operator approves it.
type PairResponse struct {
	ID        string    `json:"id"`     // pairing ID, for polling PathPairState+ID
	Code      string    `json:"code"`   // short code, e.g. "K7Q-4MX", shown on screen
	Secret    string    `json:"secret"` // sent back in PairSecretHdr when polling
	ExpiresAt time.Time `json:"expiresAt"`
	// QR is the text to encode in the QR code: a URL of the hub's console
	// page for approving this code.
	QR string `json:"qr"`
	// CertSHA256 is the hex SHA-256 of the hub's TLS certificate, shown
	// beside the code so that an operator can compare it with the console.
	CertSHA256 string `json:"certSha256,omitempty"`
}

// Pairing states.
const (
	PairPending  = "pending"
	PairApproved = "approved"
	PairDenied   = "denied"
	PairExpired  = "expired"
)

// PairStatus answers a kiosk polling its pairing. Token is set once, in
// the first answer after approval; the hub keeps only its hash.
type PairStatus struct {
	State  string  `json:"state"`
	Token  string  `json:"token,omitempty"`
	Device *Device `json:"device,omitempty"`
}

// Device is a paired kiosk as the hub knows it.
type Device struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Mode     string    `json:"mode"`  // ModeRoom or ModeFloor
	Rooms    []string  `json:"rooms"` // room IDs it may see (a floor device: all rooms of its floors)
	Floors   []string  `json:"floors,omitempty"`
	PairedAt time.Time `json:"pairedAt"`
	LastSeen time.Time `json:"lastSeen,omitzero"`
	Version  string    `json:"version,omitempty"`
	Revoked  bool      `json:"revoked,omitempty"`
	// Health is the device's last report.
	Health *Report `json:"health,omitempty"`
}

// Device modes.
const (
	ModeRoom  = "room"
	ModeFloor = "floor"
)

// Snapshot is the whole state a device may see, at sequence Seq. The
// stream then continues with Seq+1.
type Snapshot struct {
	Protocol    int        `json:"protocol"`
	Seq         uint64     `json:"seq"`
	GeneratedAt time.Time  `json:"generatedAt"`
	Hub         HubInfo    `json:"hub"`
	Device      Device     `json:"device"`
	Rooms       []RoomView `json:"rooms"`
}

// HubInfo describes the hub.
type HubInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Epoch changes whenever the hub's sequence numbers restart (a new
	// database); a client that sees a new epoch takes a new snapshot.
	Epoch string `json:"epoch"`
}

// RoomView is one room as a device sees it: its facts, its bookings over
// the hub's horizon (masked as its policy says) and the freshness of the
// data. Every change of a room is sent as its whole new RoomView, so a
// client never merges partial updates.
type RoomView struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Email     string        `json:"email,omitempty"`
	Kind      string        `json:"kind"` // "room" or "equipment"
	Capacity  int           `json:"capacity,omitempty"`
	Building  string        `json:"building,omitempty"`
	Floor     string        `json:"floor,omitempty"`
	TimeZone  string        `json:"timeZone,omitempty"` // IANA name; empty means unknown
	Equipment []string      `json:"equipment,omitempty"`
	CheckIn   CheckInPolicy `json:"checkIn"`
	// From and To bound Bookings: a client knows nothing outside.
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Bookings []BookingView `json:"bookings"`
	// SyncedAt is the last successful sync with Exchange; Stale is set when
	// the last attempt failed, with the error shown to operators only.
	SyncedAt time.Time `json:"syncedAt,omitzero"`
	Stale    bool      `json:"stale,omitempty"`
}

// CheckInPolicy is room.CheckInPolicy in whole minutes.
type CheckInPolicy struct {
	Enabled         bool `json:"enabled"`
	BeforeMin       int  `json:"beforeMin,omitempty"`
	AfterMin        int  `json:"afterMin,omitempty"`
	ReleaseAfterMin int  `json:"releaseAfterMin,omitempty"`
	ExemptAllDay    bool `json:"exemptAllDay,omitempty"`
	ExemptLongerMin int  `json:"exemptLongerMin,omitempty"`
}

// BookingView is a booking after masking: hidden fields are empty, never
// present in the JSON at all.
type BookingView struct {
	ID          string    `json:"id"`
	Subject     string    `json:"subject,omitempty"`
	Organizer   string    `json:"organizer,omitempty"` // display name
	Attendees   int       `json:"attendees,omitempty"` // count only
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	AllDay      bool      `json:"allDay,omitempty"`
	Private     bool      `json:"private,omitempty"`
	Masked      bool      `json:"masked,omitempty"`
	Recurring   bool      `json:"recurring,omitempty"`
	CheckedInAt time.Time `json:"checkedInAt,omitzero"`
	ReleasedAt  time.Time `json:"releasedAt,omitzero"`
	// Mine is set for bookings made from a kiosk (book now), which the
	// kiosk may end without asking the organizer.
	Mine bool `json:"mine,omitempty"`
}

// Frame types of the stream.
const (
	FrameHello   = "hello"   // first frame: Seq is the last sequence the hub has sent; Hub set
	FrameRoom    = "room"    // Room is a room's new state
	FrameRemoved = "removed" // RoomID left the device's view
	FrameResync  = "resync"  // the client must take a new snapshot (since too old, scope changed)
	FrameRevoked = "revoked" // the device's token was revoked; the stream ends
)

// Frame is one WebSocket text message from the hub. Every frame that
// changes state carries the next sequence number; hello and resync carry
// the current one.
type Frame struct {
	Type   string    `json:"type"`
	Seq    uint64    `json:"seq"`
	Room   *RoomView `json:"room,omitempty"`
	RoomID string    `json:"roomId,omitempty"`
	Hub    *HubInfo  `json:"hub,omitempty"`
}

// ClientMessage types.
const (
	MsgReport = "report" // a device's health report
)

// ClientMessage is one WebSocket text message from a client.
type ClientMessage struct {
	Type   string  `json:"type"`
	Report *Report `json:"report,omitempty"`
}

// Report is a device's own health as it reports it.
type Report struct {
	Version   string    `json:"version"`
	Platform  string    `json:"platform,omitempty"`
	LastSeq   uint64    `json:"lastSeq"`
	Uptime    int64     `json:"uptimeSec,omitempty"`
	Offline   bool      `json:"offline,omitempty"` // it showed cached data
	Screen    string    `json:"screen,omitempty"`  // "on", "dimmed", "off"
	Error     string    `json:"error,omitempty"`   // last error shown, if any
	ClientNow time.Time `json:"clientNow,omitzero"`
}

// Action kinds.
const (
	ActionBook    = "book"     // book now: Minutes, or Until
	ActionExtend  = "extend"   // extend BookingID by Minutes
	ActionEnd     = "end"      // end BookingID now
	ActionCheckIn = "check-in" // check in to BookingID
)

// ActionRequest is a kiosk action. RequestID is chosen by the client; the
// hub answers a repeated RequestID with the first answer instead of acting
// twice, so a retry after a lost answer is safe.
type ActionRequest struct {
	RequestID string    `json:"requestId"`
	Kind      string    `json:"kind"`
	RoomID    string    `json:"roomId"`
	BookingID string    `json:"bookingId,omitempty"`
	Minutes   int       `json:"minutes,omitempty"`
	Until     time.Time `json:"until,omitzero"`
	Subject   string    `json:"subject,omitempty"` // book now; empty means the translated default
}

// ActionResult is the hub's answer to an ActionRequest. Non-OK results
// come with an HTTP error status and Error set.
type ActionResult struct {
	RequestID string       `json:"requestId"`
	OK        bool         `json:"ok"`
	Error     *Error       `json:"error,omitempty"`
	Booking   *BookingView `json:"booking,omitempty"`
	Room      *RoomView    `json:"room,omitempty"` // the room after the action
}

// LoginRequest signs an operator in to the admin API.
type LoginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// LoginResponse carries an operator session token.
type LoginResponse struct {
	Token     string    `json:"token"`
	Role      string    `json:"role"` // RoleViewer or RoleAdmin
	ExpiresAt time.Time `json:"expiresAt"`
}

// Operator roles.
const (
	RoleViewer = "viewer"
	RoleAdmin  = "admin"
)

// decode reads one JSON value of at most limit bytes from r into v,
// refusing unknown trailing data.
func decode(r io.Reader, limit int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("hubproto: read: %w", err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return unmarshal(data, v)
}

func unmarshal(data []byte, v any) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrInvalid)
	}
	return nil
}

// DecodeClientMessage parses a WebSocket message from a client and checks
// it.
func DecodeClientMessage(data []byte) (ClientMessage, error) {
	var m ClientMessage
	if len(data) > MaxClientBytes {
		return m, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
	}
	if err := unmarshal(data, &m); err != nil {
		return ClientMessage{}, err
	}
	switch m.Type {
	case MsgReport:
		if m.Report == nil {
			return ClientMessage{}, fmt.Errorf("%w: report without a body", ErrInvalid)
		}
		r := m.Report
		for _, s := range []string{r.Version, r.Platform, r.Screen, r.Error} {
			if len(s) > MaxStringLength {
				return ClientMessage{}, fmt.Errorf("%w: field longer than %d bytes", ErrInvalid, MaxStringLength)
			}
		}
	default:
		return ClientMessage{}, fmt.Errorf("%w: unknown type %q", ErrInvalid, m.Type)
	}
	return m, nil
}

// DecodeActionRequest reads and checks an action request body.
func DecodeActionRequest(r io.Reader) (ActionRequest, error) {
	var a ActionRequest
	if err := decode(r, MaxClientBytes, &a); err != nil {
		return ActionRequest{}, err
	}
	return a, a.Check()
}

// Check reports whether a is well formed (not whether it is allowed).
func (a ActionRequest) Check() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrInvalid}, args...)...) }
	for _, s := range []string{a.RequestID, a.RoomID, a.BookingID, a.Subject} {
		if len(s) > MaxStringLength || !utf8.ValidString(s) {
			return bad("field longer than %d bytes", MaxStringLength)
		}
	}
	if a.RequestID == "" {
		return bad("no requestId")
	}
	if a.RoomID == "" {
		return bad("no roomId")
	}
	switch a.Kind {
	case ActionBook:
		if (a.Minutes <= 0) == a.Until.IsZero() {
			return bad("book needs minutes or until, not both")
		}
		if a.Minutes > 24*60 {
			return bad("book for %d minutes", a.Minutes)
		}
	case ActionExtend:
		if a.BookingID == "" || a.Minutes <= 0 || a.Minutes > 8*60 {
			return bad("extend needs a booking and 1…480 minutes")
		}
	case ActionEnd, ActionCheckIn:
		if a.BookingID == "" {
			return bad("%s needs a booking", a.Kind)
		}
	default:
		return bad("unknown action %q", a.Kind)
	}
	return nil
}

// DecodePairRequest reads and checks a pairing request body.
func DecodePairRequest(r io.Reader) (PairRequest, error) {
	var p PairRequest
	if err := decode(r, MaxClientBytes, &p); err != nil {
		return PairRequest{}, err
	}
	for _, s := range []string{p.Name, p.Platform, p.Version} {
		if len(s) > MaxStringLength {
			return PairRequest{}, fmt.Errorf("%w: field longer than %d bytes", ErrInvalid, MaxStringLength)
		}
	}
	if p.Name == "" {
		return PairRequest{}, fmt.Errorf("%w: no name", ErrInvalid)
	}
	return p, nil
}

// DecodeLoginRequest reads a login body.
func DecodeLoginRequest(r io.Reader) (LoginRequest, error) {
	var l LoginRequest
	if err := decode(r, MaxClientBytes, &l); err != nil {
		return LoginRequest{}, err
	}
	if l.User == "" || len(l.User) > MaxStringLength || len(l.Password) > MaxStringLength {
		return LoginRequest{}, fmt.Errorf("%w: bad user or password field", ErrInvalid)
	}
	return l, nil
}

// DecodeFrame parses a frame from the hub.
func DecodeFrame(data []byte) (Frame, error) {
	var f Frame
	if len(data) > MaxFrameBytes {
		return f, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
	}
	if err := unmarshal(data, &f); err != nil {
		return Frame{}, err
	}
	switch f.Type {
	case FrameRoom:
		if f.Room == nil || f.Room.ID == "" {
			return Frame{}, fmt.Errorf("%w: room frame without a room", ErrInvalid)
		}
	case FrameRemoved:
		if f.RoomID == "" {
			return Frame{}, fmt.Errorf("%w: removed frame without a room", ErrInvalid)
		}
	case FrameHello, FrameResync, FrameRevoked:
	default:
		return Frame{}, fmt.Errorf("%w: unknown frame type %q", ErrInvalid, f.Type)
	}
	return f, nil
}

// DecodeSnapshot reads a snapshot body.
func DecodeSnapshot(r io.Reader) (Snapshot, error) {
	var s Snapshot
	if err := decode(r, MaxSnapshot, &s); err != nil {
		return Snapshot{}, err
	}
	for _, rv := range s.Rooms {
		if rv.ID == "" {
			return Snapshot{}, fmt.Errorf("%w: room without an ID", ErrInvalid)
		}
	}
	return s, nil
}

// DecodeError reads an error body; a body that is not one becomes an
// Error with code internal and the text as message.
func DecodeError(r io.Reader, status int) *Error {
	data, _ := io.ReadAll(io.LimitReader(r, MaxClientBytes))
	var e Error
	if err := unmarshal(data, &e); err != nil || e.Code == "" {
		msg := string(bytes.TrimSpace(data))
		if !utf8.ValidString(msg) || len(msg) > MaxStringLength {
			msg = fmt.Sprintf("HTTP %d", status)
		}
		return &Error{Code: ErrorCodeInternal, Message: msg}
	}
	return &e
}

// Minutes converts d to whole minutes for the wire.
func minutes(d time.Duration) int { return int(d / time.Minute) }

// FromPolicy converts a room's check-in policy for the wire.
func FromPolicy(p room.CheckInPolicy) CheckInPolicy {
	return CheckInPolicy{Enabled: p.Enabled, BeforeMin: minutes(p.Before), AfterMin: minutes(p.After),
		ReleaseAfterMin: minutes(p.ReleaseAfter), ExemptAllDay: p.ExemptAllDay, ExemptLongerMin: minutes(p.ExemptLongerThan)}
}

// Policy converts back to the domain type.
func (p CheckInPolicy) Policy() room.CheckInPolicy {
	m := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	return room.CheckInPolicy{Enabled: p.Enabled, Before: m(p.BeforeMin), After: m(p.AfterMin), ReleaseAfter: m(p.ReleaseAfterMin),
		ExemptAllDay: p.ExemptAllDay, ExemptLongerThan: m(p.ExemptLongerMin)}
}

// FromBooking converts a booking that has already been masked
// (room.Mask) for the wire, dropping what no device ever needs: source IDs,
// change keys, attendee addresses, the body and join links.
func FromBooking(b room.Booking, mine bool) BookingView {
	return BookingView{ID: b.ID, Subject: b.Subject, Organizer: b.Organizer.Name, Attendees: len(b.Attendees),
		Start: b.Start.UTC(), End: b.End.UTC(), AllDay: b.AllDay, Private: b.Private, Masked: b.Masked, Recurring: b.Recurring,
		CheckedInAt: b.CheckedInAt, ReleasedAt: b.ReleasedAt, Mine: mine}
}

// Booking converts back to the domain type for status rules.
func (v BookingView) Booking(roomID string) room.Booking {
	return room.Booking{ID: v.ID, RoomID: roomID, Subject: v.Subject, Organizer: room.Mailbox{Name: v.Organizer},
		Start: v.Start, End: v.End, AllDay: v.AllDay, Private: v.Private, Masked: v.Masked, Recurring: v.Recurring,
		CheckedInAt: v.CheckedInAt, ReleasedAt: v.ReleasedAt}
}

// Room converts back to the domain type (the check-in part of the policy;
// masking has already happened at the hub).
func (v RoomView) Room() room.Room {
	kind := room.KindRoom
	if v.Kind == room.KindEquipment.String() {
		kind = room.KindEquipment
	}
	return room.Room{ID: v.ID, Email: v.Email, Name: v.Name, Capacity: v.Capacity, Kind: kind, Building: v.Building,
		Floor: v.Floor, TimeZone: v.TimeZone, Equipment: v.Equipment, Policy: room.Policy{CheckIn: v.CheckIn.Policy()}}
}

// DomainBookings returns the view's bookings as domain values.
func (v RoomView) DomainBookings() []room.Booking {
	out := make([]room.Booking, 0, len(v.Bookings))
	for _, b := range v.Bookings {
		out = append(out, b.Booking(v.ID))
	}
	return out
}

// State is the room's status at now from the view's bookings.
func (v RoomView) State(now time.Time) room.State {
	return room.StatusAt(v.Room(), v.DomainBookings(), now)
}
