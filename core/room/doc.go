// Package room is Roomboard's domain model and its pure rules: rooms, room
// lists, people, groups and bookings; what status a room panel shows at an
// instant; masking of private details before anything leaves the hub;
// check-in and auto-release; free slots; and detection of Exchange's room
// calendar-processing defaults that destroy subjects and privacy flags.
//
// It deliberately does no I/O and reads no clock: every function takes
// "now" as an argument, so the same inputs always give the same answer and
// tests need no fakes. It imports only the standard library and knows
// nothing of EWS, Graph, SQLite or the UI. It embeds time/tzdata so IANA
// zone names resolve the same on a Windows kiosk as on the hub.
//
// Instants are time.Time values; a room's TimeZone matters only for
// all-day bookings and for the zone results are expressed in (InZone), so
// DST changes need no special handling anywhere else.
package room
