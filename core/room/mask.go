package room

import "slices"

// Mask returns b as it may leave the hub under policy p. A private booking
// keeps only its identity, timing and state: subject, organizer,
// attendees, location and online-meeting link are removed. A room's
// HideSubject, HideOrganizer and HideAttendees remove those fields from
// every booking. Masked is set whenever a field is withheld (even if it
// happened to be empty), so displays can tell "hidden" from "absent" and
// show a neutral label ("Private" when b.Private, "Booked" otherwise).
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
		b.Organizer, b.Masked = Mailbox{}, true
	}
	if p.HideAttendees {
		b.Attendees, b.Masked = nil, true
	}
	return b
}
