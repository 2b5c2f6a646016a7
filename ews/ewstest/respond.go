package ewstest

import (
	"bytes"
	"encoding/xml"
	"strings"
	"time"
)

// Meeting responses: CreateItem with t:AcceptItem, t:TentativelyAcceptItem
// or t:DeclineItem whose ReferenceItemId is an attendee's copy of a meeting
// (or one occurrence of it). The response is made by the mailbox that holds
// the copy, whoever sends the request (the room itself by impersonation, or
// the service account with delegate access), as in Exchange.

// Response is a meeting response an organizer received from an attendee.
type Response struct {
	// From is the attendee's address (lower case).
	From string
	// Kind is the ResponseTypeType sent: Accept, Tentative or Decline.
	Kind string
	// Subject is what Outlook shows: "Declined: " and the meeting's subject.
	Subject string
	// Body is the attendee's note (plain text), if any.
	Body string
	// ItemID is the organizer's item the response is about.
	ItemID string
	// OccurrenceStart is the original start of the one occurrence answered;
	// zero when the response is about the whole meeting or series.
	OccurrenceStart time.Time
	// Sent is the simulator time the response was sent.
	Sent time.Time
}

// responseKinds maps a response object element to the ResponseTypeType it
// records.
var responseKinds = map[string]string{"AcceptItem": "Accept", "TentativelyAcceptItem": "Tentative", "DeclineItem": "Decline"}

var responsePrefixes = map[string]string{"Accept": "Accepted: ", "Tentative": "Tentative: ", "Decline": "Declined: "}

func isResponseObject(local string) bool {
	_, ok := responseKinds[local]
	return ok
}

// respondToMeeting answers one response object of a CreateItem request.
// The caller holds s.mu and flushes the events.
func (s *Server) respondToMeeting(x *anyCalItem, disposition string) itemsMessage {
	local := x.XMLName.Local
	kind := responseKinds[local]
	var in struct {
		Ref *anyItemID `xml:"ReferenceItemId"`
	}
	// The element's children were kept as raw XML; a wrapper makes them
	// one document again. Prefixes bound on the envelope stay unbound
	// here, which encoding/xml tolerates, and fields match by local name.
	raw := append(append([]byte("<r>"), x.Inner...), "</r>"...)
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&in); err != nil || in.Ref == nil || strings.TrimSpace(in.Ref.ID) == "" {
		return itemsMessage{respMsg: failure("ErrorMissingInformationReferenceItemId", "The ReferenceItemId is missing.")}
	}
	switch disposition {
	case "":
		return itemsMessage{respMsg: failure("ErrorMessageDispositionRequired", "MessageDisposition attribute is required.")}
	case "SaveOnly":
		// Exchange keeps a draft and answers the meeting only when it is
		// sent; nothing in Roomboard needs drafts.
		return itemsMessage{respMsg: failure("ErrorInvalidRequest", "The simulator does not keep draft meeting responses.")}
	}
	o := s.org
	it, oc, ok := o.resolveItem(strings.TrimSpace(in.Ref.ID))
	switch {
	case !ok:
		return itemsMessage{respMsg: failCode("ErrorInvalidIdMalformed")}
	case it == nil:
		return itemsMessage{respMsg: failCode("ErrorItemNotFound")}
	case it.organizerItem == "" && it.isMeeting:
		code := map[string]string{"Accept": "ErrorCalendarIsOrganizerForAccept", "Tentative": "ErrorCalendarIsOrganizerForTentative",
			"Decline": "ErrorCalendarIsOrganizerForDecline"}[kind]
		return itemsMessage{respMsg: failure(code, "An organizer cannot respond to their own meeting.")}
	case it.organizerItem == "":
		code := map[string]string{"Accept": "ErrorInvalidItemForOperationAcceptItem", "Tentative": "ErrorInvalidItemForOperationTentative",
			"Decline": "ErrorInvalidItemForOperationDeclineItem"}[kind]
		return itemsMessage{respMsg: failure(code, "The item is not a meeting the mailbox was invited to.")}
	case it.isCancelled && kind == "Decline":
		return itemsMessage{respMsg: failure("ErrorCalendarIsCancelledForDecline", "The meeting was cancelled; it cannot be declined.")}
	}
	occurrence := oc != nil && oc.index > 0
	attendeeAddr := it.owner
	organizer := o.items[it.organizerItem]
	if organizer != nil && !organizer.alive() {
		organizer = nil
	}
	subject := it.subject
	if organizer != nil {
		subject = organizer.subject
	}
	r := Response{From: attendeeAddr, Kind: kind, Subject: responsePrefixes[kind] + subject, ItemID: it.organizerItem, Sent: o.nowUTC()}
	if x.Body != nil {
		r.Body = x.Body.Text
	}
	if occurrence {
		r.OccurrenceStart = oc.orig
	}

	switch {
	case kind == "Decline" && occurrence:
		// Only that occurrence leaves the attendee's calendar; the rest
		// of the series stays. The organizer's series keeps the
		// attendee's series-wide response (the simulator does not track
		// responses per occurrence); the response message names the
		// occurrence.
		if it.deleted == nil {
			it.deleted = map[int64]bool{}
		}
		it.deleted[oc.orig.Unix()] = true
		delete(it.exceptions, oc.orig.Unix())
		o.touch(it)
	case kind == "Decline":
		o.remove(it, false)
		if organizer != nil {
			delete(organizer.copies, attendeeAddr)
		}
	default:
		it.myResponse = kind
		if kind == "Accept" {
			it.freeBusy = "Busy"
		} else {
			it.freeBusy = "Tentative"
		}
		o.touch(it)
	}
	if organizer != nil && !occurrence {
		for _, a := range organizer.allAttendees() {
			if a.address == attendeeAddr {
				a.response, a.when = kind, r.Sent
			}
		}
		o.touch(organizer)
	}
	if s.responses == nil {
		s.responses = map[string][]Response{}
	}
	s.responses[it.organizer] = append(s.responses[it.organizer], r)
	// Microsoft's documented answer carries an empty Items element.
	return itemsMessage{respMsg: success()}
}

// Responses returns the meeting responses organizer received, oldest
// first.
func (s *Server) Responses(organizer string) []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.org.lookup(organizer)
	if m == nil {
		return nil
	}
	return append([]Response(nil), s.responses[m.address]...)
}
