package room

import (
	"slices"
	"strings"
)

// Mask returns b as it may leave the hub under policy p. A private booking
// keeps only its identity, timing and state: subject, organizer,
// attendees, location and online-meeting link are removed. A room's
// HideSubject, HideOrganizer and HideAttendees remove those fields from
// every booking. Masked is set whenever a field is withheld (even if it
// happened to be empty), so displays can tell "hidden" from "absent" and
// show a neutral label ("Private" when b.Private, "Booked" otherwise).
//
// HideOrganizer also removes the organizer where Exchange repeats them: the
// attendee entry for the organizer, and the organizer's name that room
// calendar processing writes into the subject by default (the subject
// equal to the name becomes empty; "Name Topic" becomes "Topic"). Without
// that, the default configuration would show the hidden name as the title.
//
// For private bookings Mask copies an explicit list of safe fields into a
// fresh Booking, so a field added to Booking later is dropped until someone
// decides it is safe; mask_test.go fails for every string or slice field
// that is neither masked nor listed as safe.
func Mask(b Booking, p Policy) Booking {
	if b.Private {
		return Booking{
			ID:          b.ID,
			RoomID:      b.RoomID,
			SourceID:    b.SourceID,
			ChangeKey:   b.ChangeKey,
			ICalUID:     b.ICalUID,
			Start:       b.Start,
			End:         b.End,
			AllDay:      b.AllDay,
			Private:     true,
			Cancelled:   b.Cancelled,
			Recurring:   b.Recurring,
			SeriesID:    b.SeriesID,
			CheckedInAt: b.CheckedInAt,
			ReleasedAt:  b.ReleasedAt,
			Updated:     b.Updated,
			Masked:      true,
		}
	}
	// Copy the slice so the caller's booking and the masked one never
	// share attendees.
	b.Attendees = slices.Clone(b.Attendees)
	if p.HideSubject {
		b.Subject, b.Masked = "", true
	}
	if p.HideOrganizer {
		org := b.Organizer
		b.Organizer, b.Masked = Mailbox{}, true
		b.Attendees = slices.DeleteFunc(b.Attendees, func(a Attendee) bool {
			return a.Response == ResponseOrganizer ||
				(org.Email != "" && strings.EqualFold(strings.TrimSpace(a.Email), strings.TrimSpace(org.Email)))
		})
		if rest, ok := cutOrganizer(b.Subject, org.Name); ok {
			b.Subject = rest
		}
	}
	if p.HideAttendees {
		b.Attendees, b.Masked = nil, true
	}
	return b
}

// cutOrganizer reports whether subject is name (rest is then empty) or
// starts with name and a space, as AddOrganizerToSubject writes it (rest is
// then the remainder). Case is ignored; an empty name never matches.
func cutOrganizer(subject, name string) (rest string, ok bool) {
	subject, name = strings.TrimSpace(subject), strings.TrimSpace(name)
	if name == "" || len(subject) < len(name) || !strings.EqualFold(subject[:len(name)], name) {
		return "", false
	}
	rest = subject[len(name):]
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' {
		return "", false // "Anna" must not cut "Annabelle's review"
	}
	return strings.TrimSpace(rest), true
}
