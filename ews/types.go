package ews

import (
	"strings"
	"time"
)

// ItemID identifies an item. ChangeKey changes with every modification;
// UpdateItem and DeleteItem send it so Exchange can refuse stale writes.
type ItemID struct {
	ID        string `xml:"Id,attr"`
	ChangeKey string `xml:"ChangeKey,attr,omitempty"`
}

// FolderID identifies a folder by ID or, when Distinguished is set, by a
// well-known name such as "calendar" in the mailbox Mailbox.
type FolderID struct {
	ID            string
	ChangeKey     string
	Distinguished string // "calendar", "inbox", ...; takes precedence over ID
	Mailbox       string // SMTP address of the mailbox owning a distinguished folder
}

// CalendarOf returns the distinguished calendar folder of mailbox smtp (""
// for the caller's own mailbox).
func CalendarOf(smtp string) FolderID { return FolderID{Distinguished: "calendar", Mailbox: smtp} }

// xmlFolderID is the request form of a folder reference; exactly one of
// the two pointers is set.
type xmlFolderID struct {
	Folder *struct {
		ID        string `xml:"Id,attr"`
		ChangeKey string `xml:"ChangeKey,attr,omitempty"`
	} `xml:"t:FolderId,omitempty"`
	Distinguished *struct {
		ID      string      `xml:"Id,attr"`
		Mailbox *xmlMailbox `xml:"t:Mailbox,omitempty"`
	} `xml:"t:DistinguishedFolderId,omitempty"`
}

func (f FolderID) xml() xmlFolderID {
	var x xmlFolderID
	if f.Distinguished != "" {
		x.Distinguished = &struct {
			ID      string      `xml:"Id,attr"`
			Mailbox *xmlMailbox `xml:"t:Mailbox,omitempty"`
		}{ID: f.Distinguished}
		if f.Mailbox != "" {
			x.Distinguished.Mailbox = &xmlMailbox{EmailAddress: f.Mailbox}
		}
		return x
	}
	x.Folder = &struct {
		ID        string `xml:"Id,attr"`
		ChangeKey string `xml:"ChangeKey,attr,omitempty"`
	}{ID: f.ID, ChangeKey: f.ChangeKey}
	return x
}

// xmlMailbox is the request form of t:Mailbox (t:EmailAddressType).
type xmlMailbox struct {
	Name         string `xml:"t:Name,omitempty"`
	EmailAddress string `xml:"t:EmailAddress"`
	RoutingType  string `xml:"t:RoutingType,omitempty"`
	MailboxType  string `xml:"t:MailboxType,omitempty"`
}

// Mailbox is an address as Exchange reports it (t:EmailAddressType).
// MailboxType is one of Mailbox, PublicDL, PrivateDL, Contact, PublicFolder,
// GroupMailbox, ImplicitContact, OneOff or Unknown.
type Mailbox struct {
	Name         string `xml:"Name"`
	EmailAddress string `xml:"EmailAddress"`
	RoutingType  string `xml:"RoutingType"`
	MailboxType  string `xml:"MailboxType"`
}

// Attendee is a meeting attendee with its response.
type Attendee struct {
	Mailbox      Mailbox `xml:"Mailbox"`
	ResponseType string  `xml:"ResponseType"` // Unknown, Organizer, Tentative, Accept, Decline, NoResponseReceived
}

// CalendarItem is a meeting or appointment as read from a calendar.
type CalendarItem struct {
	ItemID               ItemID
	Subject              string
	Sensitivity          string // Normal, Personal, Private, Confidential
	Body                 string
	Categories           []string
	Start, End           time.Time
	OriginalStart        time.Time // occurrences: the start before any move
	RecurrenceID         time.Time // occurrences and exceptions
	IsAllDayEvent        bool
	LegacyFreeBusyStatus string // Free, Tentative, Busy, OOF, WorkingElsewhere, NoData
	Location             string
	IsMeeting            bool
	IsCancelled          bool
	IsRecurring          bool
	CalendarItemType     string // Single, Occurrence, Exception, RecurringMaster
	MyResponseType       string
	UID                  string // iCalendar UID, stable across mailboxes
	Organizer            Mailbox
	RequiredAttendees    []Attendee
	OptionalAttendees    []Attendee
	Resources            []Attendee
	Recurrence           *Recurrence
	ModifiedOccurrences  []Occurrence
	DeletedOccurrences   []time.Time // their original starts
	StartTimeZoneID      string
	EndTimeZoneID        string
	IsOnlineMeeting      bool
	JoinOnlineMeetingURL string
	MeetingWorkspaceURL  string
	NetShowURL           string
	DateTimeCreated      time.Time
	LastModifiedTime     time.Time
	AppointmentSequence  int
	AppointmentState     int
}

// Occurrence is an entry of ModifiedOccurrences.
type Occurrence struct {
	ItemID        ItemID
	Start, End    time.Time
	OriginalStart time.Time
}

// Recurrence describes a recurring series' pattern and range.
type Recurrence struct {
	// Pattern is the element name without "Recurrence": Daily, Weekly,
	// AbsoluteMonthly, RelativeMonthly, AbsoluteYearly or RelativeYearly.
	Pattern        string
	Interval       int
	DaysOfWeek     []string // Weekly, Relative*: Monday ... Sunday, Day, Weekday, WeekendDay
	DayOfMonth     int      // Absolute*
	DayOfWeekIndex string   // Relative*: First, Second, Third, Fourth, Last
	Month          string   // *Yearly: January ... December
	FirstDayOfWeek string
	// Range: StartDate always; then EndDate, or NumberOfOccurrences, or
	// neither (no end).
	StartDate           string
	EndDate             string
	NumberOfOccurrences int
}

// xmlAttendees decodes a list of t:Attendee.
type xmlAttendees struct {
	Attendee []Attendee `xml:"Attendee"`
}

// xmlRecurrence decodes t:Recurrence, whose first child names the pattern
// and second child the range.
type xmlRecurrence struct {
	Daily           *xmlPattern `xml:"DailyRecurrence"`
	Weekly          *xmlPattern `xml:"WeeklyRecurrence"`
	AbsoluteMonthly *xmlPattern `xml:"AbsoluteMonthlyRecurrence"`
	RelativeMonthly *xmlPattern `xml:"RelativeMonthlyRecurrence"`
	AbsoluteYearly  *xmlPattern `xml:"AbsoluteYearlyRecurrence"`
	RelativeYearly  *xmlPattern `xml:"RelativeYearlyRecurrence"`
	NoEnd           *xmlRange   `xml:"NoEndRecurrence"`
	EndDate         *xmlRange   `xml:"EndDateRecurrence"`
	Numbered        *xmlRange   `xml:"NumberedRecurrence"`
}

type xmlPattern struct {
	Interval       int    `xml:"Interval"`
	DaysOfWeek     string `xml:"DaysOfWeek"`
	DayOfMonth     int    `xml:"DayOfMonth"`
	DayOfWeekIndex string `xml:"DayOfWeekIndex"`
	Month          string `xml:"Month"`
	FirstDayOfWeek string `xml:"FirstDayOfWeek"`
}

type xmlRange struct {
	StartDate           string `xml:"StartDate"`
	EndDate             string `xml:"EndDate"`
	NumberOfOccurrences int    `xml:"NumberOfOccurrences"`
}

func (x *xmlRecurrence) toRecurrence() *Recurrence {
	if x == nil {
		return nil
	}
	r := &Recurrence{}
	var p *xmlPattern
	for _, c := range []struct {
		name string
		p    *xmlPattern
	}{{"Daily", x.Daily}, {"Weekly", x.Weekly}, {"AbsoluteMonthly", x.AbsoluteMonthly},
		{"RelativeMonthly", x.RelativeMonthly}, {"AbsoluteYearly", x.AbsoluteYearly}, {"RelativeYearly", x.RelativeYearly}} {
		if c.p != nil {
			r.Pattern, p = c.name, c.p
			break
		}
	}
	if p != nil {
		r.Interval = p.Interval
		r.DaysOfWeek = strings.Fields(p.DaysOfWeek)
		r.DayOfMonth = p.DayOfMonth
		r.DayOfWeekIndex = p.DayOfWeekIndex
		r.Month = p.Month
		r.FirstDayOfWeek = p.FirstDayOfWeek
	}
	for _, rg := range []*xmlRange{x.NoEnd, x.EndDate, x.Numbered} {
		if rg != nil {
			r.StartDate = strings.TrimSpace(rg.StartDate)
			r.EndDate = strings.TrimSpace(rg.EndDate)
			r.NumberOfOccurrences = rg.NumberOfOccurrences
			break
		}
	}
	return r
}

// xmlCalendarItem decodes t:CalendarItem from any response (FindItem,
// GetItem, SyncFolderItems, ...).
type xmlCalendarItem struct {
	ItemID               ItemID                    `xml:"ItemId"`
	Subject              string                    `xml:"Subject"`
	Sensitivity          string                    `xml:"Sensitivity"`
	Body                 string                    `xml:"Body"`
	Categories           []string                  `xml:"Categories>String"`
	DateTimeCreated      Time                      `xml:"DateTimeCreated"`
	LastModifiedTime     Time                      `xml:"LastModifiedTime"`
	UID                  string                    `xml:"UID"`
	RecurrenceID         Time                      `xml:"RecurrenceId"`
	Start                Time                      `xml:"Start"`
	End                  Time                      `xml:"End"`
	OriginalStart        Time                      `xml:"OriginalStart"`
	IsAllDayEvent        bool                      `xml:"IsAllDayEvent"`
	LegacyFreeBusyStatus string                    `xml:"LegacyFreeBusyStatus"`
	Location             string                    `xml:"Location"`
	IsMeeting            bool                      `xml:"IsMeeting"`
	IsCancelled          bool                      `xml:"IsCancelled"`
	IsRecurring          bool                      `xml:"IsRecurring"`
	CalendarItemType     string                    `xml:"CalendarItemType"`
	MyResponseType       string                    `xml:"MyResponseType"`
	Organizer            struct{ Mailbox Mailbox } `xml:"Organizer"`
	RequiredAttendees    xmlAttendees              `xml:"RequiredAttendees"`
	OptionalAttendees    xmlAttendees              `xml:"OptionalAttendees"`
	Resources            xmlAttendees              `xml:"Resources"`
	AppointmentSequence  int                       `xml:"AppointmentSequenceNumber"`
	AppointmentState     int                       `xml:"AppointmentState"`
	Recurrence           *xmlRecurrence            `xml:"Recurrence"`
	ModifiedOccurrences  []struct {
		ItemID        ItemID `xml:"ItemId"`
		Start         Time   `xml:"Start"`
		End           Time   `xml:"End"`
		OriginalStart Time   `xml:"OriginalStart"`
	} `xml:"ModifiedOccurrences>Occurrence"`
	DeletedOccurrences []struct {
		Start Time `xml:"Start"`
	} `xml:"DeletedOccurrences>DeletedOccurrence"`
	IsOnlineMeeting      bool   `xml:"IsOnlineMeeting"`
	MeetingWorkspaceURL  string `xml:"MeetingWorkspaceUrl"`
	NetShowURL           string `xml:"NetShowUrl"`
	StartTimeZoneID      string `xml:"StartTimeZoneId"`
	EndTimeZoneID        string `xml:"EndTimeZoneId"`
	JoinOnlineMeetingURL string `xml:"JoinOnlineMeetingUrl"`
}

func (x *xmlCalendarItem) toCalendarItem() CalendarItem {
	ci := CalendarItem{
		ItemID:               x.ItemID,
		Subject:              x.Subject,
		Sensitivity:          x.Sensitivity,
		Body:                 x.Body,
		Categories:           x.Categories,
		Start:                x.Start.Time,
		End:                  x.End.Time,
		OriginalStart:        x.OriginalStart.Time,
		RecurrenceID:         x.RecurrenceID.Time,
		IsAllDayEvent:        x.IsAllDayEvent,
		LegacyFreeBusyStatus: x.LegacyFreeBusyStatus,
		Location:             x.Location,
		IsMeeting:            x.IsMeeting,
		IsCancelled:          x.IsCancelled,
		IsRecurring:          x.IsRecurring,
		CalendarItemType:     x.CalendarItemType,
		MyResponseType:       x.MyResponseType,
		UID:                  x.UID,
		Organizer:            x.Organizer.Mailbox,
		RequiredAttendees:    x.RequiredAttendees.Attendee,
		OptionalAttendees:    x.OptionalAttendees.Attendee,
		Resources:            x.Resources.Attendee,
		Recurrence:           x.Recurrence.toRecurrence(),
		StartTimeZoneID:      x.StartTimeZoneID,
		EndTimeZoneID:        x.EndTimeZoneID,
		IsOnlineMeeting:      x.IsOnlineMeeting,
		JoinOnlineMeetingURL: x.JoinOnlineMeetingURL,
		MeetingWorkspaceURL:  x.MeetingWorkspaceURL,
		NetShowURL:           x.NetShowURL,
		DateTimeCreated:      x.DateTimeCreated.Time,
		LastModifiedTime:     x.LastModifiedTime.Time,
		AppointmentSequence:  x.AppointmentSequence,
		AppointmentState:     x.AppointmentState,
	}
	for _, o := range x.ModifiedOccurrences {
		ci.ModifiedOccurrences = append(ci.ModifiedOccurrences, Occurrence{ItemID: o.ItemID, Start: o.Start.Time, End: o.End.Time, OriginalStart: o.OriginalStart.Time})
	}
	for _, d := range x.DeletedOccurrences {
		ci.DeletedOccurrences = append(ci.DeletedOccurrences, d.Start.Time)
	}
	return ci
}
