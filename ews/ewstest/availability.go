package ewstest

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Availability limits of Exchange's defaults.
const (
	maxAvailabilityMailboxes = 100
	maxAvailabilityWindow    = 42 * 24 * time.Hour
)

// legacyZone is t:SerializableTimeZone: a bias and two yearly transitions,
// which is how GetUserAvailability describes the requester's time zone.
type legacyZone struct {
	Bias     int            `xml:"Bias"`
	Standard legacyZoneTime `xml:"StandardTime"`
	Daylight legacyZoneTime `xml:"DaylightTime"`
}

type legacyZoneTime struct {
	Bias      int    `xml:"Bias"`
	Time      string `xml:"Time"`
	DayOrder  int    `xml:"DayOrder"`
	Month     int    `xml:"Month"`
	DayOfWeek string `xml:"DayOfWeek"`
}

// transition returns the wall-clock moment of a yearly change in year y.
func (t legacyZoneTime) transition(y int) time.Time {
	wd, _ := parseWeekday(t.DayOfWeek)
	var hh, mm, ss int
	fmt.Sscanf(t.Time, "%d:%d:%d", &hh, &mm, &ss)
	m := time.Month(t.Month)
	first := time.Date(y, m, 1, hh, mm, ss, 0, time.UTC)
	d := first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7)
	// DayOrder is 1..4, or 5 for the last such day; a larger value from a
	// request means the last one too, without counting up to it.
	for i := 1; i < min(t.DayOrder, 5); i++ {
		if n := d.AddDate(0, 0, 7); n.Month() == m {
			d = n
		}
	}
	return d
}

// offset returns the zone's UTC offset at instant u.
func (z *legacyZone) offset(u time.Time) time.Duration {
	std := -time.Duration(z.Bias+z.Standard.Bias) * time.Minute
	if z.Standard.Month == 0 || z.Daylight.Month == 0 {
		return std
	}
	dst := -time.Duration(z.Bias+z.Daylight.Bias) * time.Minute
	y := u.Add(std).Year()
	// Transition wall times are in the offset in force before them.
	on := z.Daylight.transition(y).Add(-std)
	off := z.Standard.transition(y).Add(-dst)
	if on.Before(off) {
		if !u.Before(on) && u.Before(off) {
			return dst
		}
		return std
	}
	if !u.Before(off) && u.Before(on) {
		return std
	}
	return dst
}

func (z *legacyZone) toLocal(u time.Time) time.Time { return u.Add(z.offset(u)).UTC() }

// fromLocal converts a wall time in the zone to an instant.
func (z *legacyZone) fromLocal(w time.Time) time.Time {
	u := w.Add(-z.offset(w))
	return w.Add(-z.offset(u))
}

// legacyZoneOf describes a mailbox's zone for WorkingHours.
func legacyZoneOf(loc *time.Location) legacyZone {
	switch windowsIDOf(loc) {
	case "W. Europe Standard Time":
		return legacyZone{Bias: -60,
			Standard: legacyZoneTime{Bias: 0, Time: "03:00:00", DayOrder: 5, Month: 10, DayOfWeek: "Sunday"},
			Daylight: legacyZoneTime{Bias: -60, Time: "02:00:00", DayOrder: 5, Month: 3, DayOfWeek: "Sunday"}}
	}
	_, off := time.Date(2025, 1, 15, 12, 0, 0, 0, loc).Zone()
	return legacyZone{Bias: -off / 60,
		Standard: legacyZoneTime{Time: "00:00:00", DayOfWeek: "Sunday"},
		Daylight: legacyZoneTime{Time: "00:00:00", DayOfWeek: "Sunday"}}
}

type wireLegacyZone struct {
	Bias     int                `xml:"t:Bias"`
	Standard wireLegacyZoneTime `xml:"t:StandardTime"`
	Daylight wireLegacyZoneTime `xml:"t:DaylightTime"`
}

type wireLegacyZoneTime struct {
	Bias      int    `xml:"t:Bias"`
	Time      string `xml:"t:Time"`
	DayOrder  int    `xml:"t:DayOrder"`
	Month     int    `xml:"t:Month"`
	DayOfWeek string `xml:"t:DayOfWeek"`
}

func (z legacyZone) wire() wireLegacyZone {
	return wireLegacyZone{z.Bias, wireLegacyZoneTime(z.Standard), wireLegacyZoneTime(z.Daylight)}
}

type availabilityResponse struct {
	XMLName   xml.Name `xml:"m:GetUserAvailabilityResponse"`
	Responses struct {
		Response []freeBusyResponse `xml:"m:FreeBusyResponse"`
	} `xml:"m:FreeBusyResponseArray"`
}

type freeBusyResponse struct {
	ResponseMessage respMsg       `xml:"m:ResponseMessage"`
	View            *freeBusyView `xml:"m:FreeBusyView,omitempty"`
}

type freeBusyView struct {
	Type   string `xml:"t:FreeBusyViewType"`
	Merged string `xml:"t:MergedFreeBusy,omitempty"`
	Events *struct {
		Event []calendarEvent `xml:"t:CalendarEvent"`
	} `xml:"t:CalendarEventArray,omitempty"`
	WorkingHours *workingHours `xml:"t:WorkingHours,omitempty"`
}

// workingHours is t:WorkingHours.
type workingHours struct {
	TimeZone wireLegacyZone `xml:"t:TimeZone"`
	Periods  struct {
		Period []workingPeriod `xml:"t:WorkingPeriod"`
	} `xml:"t:WorkingPeriodArray"`
}

// workingPeriod is t:WorkingPeriod.
type workingPeriod struct {
	DayOfWeek string `xml:"t:DayOfWeek"`
	Start     int    `xml:"t:StartTimeInMinutes"`
	End       int    `xml:"t:EndTimeInMinutes"`
}

type calendarEvent struct {
	StartTime string        `xml:"t:StartTime"`
	EndTime   string        `xml:"t:EndTime"`
	BusyType  string        `xml:"t:BusyType"`
	Details   *eventDetails `xml:"t:CalendarEventDetails,omitempty"`
}

type eventDetails struct {
	ID            string  `xml:"t:ID,omitempty"`
	Subject       *string `xml:"t:Subject,omitempty"`
	Location      *string `xml:"t:Location,omitempty"`
	IsMeeting     bool    `xml:"t:IsMeeting"`
	IsRecurring   bool    `xml:"t:IsRecurring"`
	IsException   bool    `xml:"t:IsException"`
	IsReminderSet bool    `xml:"t:IsReminderSet"`
	IsPrivate     bool    `xml:"t:IsPrivate"`
}

// busyRank orders free/busy states for MergedFreeBusy (its digits).
var busyRank = map[string]int{"Free": 0, "Tentative": 1, "Busy": 2, "OOF": 3, "WorkingElsewhere": 4, "NoData": 5}

func (s *Server) getUserAvailability(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		TimeZone  *legacyZone `xml:"TimeZone"`
		Mailboxes *struct {
			Data []struct {
				Email struct {
					Address string `xml:"Address"`
				} `xml:"Email"`
				AttendeeType string `xml:"AttendeeType"`
			} `xml:"MailboxData"`
		} `xml:"MailboxDataArray"`
		Options *struct {
			Start    string `xml:"TimeWindow>StartTime"`
			End      string `xml:"TimeWindow>EndTime"`
			Interval *int   `xml:"MergedFreeBusyIntervalInMinutes"`
			View     string `xml:"RequestedView"`
		} `xml:"FreeBusyViewOptions"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Mailboxes == nil {
		return nil, schemaFault("The request failed schema validation: The element 'GetUserAvailabilityRequest' has incomplete content. List of possible elements expected: 'MailboxDataArray'.")
	}
	if in.Options == nil {
		// Meeting suggestions (SuggestionsViewOptions alone) are not modelled.
		return nil, &soapFault{Code: "ErrorInvalidRequest", String: "The request is invalid: FreeBusyViewOptions is required by this server."}
	}
	n := len(in.Mailboxes.Data)
	if n > maxAvailabilityMailboxes {
		return nil, &soapFault{Code: "ErrorMailboxDataArrayTooBig", String: fmt.Sprintf("There are too many target users in the EmailAddress array. The allowed size = %d; the actual size = %d.", maxAvailabilityMailboxes, n)}
	}
	zone := &legacyZone{}
	if in.TimeZone != nil {
		zone = in.TimeZone
	}
	// Window times without a zone are wall times in the request's zone.
	parse := func(v string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v)); err == nil {
			return t.UTC(), nil
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", strings.TrimSpace(v), time.UTC)
		if err != nil {
			return time.Time{}, err
		}
		return zone.fromLocal(t), nil
	}
	start, err1 := parse(in.Options.Start)
	end, err2 := parse(in.Options.End)
	if err1 != nil || err2 != nil {
		return nil, schemaFault("The request failed schema validation: TimeWindow StartTime and EndTime must be xs:dateTime values.")
	}
	if !end.After(start) {
		return nil, &soapFault{Code: "ErrorInvalidTimeInterval", String: "The time duration specified for FreeBusyViewOptions.TimeWindow is invalid."}
	}
	if d := end.Sub(start); d > maxAvailabilityWindow {
		days := int((d + 24*time.Hour - 1) / (24 * time.Hour))
		return nil, &soapFault{Code: "ErrorTimeIntervalTooBig", String: fmt.Sprintf("The requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The allowed limit = 42 days; the actual limit = %d days.", days)}
	}
	interval := 30
	if in.Options.Interval != nil {
		interval = *in.Options.Interval
	}
	if interval < 5 || interval > 1440 {
		return nil, &soapFault{Code: "ErrorInvalidMergedFreeBusyInterval", String: "The specified merged free/busy interval is not valid. Specify an interval that is less than the free/busy time window and between 5 and 1440 minutes."}
	}
	view := firstNonEmpty(strings.TrimSpace(in.Options.View), "FreeBusy")
	out := &availabilityResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	acting := s.org.actingMailbox(req.mailbox())
	for _, d := range in.Mailboxes.Data {
		if f := s.injected(req); f != nil {
			out.Responses.Response = append(out.Responses.Response, freeBusyResponse{ResponseMessage: *f})
			continue
		}
		m := s.org.lookup(d.Email.Address)
		if m == nil {
			fail := failure("ErrorMailRecipientNotFound", fmt.Sprintf("Unable to resolve e-mail address %s to an Active Directory object.", d.Email.Address))
			out.Responses.Response = append(out.Responses.Response, freeBusyResponse{ResponseMessage: fail})
			continue
		}
		out.Responses.Response = append(out.Responses.Response, freeBusyResponse{
			ResponseMessage: success(),
			View:            s.freeBusy(m, acting, start, end, interval, view, zone),
		})
	}
	return out, nil
}

// freeBusy computes one mailbox's view. Groups and room lists are expanded
// and merged, as Exchange does for distribution lists under 100 members.
// Rooms and equipment grant details (LimitedDetails); people's calendars
// only free/busy (AvailabilityOnly), except to themselves.
func (s *Server) freeBusy(m, acting *mailbox, start, end time.Time, interval int, view string, zone *legacyZone) *freeBusyView {
	local := func(t time.Time) string { return zone.toLocal(t).Format("2006-01-02T15:04:05") }
	type ev struct {
		o    occ
		busy string
	}
	var events []ev
	collect := func(mb *mailbox) {
		for _, o := range s.org.view(mb, start, end) {
			if o.item.isCancelled || o.item.freeBusy == "Free" {
				continue
			}
			events = append(events, ev{o, firstNonEmpty(o.item.freeBusy, "Busy")})
		}
	}
	group := m.kind == KindGroup || m.kind == KindRoomList
	if group {
		for i, a := range m.members {
			if mb := s.org.mailboxes[a]; mb != nil && mb.hasCalendar() && i < maxAvailabilityMailboxes {
				collect(mb)
			}
		}
	} else {
		collect(m)
	}
	detailed := m.kind == KindRoom || m.kind == KindEquipment || m == acting
	fb := &freeBusyView{Type: view}
	switch {
	case group:
		fb.Type = "MergedOnly"
	case !detailed && view == "Detailed":
		fb.Type = "FreeBusy"
	case !detailed && view == "DetailedMerged":
		fb.Type = "FreeBusyMerged"
	}
	if strings.Contains(fb.Type, "Merged") {
		step := time.Duration(interval) * time.Minute
		slots := int((end.Sub(start) + step - 1) / step)
		digits := []byte(strings.Repeat("0", slots))
		for _, e := range events {
			lo := max(0, int(e.o.start.Sub(start)/step))
			hi := min(slots, int((e.o.end.Sub(start)+step-1)/step))
			r := byte('0' + busyRank[e.busy])
			for i := lo; i < hi; i++ {
				digits[i] = max(digits[i], r)
			}
		}
		fb.Merged = string(digits)
	}
	if fb.Type != "MergedOnly" {
		fb.Events = &struct {
			Event []calendarEvent `xml:"t:CalendarEvent"`
		}{}
		for _, e := range events {
			ce := calendarEvent{StartTime: local(e.o.start), EndTime: local(e.o.end), BusyType: e.busy}
			if strings.HasPrefix(fb.Type, "Detailed") {
				it := e.o.item
				d := &eventDetails{ID: e.o.id(), IsMeeting: it.isMeeting, IsRecurring: e.o.index > 0, IsException: e.o.exception, IsPrivate: it.sensitivity == "Private"}
				if !d.IsPrivate {
					d.Subject, d.Location = ptr(e.o.subject), ptr(e.o.location)
				}
				ce.Details = d
			}
			fb.Events.Event = append(fb.Events.Event, ce)
		}
		if !group {
			fb.WorkingHours = &workingHours{TimeZone: legacyZoneOf(m.loc).wire()}
			fb.WorkingHours.Periods.Period = append(fb.WorkingHours.Periods.Period,
				workingPeriod{"Monday Tuesday Wednesday Thursday Friday", 8 * 60, 17 * 60})
		}
	}
	return fb
}
