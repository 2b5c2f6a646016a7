package room

import (
	"fmt"
	"strings"
)

// FindingKind names a calendar-processing setting a finding is about.
type FindingKind int

const (
	// SubjectReplaced: the room copy's subject is the organizer's name,
	// Exchange's default for auto-accept rooms (DeleteSubject and
	// AddOrganizerToSubject both $true).
	SubjectReplaced FindingKind = iota + 1
	// OrganizerPrefixed: the organizer's name is put in front of the
	// subject (AddOrganizerToSubject $true, DeleteSubject $false).
	OrganizerPrefixed
	// SubjectDeleted: the subject is removed (DeleteSubject $true,
	// AddOrganizerToSubject $false).
	SubjectDeleted
	// PrivateFlagRemoved: a meeting private in the organizer's calendar is
	// not private in the room's (RemovePrivateProperty $true, the
	// default), so displays cannot mask it.
	PrivateFlagRemoved
)

// String returns the kind's name.
func (k FindingKind) String() string {
	switch k {
	case SubjectReplaced:
		return "subject-replaced"
	case OrganizerPrefixed:
		return "organizer-prefixed"
	case SubjectDeleted:
		return "subject-deleted"
	case PrivateFlagRemoved:
		return "private-flag-removed"
	}
	return "unknown"
}

// Finding is one calendar-processing problem on one room, for the admin
// console. It names bookings by ID only: findings are logged and shown to
// IT staff, and must not carry private subjects.
type Finding struct {
	RoomID string
	Kind   FindingKind
	// Affected of Checked bookings show the problem.
	Affected, Checked int
	// BookingIDs are up to maxExamples affected bookings.
	BookingIDs []string
	// Message explains the problem and the fix in a sentence or three.
	Message string
	// Command is the Exchange Management Shell command that fixes it.
	Command string
}

const (
	// minSample is how many room copies the subject heuristics need before
	// a majority means anything; organizer copies are proof on their own.
	minSample   = 3
	maxExamples = 5
)

// DetectProcessingDefaults looks at what a sync sees of room r and reports
// Exchange calendar-processing settings that destroy what a display needs.
// roomCopies are the room calendar's bookings as synced (not masked).
// organizerCopies are the same meetings from organizers' calendars, when
// the sync can read them (impersonation, or users in scope); pass nil
// otherwise. They are matched to room copies by ICalUID (and Start for
// occurrences of a series).
//
// Subject findings need a majority of the checked bookings, because a few
// people do name meetings after themselves; an organizer copy whose subject
// differs proves the rewrite. The private flag can only be proven with
// organizer copies: without them a room with no private bookings is
// indistinguishable from one whose flags were cleared, and nothing is
// reported. Processing applies when a request arrives, so bookings made
// before a fix keep their rewritten subject until they are updated.
func DetectProcessingDefaults(r Room, roomCopies, organizerCopies []Booking) []Finding {
	org := make(map[string][]Booking)
	for _, b := range organizerCopies {
		if b.ICalUID != "" {
			org[b.ICalUID] = append(org[b.ICalUID], b)
		}
	}
	match := func(b Booking) (Booking, bool) {
		cands := org[b.ICalUID]
		for _, c := range cands {
			if c.Start.Equal(b.Start) {
				return c, true
			}
		}
		if len(cands) == 1 && !b.Recurring {
			return cands[0], true
		}
		return Booking{}, false
	}

	type tally struct {
		affected, proven int
		ids              []string
	}
	var checked int
	kinds := map[FindingKind]*tally{SubjectReplaced: {}, OrganizerPrefixed: {}, SubjectDeleted: {}}
	priv := &tally{}
	var privChecked int
	add := func(t *tally, id string, proven bool) {
		t.affected++
		if proven {
			t.proven++
		}
		if len(t.ids) < maxExamples {
			t.ids = append(t.ids, id)
		}
	}

	for _, b := range roomCopies {
		if b.Masked || b.Cancelled || strings.EqualFold(b.Organizer.Email, r.Email) {
			continue // masked by us, or booked as the room: says nothing about processing
		}
		oc, haveOrg := match(b)
		if haveOrg && oc.Private {
			privChecked++
			if !b.Private {
				add(priv, b.ID, true)
			}
		}
		name := strings.TrimSpace(b.Organizer.Name)
		if name == "" {
			continue
		}
		checked++
		subj := strings.TrimSpace(b.Subject)
		if haveOrg && strings.TrimSpace(oc.Subject) == subj {
			continue // the organizer really called it that
		}
		rest, named := cutOrganizer(subj, name)
		switch {
		case subj == "":
			add(kinds[SubjectDeleted], b.ID, haveOrg)
		case named && rest == "":
			add(kinds[SubjectReplaced], b.ID, haveOrg)
		case named:
			add(kinds[OrganizerPrefixed], b.ID, haveOrg)
		}
	}

	var out []Finding
	who := fmt.Sprintf("%s (%s)", r.Name, r.Email)
	for _, k := range []FindingKind{SubjectReplaced, OrganizerPrefixed, SubjectDeleted} {
		t := kinds[k]
		if t.affected == 0 || t.affected*2 <= checked || (checked < minSample && t.proven == 0) {
			continue
		}
		f := Finding{RoomID: r.ID, Kind: k, Affected: t.affected, Checked: checked, BookingIDs: t.ids,
			Command: setCalendarProcessing(r.Email, "-DeleteSubject $false -AddOrganizerToSubject $false")}
		switch k {
		case SubjectReplaced:
			f.Message = fmt.Sprintf("%s: %d of %d bookings show the organizer's name instead of the subject, because the room's calendar processing replaces it (DeleteSubject and AddOrganizerToSubject are $true, the Exchange default).", who, t.affected, checked)
		case OrganizerPrefixed:
			f.Message = fmt.Sprintf("%s: %d of %d bookings have the organizer's name in front of the subject (AddOrganizerToSubject is $true).", who, t.affected, checked)
		case SubjectDeleted:
			f.Message = fmt.Sprintf("%s: %d of %d bookings have no subject, because the room's calendar processing deletes it (DeleteSubject is $true).", who, t.affected, checked)
		}
		f.Message += " Run the command below in the Exchange Management Shell; bookings made before the change keep their subject until they are updated."
		out = append(out, f)
	}
	if priv.affected > 0 {
		out = append(out, Finding{RoomID: r.ID, Kind: PrivateFlagRemoved, Affected: priv.affected, Checked: privChecked, BookingIDs: priv.ids,
			Message: fmt.Sprintf("%s: %d of %d meetings that are private in the organizer's calendar are not private in the room's, because the room's calendar processing clears the flag (RemovePrivateProperty is $true, the Exchange default), so displays cannot mask them. Run the command below; until then, consider hiding subject and organizer for this room.", who, priv.affected, privChecked),
			Command: setCalendarProcessing(r.Email, "-RemovePrivateProperty $false")})
	}
	return out
}

// setCalendarProcessing formats the fix for mailbox email. The identity is
// single-quoted so PowerShell expands nothing in it; a quote inside is
// doubled, PowerShell's escape for single-quoted strings.
func setCalendarProcessing(email, args string) string {
	return fmt.Sprintf("Set-CalendarProcessing -Identity '%s' %s", strings.ReplaceAll(email, "'", "''"), args)
}
