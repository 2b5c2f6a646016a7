package room

import "time"

// Kind says whether a resource mailbox is a bookable room or a piece of
// equipment (projector, car, ...). Exchange keeps both as resource mailboxes.
type Kind int

const (
	// KindRoom is a meeting room.
	KindRoom Kind = iota
	// KindEquipment is a bookable piece of equipment.
	KindEquipment
)

// String returns "room" or "equipment".
func (k Kind) String() string {
	switch k {
	case KindRoom:
		return "room"
	case KindEquipment:
		return "equipment"
	}
	return "unknown"
}

// Room is a bookable resource mailbox as Roomboard shows it.
type Room struct {
	// ID is the stable key: the primary SMTP address in lower case.
	ID string
	// Email is the primary SMTP address as Exchange spells it.
	Email    string
	Name     string
	Capacity int
	Kind     Kind
	// ListID is the ID of the room list (usually one building) the room is in.
	ListID   string
	Building string
	Floor    string
	// TimeZone is an IANA zone name ("Europe/Zurich"); all-day bookings and
	// day boundaries are computed in it. Empty means UTC.
	TimeZone  string
	Equipment []string
	Policy    Policy
}

// RoomList is an Exchange room list, which organisations use for a building
// or a floor.
type RoomList struct {
	// ID is the stable key: the room list's SMTP address in lower case.
	ID       string
	Email    string
	Name     string
	Building string
	Floor    string
}

// Person is a mailbox user from the directory.
type Person struct {
	// ID is the stable key: the primary SMTP address in lower case.
	ID         string
	Email      string
	Name       string
	Department string
	Title      string
}

// Group is a distribution or security group; Members holds member IDs.
type Group struct {
	ID      string
	Email   string
	Name    string
	Members []string
}

// Mailbox is a name and address as a calendar item carries them
// (organizer, attendee).
type Mailbox struct {
	Name  string
	Email string
}

// Response is an attendee's answer to a meeting request.
type Response int

const (
	// ResponseUnknown means the server did not say.
	ResponseUnknown Response = iota
	// ResponseNone means the attendee has not answered yet.
	ResponseNone
	// ResponseAccepted means the attendee accepted.
	ResponseAccepted
	// ResponseTentative means the attendee tentatively accepted.
	ResponseTentative
	// ResponseDeclined means the attendee declined.
	ResponseDeclined
	// ResponseOrganizer marks the organizer in the attendee list.
	ResponseOrganizer
)

// String returns the lower-case name of the response.
func (r Response) String() string {
	switch r {
	case ResponseNone:
		return "none"
	case ResponseAccepted:
		return "accepted"
	case ResponseTentative:
		return "tentative"
	case ResponseDeclined:
		return "declined"
	case ResponseOrganizer:
		return "organizer"
	}
	return "unknown"
}

// Attendee is one attendee of a booking.
type Attendee struct {
	Name     string
	Email    string
	Response Response
}

// Booking is one occurrence of a meeting in a room's calendar, as the room's
// copy of the item shows it.
type Booking struct {
	// ID is the stable key Roomboard uses (independent of the source).
	ID     string
	RoomID string
	// SourceID is the EWS ItemId or the Graph event id.
	SourceID  string
	ChangeKey string
	ICalUID   string
	Subject   string
	Organizer Mailbox
	Attendees []Attendee
	// Start and End are instants; End is exclusive. For all-day bookings
	// they are midnights in the room's time zone.
	Start, End time.Time
	AllDay     bool
	// Private is true for Sensitivity Private or Confidential.
	Private bool
	// Cancelled bookings stay in the cache but never occupy the room.
	Cancelled bool
	Recurring bool
	// SeriesID identifies the recurring series an occurrence belongs to.
	SeriesID         string
	Location         string
	OnlineMeetingURL string
	// CheckedInAt is zero until someone checks in at the room.
	CheckedInAt time.Time
	// ReleasedAt is zero unless the booking was released (auto-release or
	// "end now"); released bookings stay in history but free the room.
	ReleasedAt time.Time
	Updated    time.Time
	// Masked is set by Mask when it removed details; displays show a
	// neutral label ("Private") instead of an empty subject.
	Masked bool
}

// Policy is a room's display and check-in policy.
type Policy struct {
	HideSubject   bool
	HideOrganizer bool
	HideAttendees bool
	CheckIn       CheckInPolicy
}

// CheckInPolicy configures check-in at the room panel and auto-release of
// bookings nobody checked in to.
type CheckInPolicy struct {
	Enabled bool
	// Before and After bound the check-in window around the start; zero
	// means the default of 10 minutes each.
	Before, After time.Duration
	// ReleaseAfter is how long after the start an unchecked booking is
	// released. It is never earlier than the window's close, so zero means
	// "when the window closes"; negative turns auto-release off.
	ReleaseAfter time.Duration
	// ExemptAllDay exempts all-day bookings from check-in and release.
	ExemptAllDay bool
	// ExemptLongerThan exempts bookings longer than this; zero disables it.
	ExemptLongerThan time.Duration
}

// Status is what a room panel shows at one instant.
type Status int

const (
	// Free means no booking occupies the room and none starts soon.
	Free Status = iota
	// Busy means a booking occupies the room.
	Busy
	// StartingSoon means the room is free but a booking starts within
	// SoonWindow.
	StartingSoon
	// EndingSoon means the current booking ends within SoonWindow and the
	// room is free afterwards.
	EndingSoon
	// AwaitingCheckIn means a booking has started (or its check-in window
	// is open) and nobody has checked in yet.
	AwaitingCheckIn
	// CheckedIn means the current booking was checked in.
	CheckedIn
	// Released means the booking that was scheduled now was released, so
	// the room is free again.
	Released
)

// String returns the lower-case name of the status, for logs and the hub
// protocol.
func (s Status) String() string {
	switch s {
	case Free:
		return "free"
	case Busy:
		return "busy"
	case StartingSoon:
		return "starting-soon"
	case EndingSoon:
		return "ending-soon"
	case AwaitingCheckIn:
		return "awaiting-check-in"
	case CheckedIn:
		return "checked-in"
	case Released:
		return "released"
	}
	return "unknown"
}

// SoonWindow is how close a start or end must be for StartingSoon and
// EndingSoon.
const SoonWindow = 10 * time.Minute

// DefaultCheckInBefore and DefaultCheckInAfter bound the check-in window
// when the policy leaves them zero.
const (
	DefaultCheckInBefore = 10 * time.Minute
	DefaultCheckInAfter  = 10 * time.Minute
)
