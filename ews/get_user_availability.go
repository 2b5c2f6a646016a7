package ews

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Limits of GetUserAvailability that Exchange enforces; the client refuses
// requests beyond them rather than let the server fail the whole batch.
const (
	MaxAvailabilityMailboxes = 100
	MaxAvailabilityWindow    = 42 * 24 * time.Hour
)

type getUserAvailabilityRequest struct {
	XMLName   xml.Name                `xml:"m:GetUserAvailabilityRequest"`
	TimeZone  xmlSerializableTimeZone `xml:"t:TimeZone"`
	Mailboxes []xmlMailboxData        `xml:"m:MailboxDataArray>t:MailboxData"`
	Options   xmlFreeBusyViewOptions  `xml:"t:FreeBusyViewOptions"`
}

// xmlSerializableTimeZone is t:SerializableTimeZone, the legacy time zone
// format of the availability service. Bias is minutes west of UTC.
type xmlSerializableTimeZone struct {
	Bias         int         `xml:"t:Bias"`
	StandardTime xmlZoneTime `xml:"t:StandardTime"`
	DaylightTime xmlZoneTime `xml:"t:DaylightTime"`
}

type xmlZoneTime struct {
	Bias      int    `xml:"t:Bias"`
	Time      string `xml:"t:Time"`
	DayOrder  int    `xml:"t:DayOrder"`
	Month     int    `xml:"t:Month"`
	DayOfWeek string `xml:"t:DayOfWeek"`
}

// utcZone is UTC as Microsoft's EWS Managed API serializes a zone without
// daylight saving: both transitions present (the schema requires them)
// with a zero bias, so they shift nothing.
var utcZone = xmlSerializableTimeZone{
	StandardTime: xmlZoneTime{Time: "02:00:00", DayOrder: 1, Month: 3, DayOfWeek: "Sunday"},
	DaylightTime: xmlZoneTime{Time: "02:00:00", DayOrder: 1, Month: 10, DayOfWeek: "Sunday"},
}

type xmlMailboxData struct {
	Address          string `xml:"t:Email>t:Address"`
	AttendeeType     string `xml:"t:AttendeeType"`
	ExcludeConflicts bool   `xml:"t:ExcludeConflicts"`
}

type xmlFreeBusyViewOptions struct {
	StartTime      string `xml:"t:TimeWindow>t:StartTime"`
	EndTime        string `xml:"t:TimeWindow>t:EndTime"`
	MergedInterval int    `xml:"t:MergedFreeBusyIntervalInMinutes,omitempty"`
	RequestedView  string `xml:"t:RequestedView"`
}

type getUserAvailabilityResponse struct {
	Responses []xmlFreeBusyResponse `xml:"FreeBusyResponseArray>FreeBusyResponse"`
}

type xmlFreeBusyResponse struct {
	ResponseMessage ResponseMessage `xml:"ResponseMessage"`
	View            struct {
		MergedFreeBusy string             `xml:"MergedFreeBusy"`
		Events         []xmlCalendarEvent `xml:"CalendarEventArray>CalendarEvent"`
		WorkingHours   *xmlWorkingHours   `xml:"WorkingHours"`
	} `xml:"FreeBusyView"`
}

type xmlCalendarEvent struct {
	StartTime Time          `xml:"StartTime"`
	EndTime   Time          `xml:"EndTime"`
	BusyType  string        `xml:"BusyType"`
	Details   *EventDetails `xml:"CalendarEventDetails"`
}

type xmlWorkingHours struct {
	TimeZone struct {
		Bias         int               `xml:"Bias"`
		StandardTime xmlZoneTransition `xml:"StandardTime"`
		DaylightTime xmlZoneTransition `xml:"DaylightTime"`
	} `xml:"TimeZone"`
	Periods []struct {
		DayOfWeek string `xml:"DayOfWeek"`
		Start     int    `xml:"StartTimeInMinutes"`
		End       int    `xml:"EndTimeInMinutes"`
	} `xml:"WorkingPeriodArray>WorkingPeriod"`
}

// xmlZoneTransition is the response form of t:SerializableTimeZoneTime.
type xmlZoneTransition struct {
	Bias      int    `xml:"Bias"`
	Time      string `xml:"Time"`
	DayOrder  int    `xml:"DayOrder"`
	Month     int    `xml:"Month"`
	DayOfWeek string `xml:"DayOfWeek"`
}

// transition returns the yearly change x describes, or nil when it names
// no month (a zone without daylight saving time) or is malformed.
func (x *xmlZoneTransition) transition() *ZoneTransition {
	if x.Month < 1 || x.Month > 12 || x.DayOrder < 1 {
		return nil
	}
	wd := -1
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(strings.TrimSpace(x.DayOfWeek), d.String()) {
			wd = int(d)
		}
	}
	var hh, mm, ss int
	if n, _ := fmt.Sscanf(strings.TrimSpace(x.Time), "%d:%d:%d", &hh, &mm, &ss); wd < 0 || n < 2 ||
		hh < 0 || hh > 24 || mm < 0 || mm > 59 || ss < 0 || ss > 59 {
		return nil
	}
	return &ZoneTransition{Month: time.Month(x.Month), DayOrder: min(x.DayOrder, 5), Weekday: time.Weekday(wd),
		Time: time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second}
}

// AvailabilityRequest asks for the free/busy data of up to
// MaxAvailabilityMailboxes mailboxes over at most MaxAvailabilityWindow.
type AvailabilityRequest struct {
	Mailboxes  []string // SMTP addresses of people or rooms
	Start, End time.Time
	// View is FreeBusy, FreeBusyMerged, Detailed or DetailedMerged.
	// Detailed views include subject and location where the caller may see
	// them (rooms usually publish "limited details").
	View string
	// MergedInterval is the slot length of MergedFreeBusy in the *Merged
	// views, 5 minutes to 24 hours; zero lets Exchange use 30 minutes.
	MergedInterval time.Duration
}

// Availability is the answer for one mailbox, in request order.
type Availability struct {
	Mailbox string
	// Events are the busy periods (and, in detailed views, their
	// details), in UTC.
	Events []BusyEvent
	// MergedFreeBusy has one digit per MergedInterval from Start: 0 free,
	// 1 tentative, 2 busy, 3 out of office, 4 working elsewhere, 5 no data.
	MergedFreeBusy string
	WorkingHours   *WorkingHours
	// Err is this mailbox's error, e.g. ErrorMailRecipientNotFound.
	Err error
}

// BusyEvent is one calendar event in an availability answer.
type BusyEvent struct {
	Start, End time.Time
	BusyType   string // Free, Tentative, Busy, OOF, WorkingElsewhere, NoData
	Details    *EventDetails
}

// EventDetails are the parts of an event a detailed view discloses.
type EventDetails struct {
	Subject     string `xml:"Subject"`
	Location    string `xml:"Location"`
	IsMeeting   bool   `xml:"IsMeeting"`
	IsRecurring bool   `xml:"IsRecurring"`
	IsException bool   `xml:"IsException"`
	IsPrivate   bool   `xml:"IsPrivate"`
}

// WorkingHours are a mailbox's configured working hours.
type WorkingHours struct {
	// StandardOffset and DaylightOffset are the mailbox zone's offsets
	// east of UTC.
	StandardOffset, DaylightOffset time.Duration
	// ToDaylight and ToStandard are the zone's yearly changes to and from
	// daylight saving time; both are nil for a zone without it.
	ToDaylight, ToStandard *ZoneTransition
	Periods                []WorkingPeriod
}

// ZoneTransition is a yearly change of a legacy (Windows) time zone: on
// the DayOrder-th Weekday of Month (5 means the last one) at Time, wall
// clock in the offset in force before the change.
type ZoneTransition struct {
	Month    time.Month
	DayOrder int
	Weekday  time.Weekday
	Time     time.Duration // since local midnight
}

// WorkingPeriod is a daily working-time span on some weekdays.
type WorkingPeriod struct {
	Days       []string      // Monday ... Sunday
	Start, End time.Duration // since local midnight
}

var availabilityViews = map[string]bool{"FreeBusy": true, "FreeBusyMerged": true, "Detailed": true, "DetailedMerged": true}

// availabilityTime is how times travel in the availability service: local
// to the request's t:TimeZone (here UTC) and without a zone designator, as
// Microsoft's own clients send them.
const availabilityTime = "2006-01-02T15:04:05"

func newGetUserAvailabilityRequest(r *AvailabilityRequest) (*getUserAvailabilityRequest, error) {
	const op = "GetUserAvailability"
	if r == nil {
		return nil, invalid(op, "request", "nil")
	}
	if n := len(r.Mailboxes); n < 1 || n > MaxAvailabilityMailboxes {
		return nil, invalid(op, "Mailboxes", "%d mailboxes, want 1..%d", n, MaxAvailabilityMailboxes)
	}
	switch {
	case r.Start.IsZero() || r.End.IsZero():
		return nil, invalid(op, "TimeWindow", "start and end are required")
	case !r.End.After(r.Start):
		return nil, invalid(op, "TimeWindow", "end %s is not after start %s", formatTime(r.End), formatTime(r.Start))
	case r.End.Sub(r.Start) > MaxAvailabilityWindow:
		return nil, invalid(op, "TimeWindow", "window of %v exceeds 42 days", r.End.Sub(r.Start))
	}
	if !availabilityViews[r.View] {
		return nil, invalid(op, "View", "%q is not FreeBusy, FreeBusyMerged, Detailed or DetailedMerged", r.View)
	}
	mi := r.MergedInterval
	if mi != 0 && (mi%time.Minute != 0 || mi < 5*time.Minute || mi > 24*time.Hour) {
		return nil, invalid(op, "MergedInterval", "%v is not whole minutes between 5m and 24h", mi)
	}
	req := &getUserAvailabilityRequest{
		TimeZone: utcZone,
		Options: xmlFreeBusyViewOptions{
			StartTime:      r.Start.UTC().Format(availabilityTime),
			EndTime:        r.End.UTC().Format(availabilityTime),
			MergedInterval: int(mi / time.Minute),
			RequestedView:  r.View,
		},
	}
	for i, m := range r.Mailboxes {
		m = strings.TrimSpace(m)
		if m == "" {
			return nil, invalid(op, "Mailboxes", "mailbox %d is empty", i)
		}
		req.Mailboxes = append(req.Mailboxes, xmlMailboxData{Address: m, AttendeeType: "Required"})
	}
	return req, nil
}

// GetUserAvailability returns the free/busy information of r.Mailboxes,
// one [Availability] per mailbox in request order, each with its own Err.
//
// The request is made in UTC: the body's t:TimeZone is UTC and so is the
// TimeZoneContext header, whatever c.TimeZone says, because Exchange
// answers with times local to the requested zone and without an offset.
// Times are returned in UTC; answers that do carry an offset are
// converted.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getuseravailability-operation
func (c *Client) GetUserAvailability(ctx context.Context, r *AvailabilityRequest) ([]Availability, error) {
	req, err := newGetUserAvailabilityRequest(r)
	if err != nil {
		return nil, err
	}
	utc := *c
	utc.TimeZone = "UTC"
	var resp getUserAvailabilityResponse
	if err := utc.call(ctx, "GetUserAvailability", req, &resp); err != nil {
		return nil, err
	}
	return resp.result(r.Mailboxes)
}

func (r *getUserAvailabilityResponse) result(mailboxes []string) ([]Availability, error) {
	if len(r.Responses) != len(mailboxes) {
		return nil, fmt.Errorf("ews: GetUserAvailability: %w: %d answers for %d mailboxes", ErrMalformed, len(r.Responses), len(mailboxes))
	}
	out := make([]Availability, len(mailboxes))
	for i := range r.Responses {
		fb := &r.Responses[i]
		a := &out[i]
		a.Mailbox = strings.TrimSpace(mailboxes[i])
		if err := fb.ResponseMessage.Err(); err != nil {
			a.Err = wrapOp("GetUserAvailability", err)
			continue
		}
		a.MergedFreeBusy = strings.TrimSpace(fb.View.MergedFreeBusy)
		for _, e := range fb.View.Events {
			a.Events = append(a.Events, BusyEvent{
				Start:    e.StartTime.UTC(),
				End:      e.EndTime.UTC(),
				BusyType: e.BusyType,
				Details:  e.Details,
			})
		}
		if wh := fb.View.WorkingHours; wh != nil {
			std := -time.Duration(wh.TimeZone.Bias) * time.Minute
			h := &WorkingHours{
				StandardOffset: std,
				DaylightOffset: std - time.Duration(wh.TimeZone.DaylightTime.Bias)*time.Minute,
			}
			// Both changes or none: one alone cannot describe a year.
			if d, s := wh.TimeZone.DaylightTime.transition(), wh.TimeZone.StandardTime.transition(); d != nil && s != nil {
				h.ToDaylight, h.ToStandard = d, s
			}
			for _, p := range wh.Periods {
				h.Periods = append(h.Periods, WorkingPeriod{
					Days:  strings.Fields(p.DayOfWeek),
					Start: time.Duration(p.Start) * time.Minute,
					End:   time.Duration(p.End) * time.Minute,
				})
			}
			a.WorkingHours = h
		}
	}
	return out, nil
}
