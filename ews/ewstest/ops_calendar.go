package ewstest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

func (s *Server) registerCalendar() {
	s.handle("GetFolder", s.getFolder)
	s.handle("FindItem", s.findItem)
	s.handle("GetItem", s.getItem)
	s.handle("CreateItem", s.createItem)
	s.handle("UpdateItem", s.updateItem)
	s.handle("DeleteItem", s.deleteItem)
	s.handle("SyncFolderItems", s.syncFolderItems)
	s.handle("GetUserAvailabilityRequest", s.getUserAvailability)
}

// ---- request pieces -------------------------------------------------------

// anyFolderRef is one FolderId or DistinguishedFolderId of a choice list.
type anyFolderRef struct {
	XMLName xml.Name
	ID      string   `xml:"Id,attr"`
	Mailbox *inEmail `xml:"Mailbox"`
}

type folderChoice struct {
	Refs []anyFolderRef `xml:",any"`
}

// anyItemID is one ItemId, OccurrenceItemId or RecurringMasterItemId.
type anyItemID struct {
	XMLName           xml.Name
	ID                string `xml:"Id,attr"`
	ChangeKey         string `xml:"ChangeKey,attr"`
	RecurringMasterID string `xml:"RecurringMasterId,attr"`
	InstanceIndex     int    `xml:"InstanceIndex,attr"`
	OccurrenceID      string `xml:"OccurrenceId,attr"`
}

type itemIDChoice struct {
	IDs []anyItemID `xml:",any"`
}

type inItemShape struct {
	BaseShape  string `xml:"BaseShape"`
	BodyType   string `xml:"BodyType"`
	Additional *struct {
		FieldURIs []struct {
			URI string `xml:"FieldURI,attr"`
		} `xml:"FieldURI"`
	} `xml:"AdditionalProperties"`
}

// ---- folders ---------------------------------------------------------------

// folderOf resolves a folder reference to its mailbox and distinguished
// name, or an EWS error code.
func (s *Server) folderOf(ref anyFolderRef, acting string) (*mailbox, string, string) {
	o := s.org
	switch ref.XMLName.Local {
	case "FolderId":
		owner, name, ok := parseFolderID(ref.ID)
		if !ok {
			return nil, "", "ErrorInvalidIdMalformed"
		}
		m := o.mailboxes[owner]
		if _, known := distinguishedFolders[name]; m == nil || !known {
			return nil, "", "ErrorFolderNotFound"
		}
		return m, name, ""
	case "DistinguishedFolderId":
		if _, known := distinguishedFolders[ref.ID]; !known {
			return nil, "", "ErrorFolderNotFound"
		}
		var m *mailbox
		if ref.Mailbox != nil && ref.Mailbox.EmailAddress != "" {
			m = o.lookup(ref.Mailbox.EmailAddress)
		} else {
			m = o.actingMailbox(acting)
		}
		if m == nil || !m.hasCalendar() {
			return nil, "", "ErrorNonExistentMailbox"
		}
		return m, ref.ID, ""
	}
	return nil, "", "ErrorFolderNotFound"
}

// wireFolder is t:Folder or t:CalendarFolder, in schema order.
type wireFolder struct {
	XMLName               xml.Name
	FolderID              *wireItemID `xml:"t:FolderId"`
	ParentFolderID        *wireItemID `xml:"t:ParentFolderId,omitempty"`
	FolderClass           string      `xml:"t:FolderClass,omitempty"`
	DisplayName           *string     `xml:"t:DisplayName,omitempty"`
	TotalCount            *int        `xml:"t:TotalCount,omitempty"`
	ChildFolderCount      *int        `xml:"t:ChildFolderCount,omitempty"`
	DistinguishedFolderID string      `xml:"t:DistinguishedFolderId,omitempty"`
	UnreadCount           *int        `xml:"t:UnreadCount,omitempty"`
}

type folderMessage struct {
	respMsg
	Folders *struct {
		Folder []wireFolder `xml:"t:Folder"`
	} `xml:"m:Folders,omitempty"`
}

type getFolderResponse struct {
	XMLName  xml.Name `xml:"m:GetFolderResponse"`
	Messages struct {
		Message []folderMessage `xml:"m:GetFolderResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

// folderChangeKey is constant: the simulator's folders never change.
const folderChangeKey = "AQAAABYAAAAAAAAAAAAAAAAAAAA="

func (s *Server) renderFolder(m *mailbox, name string, idOnly bool) wireFolder {
	d := distinguishedFolders[name]
	f := wireFolder{XMLName: xml.Name{Local: "t:Folder"}, FolderID: &wireItemID{ID: folderID(m.address, name), ChangeKey: folderChangeKey}}
	if name == "calendar" {
		f.XMLName.Local = "t:CalendarFolder"
	} else if name == "contacts" {
		f.XMLName.Local = "t:ContactsFolder"
	}
	if idOnly {
		return f
	}
	switch name {
	case "root":
	case "msgfolderroot":
		f.ParentFolderID = &wireItemID{ID: folderID(m.address, "root"), ChangeKey: folderChangeKey}
	default:
		f.ParentFolderID = &wireItemID{ID: folderID(m.address, "msgfolderroot"), ChangeKey: folderChangeKey}
	}
	f.FolderClass = d.class
	display := d.display
	f.DisplayName = &display
	total, children := 0, 0
	switch name {
	case "calendar":
		total = len(m.items)
	case "root":
		children = 1
	case "msgfolderroot":
		children = len(distinguishedFolders) - 2
	}
	f.TotalCount, f.ChildFolderCount = &total, &children
	f.DistinguishedFolderID = name
	if f.XMLName.Local == "t:Folder" {
		unread := 0
		f.UnreadCount = &unread
	}
	return f
}

func (s *Server) getFolder(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Shape *struct {
			BaseShape string `xml:"BaseShape"`
		} `xml:"FolderShape"`
		IDs *folderChoice `xml:"FolderIds"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Shape == nil || in.IDs == nil || len(in.IDs.Refs) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'GetFolder' has incomplete content. List of possible elements expected: 'FolderShape, FolderIds'.")
	}
	out := &getFolderResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range in.IDs.Refs {
		if f := s.injected(req); f != nil {
			out.Messages.Message = append(out.Messages.Message, folderMessage{respMsg: *f})
			continue
		}
		m, name, code := s.folderOf(ref, req.mailbox())
		if code != "" {
			out.Messages.Message = append(out.Messages.Message, folderMessage{respMsg: failCode(code)})
			continue
		}
		msg := folderMessage{respMsg: success()}
		msg.Folders = &struct {
			Folder []wireFolder `xml:"t:Folder"`
		}{Folder: []wireFolder{s.renderFolder(m, name, in.Shape.BaseShape == "IdOnly")}}
		out.Messages.Message = append(out.Messages.Message, msg)
	}
	return out, nil
}

// ---- items on the wire ----------------------------------------------------

type wireItemID struct {
	ID        string `xml:"Id,attr"`
	ChangeKey string `xml:"ChangeKey,attr,omitempty"`
}

type wireBody struct {
	Type string `xml:"BodyType,attr"`
	Text string `xml:",chardata"`
}

type wireAttendee struct {
	Mailbox          wireEmail `xml:"t:Mailbox"`
	ResponseType     string    `xml:"t:ResponseType,omitempty"`
	LastResponseTime string    `xml:"t:LastResponseTime,omitempty"`
}

type wireAttendees struct {
	Attendee []wireAttendee `xml:"t:Attendee"`
}

type wireOccInfo struct {
	ItemID        wireItemID `xml:"t:ItemId"`
	Start         string     `xml:"t:Start"`
	End           string     `xml:"t:End"`
	OriginalStart string     `xml:"t:OriginalStart"`
}

type wireRange struct {
	StartDate           string `xml:"t:StartDate"`
	EndDate             string `xml:"t:EndDate,omitempty"`
	NumberOfOccurrences int    `xml:"t:NumberOfOccurrences,omitempty"`
}

type wireInterval struct {
	Interval int `xml:"t:Interval"`
}

type wireRecurrence struct {
	RelativeYearly *struct {
		DaysOfWeek     string `xml:"t:DaysOfWeek"`
		DayOfWeekIndex string `xml:"t:DayOfWeekIndex"`
		Month          string `xml:"t:Month"`
	} `xml:"t:RelativeYearlyRecurrence,omitempty"`
	AbsoluteYearly *struct {
		DayOfMonth int    `xml:"t:DayOfMonth"`
		Month      string `xml:"t:Month"`
	} `xml:"t:AbsoluteYearlyRecurrence,omitempty"`
	RelativeMonthly *struct {
		Interval       int    `xml:"t:Interval"`
		DaysOfWeek     string `xml:"t:DaysOfWeek"`
		DayOfWeekIndex string `xml:"t:DayOfWeekIndex"`
	} `xml:"t:RelativeMonthlyRecurrence,omitempty"`
	AbsoluteMonthly *struct {
		Interval   int `xml:"t:Interval"`
		DayOfMonth int `xml:"t:DayOfMonth"`
	} `xml:"t:AbsoluteMonthlyRecurrence,omitempty"`
	Weekly *struct {
		Interval       int    `xml:"t:Interval"`
		DaysOfWeek     string `xml:"t:DaysOfWeek"`
		FirstDayOfWeek string `xml:"t:FirstDayOfWeek"`
	} `xml:"t:WeeklyRecurrence,omitempty"`
	Daily    *wireInterval `xml:"t:DailyRecurrence,omitempty"`
	NoEnd    *wireRange    `xml:"t:NoEndRecurrence,omitempty"`
	EndDate  *wireRange    `xml:"t:EndDateRecurrence,omitempty"`
	Numbered *wireRange    `xml:"t:NumberedRecurrence,omitempty"`
}

// wireCalItem is t:CalendarItemType in schema order (ItemType's elements
// first). Which fields are filled depends on the requested shape.
type wireCalItem struct {
	ItemID                    *wireItemID     `xml:"t:ItemId,omitempty"`
	ParentFolderID            *wireItemID     `xml:"t:ParentFolderId,omitempty"`
	ItemClass                 string          `xml:"t:ItemClass,omitempty"`
	Subject                   *string         `xml:"t:Subject,omitempty"`
	Sensitivity               string          `xml:"t:Sensitivity,omitempty"`
	Body                      *wireBody       `xml:"t:Body,omitempty"`
	DateTimeCreated           string          `xml:"t:DateTimeCreated,omitempty"`
	DisplayCc                 *string         `xml:"t:DisplayCc,omitempty"`
	DisplayTo                 *string         `xml:"t:DisplayTo,omitempty"`
	HasAttachments            *bool           `xml:"t:HasAttachments,omitempty"`
	LastModifiedName          string          `xml:"t:LastModifiedName,omitempty"`
	LastModifiedTime          string          `xml:"t:LastModifiedTime,omitempty"`
	UID                       string          `xml:"t:UID,omitempty"`
	RecurrenceID              string          `xml:"t:RecurrenceId,omitempty"`
	DateTimeStamp             string          `xml:"t:DateTimeStamp,omitempty"`
	Start                     string          `xml:"t:Start,omitempty"`
	End                       string          `xml:"t:End,omitempty"`
	OriginalStart             string          `xml:"t:OriginalStart,omitempty"`
	IsAllDayEvent             *bool           `xml:"t:IsAllDayEvent,omitempty"`
	LegacyFreeBusyStatus      string          `xml:"t:LegacyFreeBusyStatus,omitempty"`
	Location                  *string         `xml:"t:Location,omitempty"`
	IsMeeting                 *bool           `xml:"t:IsMeeting,omitempty"`
	IsCancelled               *bool           `xml:"t:IsCancelled,omitempty"`
	IsRecurring               *bool           `xml:"t:IsRecurring,omitempty"`
	MeetingRequestWasSent     *bool           `xml:"t:MeetingRequestWasSent,omitempty"`
	IsResponseRequested       *bool           `xml:"t:IsResponseRequested,omitempty"`
	CalendarItemType          string          `xml:"t:CalendarItemType,omitempty"`
	MyResponseType            string          `xml:"t:MyResponseType,omitempty"`
	Organizer                 *wireRecipient  `xml:"t:Organizer,omitempty"`
	RequiredAttendees         *wireAttendees  `xml:"t:RequiredAttendees,omitempty"`
	OptionalAttendees         *wireAttendees  `xml:"t:OptionalAttendees,omitempty"`
	Resources                 *wireAttendees  `xml:"t:Resources,omitempty"`
	Duration                  string          `xml:"t:Duration,omitempty"`
	AppointmentSequenceNumber *int            `xml:"t:AppointmentSequenceNumber,omitempty"`
	AppointmentState          *int            `xml:"t:AppointmentState,omitempty"`
	Recurrence                *wireRecurrence `xml:"t:Recurrence,omitempty"`
	FirstOccurrence           *wireOccInfo    `xml:"t:FirstOccurrence,omitempty"`
	LastOccurrence            *wireOccInfo    `xml:"t:LastOccurrence,omitempty"`
	ModifiedOccurrences       *struct {
		Occurrence []wireOccInfo `xml:"t:Occurrence"`
	} `xml:"t:ModifiedOccurrences,omitempty"`
	DeletedOccurrences *struct {
		DeletedOccurrence []struct {
			Start string `xml:"t:Start"`
		} `xml:"t:DeletedOccurrence"`
	} `xml:"t:DeletedOccurrences,omitempty"`
	IsOnlineMeeting  *bool `xml:"t:IsOnlineMeeting,omitempty"`
	EnhancedLocation *struct {
		DisplayName string `xml:"t:DisplayName"`
	} `xml:"t:EnhancedLocation,omitempty"`
	StartTimeZoneID      string `xml:"t:StartTimeZoneId,omitempty"`
	EndTimeZoneID        string `xml:"t:EndTimeZoneId,omitempty"`
	JoinOnlineMeetingURL string `xml:"t:JoinOnlineMeetingUrl,omitempty"`
	IsOrganizer          *bool  `xml:"t:IsOrganizer,omitempty"`
}

type wireRecipient struct {
	Mailbox wireEmail `xml:"t:Mailbox"`
}

type wireItems struct {
	CalendarItem []wireCalItem `xml:"t:CalendarItem"`
}

// Field sets for the response shapes. Keys are element names; FieldURIs
// ("calendar:Start") name the same elements after the colon.
var (
	findItemFields = fieldSet("ItemId ParentFolderId ItemClass Subject Sensitivity DateTimeCreated DisplayCc DisplayTo HasAttachments " +
		"LastModifiedName LastModifiedTime UID Start End OriginalStart IsAllDayEvent LegacyFreeBusyStatus Location IsMeeting IsCancelled " +
		"IsRecurring MeetingRequestWasSent IsResponseRequested CalendarItemType MyResponseType Organizer Duration AppointmentSequenceNumber " +
		"AppointmentState IsOnlineMeeting StartTimeZoneId EndTimeZoneId JoinOnlineMeetingUrl IsOrganizer")
	// Properties Exchange cannot return from FindItem (it answers
	// ErrorInvalidPropertyRequest); clients fetch them with GetItem.
	complexFields = fieldSet("Body RequiredAttendees OptionalAttendees Resources Recurrence FirstOccurrence LastOccurrence " +
		"ModifiedOccurrences DeletedOccurrences")
	getItemFields = union(findItemFields, complexFields, fieldSet("RecurrenceId DateTimeStamp EnhancedLocation"))
	idOnlyFields  = fieldSet("ItemId")
)

func fieldSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

func union(sets ...map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			m[k] = true
		}
	}
	return m
}

// fields returns the elements a shape asks for; for FindItem it reports a
// property that FindItem cannot return.
func (sh *inItemShape) fields(find bool) (map[string]bool, string) {
	var base map[string]bool
	switch {
	case sh.BaseShape == "IdOnly":
		base = idOnlyFields
	case find:
		base = findItemFields
	default:
		base = getItemFields
	}
	if sh.Additional == nil {
		return base, ""
	}
	out := union(base)
	for _, f := range sh.Additional.FieldURIs {
		_, name, ok := strings.Cut(f.URI, ":")
		if !ok {
			continue
		}
		if find && complexFields[name] {
			return nil, f.URI
		}
		out[name] = true
	}
	return out, ""
}

const wireTime = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string { return t.UTC().Format(wireTime) }

func ptr[T any](v T) *T { return &v }

// xsDuration formats d as xs:duration.
func xsDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 {
		b.WriteString("T")
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
	}
	return b.String()
}

func (s *Server) wireAttendees(l []attendee) *wireAttendees {
	if len(l) == 0 {
		return nil
	}
	w := &wireAttendees{}
	for _, a := range l {
		e := wireEmail{Name: a.name, EmailAddress: a.address, RoutingType: "SMTP", MailboxType: "Mailbox"}
		if m := s.org.mailboxes[a.address]; m != nil {
			e = emailOf(m)
		}
		wa := wireAttendee{Mailbox: e, ResponseType: a.response}
		if !a.when.IsZero() {
			wa.LastResponseTime = fmtTime(a.when)
		}
		w.Attendee = append(w.Attendee, wa)
	}
	return w
}

func displayNames(l []attendee) string {
	var names []string
	for _, a := range l {
		names = append(names, firstNonEmpty(a.name, a.address))
	}
	return strings.Join(names, "; ")
}

func recurrenceWire(r *Recurrence, first time.Time, loc *time.Location) *wireRecurrence {
	w := &wireRecurrence{}
	days := func() string {
		if r.DayKind != "" {
			return r.DayKind
		}
		var ns []string
		for _, d := range r.DaysOfWeek {
			ns = append(ns, weekdayNames[d])
		}
		return strings.Join(ns, " ")
	}
	idx := ""
	if r.WeekIndex >= 1 && r.WeekIndex <= 5 {
		idx = weekIndexNames[r.WeekIndex]
	}
	switch r.Pattern {
	case RelativeYearly:
		w.RelativeYearly = &struct {
			DaysOfWeek     string `xml:"t:DaysOfWeek"`
			DayOfWeekIndex string `xml:"t:DayOfWeekIndex"`
			Month          string `xml:"t:Month"`
		}{days(), idx, r.Month.String()}
	case AbsoluteYearly:
		w.AbsoluteYearly = &struct {
			DayOfMonth int    `xml:"t:DayOfMonth"`
			Month      string `xml:"t:Month"`
		}{r.DayOfMonth, r.Month.String()}
	case RelativeMonthly:
		w.RelativeMonthly = &struct {
			Interval       int    `xml:"t:Interval"`
			DaysOfWeek     string `xml:"t:DaysOfWeek"`
			DayOfWeekIndex string `xml:"t:DayOfWeekIndex"`
		}{r.interval(), days(), idx}
	case AbsoluteMonthly:
		w.AbsoluteMonthly = &struct {
			Interval   int `xml:"t:Interval"`
			DayOfMonth int `xml:"t:DayOfMonth"`
		}{r.interval(), r.DayOfMonth}
	case Weekly:
		w.Weekly = &struct {
			Interval       int    `xml:"t:Interval"`
			DaysOfWeek     string `xml:"t:DaysOfWeek"`
			FirstDayOfWeek string `xml:"t:FirstDayOfWeek"`
		}{r.interval(), days(), weekdayNames[r.FirstDayOfWeek]}
	default:
		w.Daily = &wireInterval{r.interval()}
	}
	start := civil(first.In(loc))
	if !r.StartDate.IsZero() {
		start = civil(r.StartDate)
	}
	rg := &wireRange{StartDate: start.Format("2006-01-02")}
	switch {
	case r.Count > 0:
		rg.NumberOfOccurrences = r.Count
		w.Numbered = rg
	case !r.EndDate.IsZero():
		rg.EndDate = civil(r.EndDate).Format("2006-01-02")
		w.EndDate = rg
	default:
		w.NoEnd = rg
	}
	return w
}

// render writes item it, or its occurrence oc, with the requested fields.
func (s *Server) render(it *calItem, oc *occ, fields map[string]bool, bodyType string) wireCalItem {
	want := func(f string) bool { return fields[f] }
	var w wireCalItem
	id, subject, location, start, end := it.id, it.subject, it.location, it.start, it.end
	kind := "Single"
	switch {
	case oc != nil && oc.index > 0:
		id, subject, location, start, end, kind = oc.id(), oc.subject, oc.location, oc.start, oc.end, oc.kind()
	case it.rec != nil:
		kind = "RecurringMaster"
	}
	if want("ItemId") {
		w.ItemID = &wireItemID{ID: id, ChangeKey: it.changeKey()}
	}
	if want("ParentFolderId") {
		w.ParentFolderID = &wireItemID{ID: folderID(it.owner, "calendar"), ChangeKey: folderChangeKey}
	}
	if want("ItemClass") {
		w.ItemClass = "IPM.Appointment"
	}
	if want("Subject") {
		w.Subject = ptr(subject)
	}
	if want("Sensitivity") {
		w.Sensitivity = it.sensitivity
	}
	if want("Body") {
		if bodyType == "Text" {
			w.Body = &wireBody{Type: "Text", Text: it.body}
		} else {
			var b bytes.Buffer
			xml.EscapeText(&b, []byte(it.body))
			w.Body = &wireBody{Type: "HTML", Text: "<html><body>" + b.String() + "</body></html>"}
		}
	}
	if want("DateTimeCreated") {
		w.DateTimeCreated = fmtTime(it.created)
	}
	if want("DisplayCc") {
		w.DisplayCc = ptr(displayNames(it.optional))
	}
	if want("DisplayTo") {
		w.DisplayTo = ptr(displayNames(it.required))
	}
	if want("HasAttachments") {
		w.HasAttachments = ptr(false)
	}
	if want("LastModifiedName") {
		if m := s.org.mailboxes[it.organizer]; m != nil {
			w.LastModifiedName = m.name
		}
	}
	if want("LastModifiedTime") {
		w.LastModifiedTime = fmtTime(it.modified)
	}
	if want("UID") {
		w.UID = it.uid
	}
	if kind == "Occurrence" || kind == "Exception" {
		if want("RecurrenceId") {
			w.RecurrenceID = fmtTime(oc.orig)
		}
		if want("OriginalStart") {
			w.OriginalStart = fmtTime(oc.orig)
		}
	}
	if want("DateTimeStamp") {
		w.DateTimeStamp = fmtTime(it.modified)
	}
	if want("Start") {
		w.Start = fmtTime(start)
	}
	if want("End") {
		w.End = fmtTime(end)
	}
	if want("IsAllDayEvent") {
		w.IsAllDayEvent = ptr(it.allDay)
	}
	if want("LegacyFreeBusyStatus") {
		w.LegacyFreeBusyStatus = it.freeBusy
	}
	if want("Location") {
		w.Location = ptr(location)
	}
	if want("IsMeeting") {
		w.IsMeeting = ptr(it.isMeeting)
	}
	if want("IsCancelled") {
		w.IsCancelled = ptr(it.isCancelled)
	}
	if want("IsRecurring") {
		// Exchange reports false on the master itself; only occurrences
		// and exceptions are "recurring".
		w.IsRecurring = ptr(kind == "Occurrence" || kind == "Exception")
	}
	if want("MeetingRequestWasSent") {
		w.MeetingRequestWasSent = ptr(it.requestSent)
	}
	if want("IsResponseRequested") {
		w.IsResponseRequested = ptr(it.isMeeting)
	}
	if want("CalendarItemType") {
		w.CalendarItemType = kind
	}
	if want("MyResponseType") {
		w.MyResponseType = it.myResponse
	}
	if want("Organizer") && it.organizer != "" {
		e := wireEmail{EmailAddress: it.organizer, RoutingType: "SMTP", MailboxType: "Mailbox"}
		if m := s.org.mailboxes[it.organizer]; m != nil {
			e = emailOf(m)
		}
		w.Organizer = &wireRecipient{Mailbox: e}
	}
	if want("RequiredAttendees") {
		w.RequiredAttendees = s.wireAttendees(it.required)
	}
	if want("OptionalAttendees") {
		w.OptionalAttendees = s.wireAttendees(it.optional)
	}
	if want("Resources") {
		w.Resources = s.wireAttendees(it.resources)
	}
	if want("Duration") {
		w.Duration = xsDuration(end.Sub(start))
	}
	if want("AppointmentSequenceNumber") {
		w.AppointmentSequenceNumber = ptr(it.apptSeq)
	}
	if want("AppointmentState") {
		// Bits: 1 meeting, 2 received (an attendee's copy), 4 cancelled.
		st := 0
		if it.isMeeting {
			st |= 1
		}
		if it.organizerItem != "" {
			st |= 2
		}
		if it.isCancelled {
			st |= 4
		}
		w.AppointmentState = ptr(st)
	}
	if kind == "RecurringMaster" {
		if want("Recurrence") {
			w.Recurrence = recurrenceWire(it.rec, it.start, it.loc)
		}
		if want("FirstOccurrence") {
			if f, ok := it.findOccurrence(time.Time{}, 1); ok {
				w.FirstOccurrence = occInfo(f)
			}
		}
		if want("LastOccurrence") {
			if l, ok := it.lastOccurrence(); ok {
				w.LastOccurrence = occInfo(l)
			}
		}
		if want("ModifiedOccurrences") && len(it.exceptions) > 0 {
			w.ModifiedOccurrences = &struct {
				Occurrence []wireOccInfo `xml:"t:Occurrence"`
			}{}
			for _, orig := range sortedKeys(it.exceptions) {
				x := it.exceptions[orig]
				o := time.Unix(orig, 0).UTC()
				w.ModifiedOccurrences.Occurrence = append(w.ModifiedOccurrences.Occurrence, wireOccInfo{
					ItemID: wireItemID{ID: occurrenceID(it.id, o), ChangeKey: it.changeKey()}, Start: fmtTime(x.start), End: fmtTime(x.end), OriginalStart: fmtTime(o),
				})
			}
		}
		if want("DeletedOccurrences") && len(it.deleted) > 0 {
			w.DeletedOccurrences = &struct {
				DeletedOccurrence []struct {
					Start string `xml:"t:Start"`
				} `xml:"t:DeletedOccurrence"`
			}{}
			for _, orig := range sortedKeys(it.deleted) {
				w.DeletedOccurrences.DeletedOccurrence = append(w.DeletedOccurrences.DeletedOccurrence, struct {
					Start string `xml:"t:Start"`
				}{fmtTime(time.Unix(orig, 0))})
			}
		}
	}
	if want("IsOnlineMeeting") {
		w.IsOnlineMeeting = ptr(it.onlineURL != "")
	}
	if want("EnhancedLocation") && location != "" {
		w.EnhancedLocation = &struct {
			DisplayName string `xml:"t:DisplayName"`
		}{location}
	}
	if want("StartTimeZoneId") {
		w.StartTimeZoneID = windowsIDOf(it.loc)
	}
	if want("EndTimeZoneId") {
		w.EndTimeZoneID = windowsIDOf(it.loc)
	}
	if want("JoinOnlineMeetingUrl") {
		w.JoinOnlineMeetingURL = it.onlineURL
	}
	if want("IsOrganizer") {
		w.IsOrganizer = ptr(it.organizerItem == "" && it.owner == it.organizer)
	}
	return w
}

func occInfo(o occ) *wireOccInfo {
	return &wireOccInfo{ItemID: wireItemID{ID: o.id(), ChangeKey: o.item.changeKey()}, Start: fmtTime(o.start), End: fmtTime(o.end), OriginalStart: fmtTime(o.orig)}
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// ---- FindItem -----------------------------------------------------------

type findItemResponse struct {
	XMLName  xml.Name `xml:"m:FindItemResponse"`
	Messages struct {
		Message []findItemMessage `xml:"m:FindItemResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type findItemMessage struct {
	respMsg
	RootFolder *struct {
		IndexedPagingOffset     *int      `xml:"IndexedPagingOffset,attr,omitempty"`
		TotalItemsInView        int       `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool      `xml:"IncludesLastItemInRange,attr"`
		Items                   wireItems `xml:"t:Items"`
	} `xml:"m:RootFolder,omitempty"`
}

// findCountLimit is Exchange's EWSFindCountLimit: the most items one
// FindItem answers.
const findCountLimit = 1000

// maxCalendarViewRange is the longest CalendarView Exchange accepts.
const maxCalendarViewRange = 2 * 366 * 24 * time.Hour

func (s *Server) findItem(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Traversal string         `xml:"Traversal,attr"`
		Shape     *inItemShape   `xml:"ItemShape"`
		Indexed   *inIndexedView `xml:"IndexedPageItemView"`
		CalView   *struct {
			Max   *int   `xml:"MaxEntriesReturned,attr"`
			Start string `xml:"StartDate,attr"`
			End   string `xml:"EndDate,attr"`
		} `xml:"CalendarView"`
		Parents *folderChoice `xml:"ParentFolderIds"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Shape == nil || in.Shape.BaseShape == "" || in.Parents == nil || len(in.Parents.Refs) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'FindItem' has incomplete content. List of possible elements expected: 'ItemShape, ParentFolderIds'.")
	}
	var viewStart, viewEnd time.Time
	if in.CalView != nil {
		var err1, err2 error
		viewStart, err1 = parseDateTime(in.CalView.Start, time.UTC)
		viewEnd, err2 = parseDateTime(in.CalView.End, time.UTC)
		if err1 != nil || err2 != nil {
			return nil, schemaFault("The request failed schema validation: The 'StartDate' and 'EndDate' attributes must be xs:dateTime values.")
		}
	}
	out := &findItemResponse{}
	add := func(m findItemMessage) { out.Messages.Message = append(out.Messages.Message, m) }
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range in.Parents.Refs {
		if f := s.injected(req); f != nil {
			add(findItemMessage{respMsg: *f})
			continue
		}
		fields, bad := in.Shape.fields(true)
		if bad != "" {
			add(findItemMessage{respMsg: failure("ErrorInvalidPropertyRequest", "The property "+bad+" can't be used in FindItem requests.")})
			continue
		}
		m, name, code := s.folderOf(ref, req.mailbox())
		if code != "" {
			add(findItemMessage{respMsg: failCode(code)})
			continue
		}
		var results []occ
		msg := findItemMessage{respMsg: success()}
		root := &struct {
			IndexedPagingOffset     *int      `xml:"IndexedPagingOffset,attr,omitempty"`
			TotalItemsInView        int       `xml:"TotalItemsInView,attr"`
			IncludesLastItemInRange bool      `xml:"IncludesLastItemInRange,attr"`
			Items                   wireItems `xml:"t:Items"`
		}{}
		if in.CalView != nil {
			switch {
			case name != "calendar":
				add(findItemMessage{respMsg: failCode("ErrorCalendarFolderIsInvalidForCalendarView")})
				continue
			case viewEnd.Before(viewStart):
				add(findItemMessage{respMsg: failCode("ErrorCalendarEndDateIsEarlierThanStartDate")})
				continue
			case viewEnd.Sub(viewStart) > maxCalendarViewRange:
				add(findItemMessage{respMsg: failCode("ErrorCalendarViewRangeTooBig")})
				continue
			}
			all := s.org.view(m, viewStart, viewEnd)
			// A CalendarView cannot be paged. Exchange truncates to the
			// client's MaxEntriesReturned (IncludesLastItemInRange false)
			// but refuses outright when the view holds more than its
			// find-count limit and the client did not ask for fewer.
			limit := findCountLimit
			if in.CalView.Max != nil && *in.CalView.Max > 0 && *in.CalView.Max < limit {
				limit = *in.CalView.Max
			} else if len(all) > findCountLimit {
				fail := failCode("ErrorExceededFindCountLimit")
				fail.MessageXML = &messageXML{Values: []xmlValue{{Name: "PolicyLimit", Value: fmt.Sprint(findCountLimit)}}}
				add(findItemMessage{respMsg: fail})
				continue
			}
			root.TotalItemsInView = len(all)
			root.IncludesLastItemInRange = len(all) <= limit
			results = all[:min(limit, len(all))]
		} else {
			// Without a CalendarView a calendar lists its single items and
			// series masters, not occurrences.
			var all []occ
			if name == "calendar" {
				for _, it := range m.items {
					all = append(all, occ{item: it, start: it.start, end: it.end})
				}
				sort.Slice(all, func(i, j int) bool {
					if !all[i].start.Equal(all[j].start) {
						return all[i].start.Before(all[j].start)
					}
					return all[i].item.id < all[j].item.id
				})
			}
			lo, hi, last := in.Indexed.page(len(all))
			results = all[lo:hi]
			root.TotalItemsInView, root.IncludesLastItemInRange = len(all), last
			next := hi
			root.IndexedPagingOffset = &next
		}
		for _, x := range results {
			x := x
			root.Items.CalendarItem = append(root.Items.CalendarItem, s.render(x.item, &x, fields, in.Shape.BodyType))
		}
		msg.RootFolder = root
		add(msg)
	}
	return out, nil
}

// ---- GetItem --------------------------------------------------------------

type itemsMessage struct {
	respMsg
	Items wireItems `xml:"m:Items"`
}

type getItemResponse struct {
	XMLName  xml.Name `xml:"m:GetItemResponse"`
	Messages struct {
		Message []itemsMessage `xml:"m:GetItemResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

// resolveRef finds the item (and occurrence) an ItemId-like reference
// names, or the error code Exchange answers.
func (s *Server) resolveRef(ref anyItemID) (*calItem, *occ, string) {
	o := s.org
	switch ref.XMLName.Local {
	case "ItemId":
		it, oc, ok := o.resolveItem(ref.ID)
		switch {
		case !ok:
			return nil, nil, "ErrorInvalidIdMalformed"
		case it == nil:
			return nil, nil, "ErrorItemNotFound"
		}
		return it, oc, ""
	case "OccurrenceItemId":
		master, _, ok := o.resolveItem(ref.RecurringMasterID)
		switch {
		case !ok:
			return nil, nil, "ErrorInvalidIdMalformed"
		case master == nil:
			return nil, nil, "ErrorItemNotFound"
		}
		x, found := master.findOccurrence(time.Time{}, ref.InstanceIndex)
		if !found {
			return nil, nil, "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"
		}
		return master, &x, ""
	case "RecurringMasterItemId":
		it, _, ok := o.resolveItem(ref.OccurrenceID)
		switch {
		case !ok:
			return nil, nil, "ErrorInvalidIdMalformed"
		case it == nil:
			return nil, nil, "ErrorItemNotFound"
		}
		return it, nil, ""
	}
	return nil, nil, "ErrorInvalidIdMalformed"
}

func (s *Server) getItem(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Shape *inItemShape  `xml:"ItemShape"`
		IDs   *itemIDChoice `xml:"ItemIds"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Shape == nil || in.Shape.BaseShape == "" || in.IDs == nil || len(in.IDs.IDs) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'GetItem' has incomplete content. List of possible elements expected: 'ItemShape, ItemIds'.")
	}
	fields, _ := in.Shape.fields(false)
	out := &getItemResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range in.IDs.IDs {
		if f := s.injected(req); f != nil {
			out.Messages.Message = append(out.Messages.Message, itemsMessage{respMsg: *f})
			continue
		}
		it, oc, code := s.resolveRef(ref)
		if code != "" {
			out.Messages.Message = append(out.Messages.Message, itemsMessage{respMsg: failCode(code)})
			continue
		}
		msg := itemsMessage{respMsg: success()}
		msg.Items.CalendarItem = []wireCalItem{s.render(it, oc, fields, in.Shape.BodyType)}
		out.Messages.Message = append(out.Messages.Message, msg)
	}
	return out, nil
}

// ---- CreateItem, UpdateItem, DeleteItem ---------------------------------

// inCalItem is a t:CalendarItem in a request: what CreateItem and the
// change descriptions of UpdateItem may set.
type inCalItem struct {
	Subject     *string `xml:"Subject"`
	Sensitivity string  `xml:"Sensitivity"`
	Body        *struct {
		Text string `xml:",chardata"`
	} `xml:"Body"`
	UID                  string        `xml:"UID"`
	Start                string        `xml:"Start"`
	End                  string        `xml:"End"`
	IsAllDayEvent        *bool         `xml:"IsAllDayEvent"`
	LegacyFreeBusyStatus string        `xml:"LegacyFreeBusyStatus"`
	Location             *string       `xml:"Location"`
	RequiredAttendees    *inAttendees  `xml:"RequiredAttendees"`
	OptionalAttendees    *inAttendees  `xml:"OptionalAttendees"`
	Resources            *inAttendees  `xml:"Resources"`
	Recurrence           *inRecurrence `xml:"Recurrence"`
	MeetingTimeZone      *tzRef        `xml:"MeetingTimeZone"`
	StartTimeZone        *tzRef        `xml:"StartTimeZone"`
	EndTimeZone          *tzRef        `xml:"EndTimeZone"`
	IsOnlineMeeting      *bool         `xml:"IsOnlineMeeting"`
	EnhancedLocation     *struct {
		Name string `xml:"DisplayName"`
	} `xml:"EnhancedLocation"`
	Inner []byte `xml:",innerxml"`
}

type tzRef struct {
	ID   string `xml:"Id,attr"`
	Name string `xml:"TimeZoneName,attr"`
}

type inAttendees struct {
	Attendee []struct {
		Mailbox inEmail `xml:"Mailbox"`
	} `xml:"Attendee"`
}

func (a *inAttendees) list() []attendee {
	if a == nil {
		return nil
	}
	var out []attendee
	for _, x := range a.Attendee {
		addr := strings.ToLower(strings.TrimSpace(x.Mailbox.EmailAddress))
		if addr == "" {
			continue
		}
		out = append(out, attendee{address: addr, name: x.Mailbox.Name, response: "Unknown"})
	}
	return out
}

type inPattern struct {
	Interval       int    `xml:"Interval"`
	DaysOfWeek     string `xml:"DaysOfWeek"`
	DayOfWeekIndex string `xml:"DayOfWeekIndex"`
	DayOfMonth     int    `xml:"DayOfMonth"`
	Month          string `xml:"Month"`
	FirstDayOfWeek string `xml:"FirstDayOfWeek"`
}

type inRange struct {
	StartDate           string `xml:"StartDate"`
	EndDate             string `xml:"EndDate"`
	NumberOfOccurrences int    `xml:"NumberOfOccurrences"`
}

type inRecurrence struct {
	RelativeYearly  *inPattern `xml:"RelativeYearlyRecurrence"`
	AbsoluteYearly  *inPattern `xml:"AbsoluteYearlyRecurrence"`
	RelativeMonthly *inPattern `xml:"RelativeMonthlyRecurrence"`
	AbsoluteMonthly *inPattern `xml:"AbsoluteMonthlyRecurrence"`
	Weekly          *inPattern `xml:"WeeklyRecurrence"`
	Daily           *inPattern `xml:"DailyRecurrence"`
	NoEnd           *inRange   `xml:"NoEndRecurrence"`
	EndDate         *inRange   `xml:"EndDateRecurrence"`
	Numbered        *inRange   `xml:"NumberedRecurrence"`
}

// recurrence converts a wire recurrence, or reports it invalid.
func (in *inRecurrence) recurrence() (*Recurrence, error) {
	r := &Recurrence{}
	var p *inPattern
	switch {
	case in.RelativeYearly != nil:
		r.Pattern, p = RelativeYearly, in.RelativeYearly
	case in.AbsoluteYearly != nil:
		r.Pattern, p = AbsoluteYearly, in.AbsoluteYearly
	case in.RelativeMonthly != nil:
		r.Pattern, p = RelativeMonthly, in.RelativeMonthly
	case in.AbsoluteMonthly != nil:
		r.Pattern, p = AbsoluteMonthly, in.AbsoluteMonthly
	case in.Weekly != nil:
		r.Pattern, p = Weekly, in.Weekly
	case in.Daily != nil:
		r.Pattern, p = Daily, in.Daily
	default:
		return nil, errBadRecurrence
	}
	r.Interval, r.DayOfMonth = p.Interval, p.DayOfMonth
	if r.Pattern != RelativeYearly && r.Pattern != AbsoluteYearly && r.Interval < 1 {
		return nil, errBadRecurrence
	}
	for _, d := range strings.Fields(p.DaysOfWeek) {
		switch d {
		case "Day", "Weekday", "WeekendDay":
			r.DayKind = d
			continue
		}
		wd, ok := parseWeekday(d)
		if !ok {
			return nil, errBadRecurrence
		}
		r.DaysOfWeek = append(r.DaysOfWeek, wd)
	}
	if r.DayKind != "" && r.Pattern == Weekly {
		// Weekly "Weekday" is Monday to Friday, as Outlook writes it.
		switch r.DayKind {
		case "Day":
			r.DaysOfWeek = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
		case "Weekday":
			r.DaysOfWeek = []time.Weekday{1, 2, 3, 4, 5}
		case "WeekendDay":
			r.DaysOfWeek = []time.Weekday{0, 6}
		}
		r.DayKind = ""
	}
	r.WeekIndex = parseWeekIndex(p.DayOfWeekIndex)
	if p.Month != "" {
		r.Month = parseMonth(p.Month)
	}
	if p.FirstDayOfWeek != "" {
		wd, ok := parseWeekday(p.FirstDayOfWeek)
		if !ok {
			return nil, errBadRecurrence
		}
		r.FirstDayOfWeek = wd
	}
	var rg *inRange
	switch {
	case in.NoEnd != nil:
		rg = in.NoEnd
	case in.EndDate != nil:
		rg = in.EndDate
		d, err := parseDate(rg.EndDate)
		if err != nil {
			return nil, errBadRecurrence
		}
		r.EndDate = d
	case in.Numbered != nil:
		rg = in.Numbered
		if rg.NumberOfOccurrences < 1 {
			return nil, errBadRecurrence
		}
		r.Count = rg.NumberOfOccurrences
	default:
		return nil, errBadRecurrence
	}
	d, err := parseDate(rg.StartDate)
	if err != nil {
		return nil, errBadRecurrence
	}
	r.StartDate = d
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// parseDateTime reads xs:dateTime; a value without zone is wall time in loc.
func parseDateTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// parseDate reads xs:date, ignoring a zone suffix.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		s = s[:10]
	}
	return time.Parse("2006-01-02", s)
}

// maxDuration is the longest single calendar item Exchange accepts.
const maxDuration = 5 * 365 * 24 * time.Hour

// itemZone picks the zone a request's times and recurrence mean:
// StartTimeZone, then the TimeZoneContext header, then MeetingTimeZone,
// then the owner's zone.
func itemZone(in *inCalItem, req *request, fallback *time.Location) *time.Location {
	if in.StartTimeZone != nil {
		if l := zoneByWindowsID(firstNonEmpty(in.StartTimeZone.ID, in.StartTimeZone.Name)); l != nil {
			return l
		}
	}
	if l := zoneByWindowsID(req.TimeZone); l != nil {
		return l
	}
	if in.MeetingTimeZone != nil {
		if l := zoneByWindowsID(in.MeetingTimeZone.Name); l != nil {
			return l
		}
	}
	return fallback
}

// finishTimes normalises an edited item: all-day events span whole days
// in their zone, series start on their first occurrence; it returns an
// error code for what Exchange refuses.
func finishTimes(it *calItem) string {
	if it.allDay {
		s := it.start.In(it.loc)
		e := it.end.In(it.loc)
		it.start = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, it.loc).UTC()
		ed := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, it.loc)
		if !ed.Equal(e) || !ed.UTC().After(it.start) {
			ed = ed.AddDate(0, 0, 1)
		}
		it.end = ed.UTC()
	}
	if it.end.Before(it.start) {
		return "ErrorCalendarEndDateIsEarlierThanStartDate"
	}
	if it.end.Sub(it.start) > maxDuration {
		return "ErrorCalendarDurationIsTooLong"
	}
	if it.rec != nil {
		if _, ok := it.rec.firstStart(it.start, it.loc); !ok {
			return "ErrorCalendarInvalidRecurrence"
		}
		normalizeSeries(it)
	}
	return ""
}

type createItemResponse struct {
	XMLName  xml.Name `xml:"m:CreateItemResponse"`
	Messages struct {
		Message []itemsMessage `xml:"m:CreateItemResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type anyCalItem struct {
	XMLName xml.Name
	inCalItem
}

func (s *Server) createItem(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Send        string        `xml:"SendMeetingInvitations,attr"`
		Disposition string        `xml:"MessageDisposition,attr"`
		Saved       *folderChoice `xml:"SavedItemFolderId"`
		Items       *struct {
			Any []anyCalItem `xml:",any"`
		} `xml:"Items"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Items == nil || len(in.Items.Any) == 0 {
		return nil, schemaFault("The request failed schema validation: The element 'CreateItem' has incomplete content. List of possible elements expected: 'Items'.")
	}
	out := &createItemResponse{}
	add := func(m itemsMessage) { out.Messages.Message = append(out.Messages.Message, m) }
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	ref := anyFolderRef{XMLName: xml.Name{Local: "DistinguishedFolderId"}, ID: "calendar"}
	if in.Saved != nil && len(in.Saved.Refs) > 0 {
		ref = in.Saved.Refs[0]
	}
	for _, x := range in.Items.Any {
		if f := s.injected(req); f != nil {
			add(itemsMessage{respMsg: *f})
			continue
		}
		if isResponseObject(x.XMLName.Local) {
			add(s.respondToMeeting(&x, in.Disposition)) // respond.go
			continue
		}
		if x.XMLName.Local != "CalendarItem" {
			add(itemsMessage{respMsg: failure("ErrorInvalidRequest", "The simulator stores calendar items only.")})
			continue
		}
		if in.Send == "" {
			add(itemsMessage{respMsg: failCode("ErrorSendMeetingInvitationsRequired")})
			continue
		}
		owner, name, code := s.folderOf(ref, req.mailbox())
		if code == "" && name != "calendar" {
			code = "ErrorCannotCreateCalendarItemInNonCalendarFolder"
		}
		if code != "" {
			add(itemsMessage{respMsg: failCode(code)})
			continue
		}
		it, code := s.newItemFrom(&x.inCalItem, req, owner)
		if code != "" {
			add(itemsMessage{respMsg: failCode(code)})
			continue
		}
		s.org.createItem(owner, it, in.Send != "SendToNone")
		msg := itemsMessage{respMsg: success()}
		msg.Items.CalendarItem = []wireCalItem{{ItemID: &wireItemID{ID: it.id, ChangeKey: it.changeKey()}}}
		add(msg)
	}
	return out, nil
}

// newItemFrom builds an item from a CreateItem CalendarItem.
func (s *Server) newItemFrom(in *inCalItem, req *request, owner *mailbox) (*calItem, string) {
	loc := itemZone(in, req, owner.loc)
	now := s.org.nowUTC()
	it := &calItem{loc: loc, uid: strings.TrimSpace(in.UID), sensitivity: in.Sensitivity, freeBusy: in.LegacyFreeBusyStatus}
	if in.Subject != nil {
		it.subject = *in.Subject
	}
	if in.Body != nil {
		it.body = in.Body.Text
	}
	if in.Location != nil {
		it.location = *in.Location
	} else if in.EnhancedLocation != nil {
		it.location = in.EnhancedLocation.Name
	}
	var err error
	it.start = now.Truncate(30 * time.Minute).Add(30 * time.Minute)
	if in.Start != "" {
		if it.start, err = parseDateTime(in.Start, loc); err != nil {
			return nil, "ErrorCalendarInvalidPropertyValue"
		}
	}
	it.end = it.start.Add(30 * time.Minute)
	if in.End != "" {
		if it.end, err = parseDateTime(in.End, loc); err != nil {
			return nil, "ErrorCalendarInvalidPropertyValue"
		}
	}
	if in.IsAllDayEvent != nil {
		it.allDay = *in.IsAllDayEvent
	}
	it.required, it.optional, it.resources = in.RequiredAttendees.list(), in.OptionalAttendees.list(), in.Resources.list()
	if in.Recurrence != nil {
		r, err := in.Recurrence.recurrence()
		if err != nil {
			return nil, "ErrorCalendarInvalidRecurrence"
		}
		it.rec = r
	}
	if in.IsOnlineMeeting != nil && *in.IsOnlineMeeting {
		it.onlineURL = fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%x%%40thread.v2/0", now.UnixNano())
	}
	if code := finishTimes(it); code != "" {
		return nil, code
	}
	return it, ""
}

type updateItemResponse struct {
	XMLName  xml.Name `xml:"m:UpdateItemResponse"`
	Messages struct {
		Message []updateMessage `xml:"m:UpdateItemResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type updateMessage struct {
	respMsg
	Items           wireItems `xml:"m:Items"`
	ConflictResults *struct {
		Count int `xml:"t:Count"`
	} `xml:"m:ConflictResults,omitempty"`
}

type inChange struct {
	XMLName  xml.Name
	FieldURI *struct {
		URI string `xml:"FieldURI,attr"`
	} `xml:"FieldURI"`
	CalendarItem *inCalItem `xml:"CalendarItem"`
	Item         *inCalItem `xml:"Item"`
}

type inItemChange struct {
	ItemID       *anyItemID `xml:"ItemId"`
	OccurrenceID *anyItemID `xml:"OccurrenceItemId"`
	MasterID     *anyItemID `xml:"RecurringMasterItemId"`
	Updates      *struct {
		Changes []inChange `xml:",any"`
	} `xml:"Updates"`
}

func (c *inItemChange) ref() (anyItemID, bool) {
	for _, r := range []*anyItemID{c.ItemID, c.OccurrenceID, c.MasterID} {
		if r != nil {
			return *r, true
		}
	}
	return anyItemID{}, false
}

// childElements returns the local names of the top-level elements in raw.
func childElements(raw []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(raw))
	depth := 0
	var out []string
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				out = append(out, t.Name.Local)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

func (s *Server) updateItem(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Conflict string `xml:"ConflictResolution,attr"`
		Send     string `xml:"SendMeetingInvitationsOrCancellations,attr"`
		Changes  *struct {
			Change []inItemChange `xml:"ItemChange"`
		} `xml:"ItemChanges"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Changes == nil || len(in.Changes.Change) == 0 || in.Conflict == "" {
		return nil, schemaFault("The request failed schema validation: The element 'UpdateItem' has incomplete content. List of possible elements expected: 'ItemChanges'; the attribute 'ConflictResolution' is required.")
	}
	for _, c := range in.Changes.Change {
		if _, ok := c.ref(); !ok || c.Updates == nil || len(c.Updates.Changes) == 0 {
			return nil, schemaFault("The request failed schema validation: The element 'ItemChange' has incomplete content. List of possible elements expected: 'ItemId, Updates'.")
		}
	}
	out := &updateItemResponse{}
	add := func(m updateMessage) { out.Messages.Message = append(out.Messages.Message, m) }
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	for _, c := range in.Changes.Change {
		if f := s.injected(req); f != nil {
			add(updateMessage{respMsg: *f})
			continue
		}
		ref, _ := c.ref()
		it, oc, code := s.resolveRef(ref)
		if code == "" && in.Send == "" {
			code = "ErrorSendMeetingInvitationsOrCancellationsRequired"
		}
		if code == "" && in.Conflict == "NeverOverwrite" && ref.ChangeKey != "" && ref.ChangeKey != it.changeKey() {
			code = "ErrorIrresolvableConflict"
		}
		if code == "" {
			code = s.applyChanges(it, oc, c.Updates.Changes, req)
		}
		if code != "" {
			add(updateMessage{respMsg: failCode(code)})
			continue
		}
		s.org.updateItem(it, in.Send != "SendToNone")
		id := it.id
		if oc != nil && oc.index > 0 {
			id = oc.id()
		}
		msg := updateMessage{respMsg: success(), ConflictResults: &struct {
			Count int `xml:"t:Count"`
		}{0}}
		msg.Items.CalendarItem = []wireCalItem{{ItemID: &wireItemID{ID: id, ChangeKey: it.changeKey()}}}
		add(msg)
	}
	return out, nil
}

// applyChanges edits a copy of it and, when every change is acceptable,
// stores the result in it. An occurrence (oc) is edited as an exception
// of its series.
func (s *Server) applyChanges(it *calItem, oc *occ, changes []inChange, req *request) string {
	c := *it
	c.required, c.optional, c.resources = cloneAttendees(it.required), cloneAttendees(it.optional), cloneAttendees(it.resources)
	c.exceptions, c.deleted = cloneExceptions(it.exceptions), cloneDeleted(it.deleted)
	var x *exception
	if oc != nil && oc.index > 0 {
		x = &exception{start: oc.start, end: oc.end}
		if old := c.exceptions[oc.orig.Unix()]; old != nil {
			*x = *old
		}
	}
	seriesChanged := false
	for _, ch := range changes {
		if ch.FieldURI == nil {
			// Indexed and extended properties are accepted and ignored.
			continue
		}
		_, field, _ := strings.Cut(ch.FieldURI.URI, ":")
		v := ch.CalendarItem
		if v == nil {
			v = ch.Item
		}
		if ch.XMLName.Local != "DeleteItemField" {
			if v == nil {
				return "ErrorIncorrectUpdatePropertyCount"
			}
			if kids := childElements(v.Inner); len(kids) != 1 || kids[0] != field {
				return "ErrorIncorrectUpdatePropertyCount"
			}
		} else {
			v = &inCalItem{}
		}
		loc := itemZone(v, req, c.loc)
		del := ch.XMLName.Local == "DeleteItemField"
		appendTo := ch.XMLName.Local == "AppendToItemField"
		switch field {
		case "Subject":
			val := ""
			if v.Subject != nil {
				val = *v.Subject
			}
			if x != nil {
				x.subject = &val
			} else {
				c.subject = val
			}
		case "Location":
			val := ""
			if v.Location != nil {
				val = *v.Location
			}
			if x != nil {
				x.location = &val
			} else {
				c.location = val
			}
		case "Body":
			c.body = ""
			if v.Body != nil {
				c.body = v.Body.Text
			}
		case "Sensitivity":
			c.sensitivity = firstNonEmpty(v.Sensitivity, "Normal")
		case "LegacyFreeBusyStatus":
			c.freeBusy = firstNonEmpty(v.LegacyFreeBusyStatus, "Busy")
		case "IsAllDayEvent":
			c.allDay = v.IsAllDayEvent != nil && *v.IsAllDayEvent
		case "Start", "End":
			if del {
				return "ErrorInvalidPropertySet"
			}
			t, err := parseDateTime(map[string]string{"Start": v.Start, "End": v.End}[field], loc)
			if err != nil {
				return "ErrorCalendarInvalidPropertyValue"
			}
			switch {
			case x != nil && field == "Start":
				x.start = t
			case x != nil:
				x.end = t
			case field == "Start":
				c.start, seriesChanged = t, true
			default:
				c.end, seriesChanged = t, true
			}
		case "RequiredAttendees", "OptionalAttendees", "Resources":
			var got []attendee
			switch field {
			case "RequiredAttendees":
				got = v.RequiredAttendees.list()
			case "OptionalAttendees":
				got = v.OptionalAttendees.list()
			default:
				got = v.Resources.list()
			}
			target := map[string]*[]attendee{"RequiredAttendees": &c.required, "OptionalAttendees": &c.optional, "Resources": &c.resources}[field]
			switch {
			case del:
				*target = nil
			case appendTo:
				*target = append(*target, got...)
			default:
				// Keep responses already received from attendees that stay.
				for i := range got {
					for _, old := range *target {
						if strings.EqualFold(old.address, got[i].address) {
							got[i] = old
						}
					}
				}
				*target = got
			}
		case "Recurrence":
			if x != nil {
				return "ErrorInvalidPropertySet"
			}
			if del {
				c.rec = nil
			} else {
				r, err := v.Recurrence.recurrence()
				if v.Recurrence == nil || err != nil {
					return "ErrorCalendarInvalidRecurrence"
				}
				c.rec = r
			}
			seriesChanged = true
		case "StartTimeZone", "MeetingTimeZone":
			if l := itemZone(v, &request{}, nil); l != nil {
				c.loc = l
			}
		case "IsOnlineMeeting":
			if v.IsOnlineMeeting != nil && *v.IsOnlineMeeting && c.onlineURL == "" {
				c.onlineURL = fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%x%%40thread.v2/0", s.org.nowUTC().UnixNano())
			} else if v.IsOnlineMeeting != nil && !*v.IsOnlineMeeting {
				c.onlineURL = ""
			}
		}
	}
	if x != nil {
		if x.end.Before(x.start) {
			return "ErrorCalendarEndDateIsEarlierThanStartDate"
		}
		if c.exceptions == nil {
			c.exceptions = map[int64]*exception{}
		}
		c.exceptions[oc.orig.Unix()] = x
	}
	if seriesChanged && c.rec != nil {
		// Moving or re-patterning a series discards its exceptions, as
		// Outlook warns.
		c.exceptions, c.deleted = nil, nil
	}
	if code := finishTimes(&c); code != "" {
		return code
	}
	*it = c
	return ""
}

type deleteItemResponse struct {
	XMLName  xml.Name `xml:"m:DeleteItemResponse"`
	Messages struct {
		Message []respMsgElem `xml:"m:DeleteItemResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type respMsgElem struct{ respMsg }

func (s *Server) deleteItem(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		DeleteType string        `xml:"DeleteType,attr"`
		Send       string        `xml:"SendMeetingCancellations,attr"`
		IDs        *itemIDChoice `xml:"ItemIds"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.IDs == nil || len(in.IDs.IDs) == 0 || in.DeleteType == "" {
		return nil, schemaFault("The request failed schema validation: The element 'DeleteItem' has incomplete content. List of possible elements expected: 'ItemIds'; the attribute 'DeleteType' is required.")
	}
	out := &deleteItemResponse{}
	add := func(m respMsg) { out.Messages.Message = append(out.Messages.Message, respMsgElem{m}) }
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flushEvents()
	for _, ref := range in.IDs.IDs {
		if f := s.injected(req); f != nil {
			add(*f)
			continue
		}
		it, oc, code := s.resolveRef(ref)
		if code == "" && in.Send == "" {
			code = "ErrorSendMeetingCancellationsRequired"
		}
		if code != "" {
			add(failCode(code))
			continue
		}
		send := in.Send != "SendToNone"
		if oc != nil && oc.index > 0 {
			if it.deleted == nil {
				it.deleted = map[int64]bool{}
			}
			it.deleted[oc.orig.Unix()] = true
			delete(it.exceptions, oc.orig.Unix())
			s.org.updateItem(it, send)
		} else {
			s.org.deleteItem(it, send, in.DeleteType == "MoveToDeletedItems")
		}
		add(success())
	}
	return out, nil
}

// ---- SyncFolderItems ------------------------------------------------------

type syncResponse struct {
	XMLName  xml.Name `xml:"m:SyncFolderItemsResponse"`
	Messages struct {
		Message []syncMessage `xml:"m:SyncFolderItemsResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type syncMessage struct {
	respMsg
	SyncState               string       `xml:"m:SyncState,omitempty"`
	IncludesLastItemInRange *bool        `xml:"m:IncludesLastItemInRange,omitempty"`
	Changes                 *syncChanges `xml:"m:Changes,omitempty"`
}

type syncChanges struct {
	Change []syncEntry
}

// syncEntry is one Create, Update or Delete element.
type syncEntry struct {
	XMLName      xml.Name
	CalendarItem *wireCalItem `xml:"t:CalendarItem,omitempty"`
	ItemID       *wireItemID  `xml:"t:ItemId,omitempty"`
}

// maxSyncChanges is MaxSyncChangesReturnedType's upper bound.
const maxSyncChanges = 512

func (s *Server) syncFolderItems(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Shape  *inItemShape  `xml:"ItemShape"`
		Folder *folderChoice `xml:"SyncFolderId"`
		State  string        `xml:"SyncState"`
		Ignore *itemIDChoice `xml:"Ignore"`
		Max    *int          `xml:"MaxChangesReturned"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Shape == nil || in.Shape.BaseShape == "" || in.Folder == nil || len(in.Folder.Refs) == 0 || in.Max == nil {
		return nil, schemaFault("The request failed schema validation: The element 'SyncFolderItems' has incomplete content. List of possible elements expected: 'ItemShape, SyncFolderId, MaxChangesReturned'.")
	}
	if *in.Max < 1 || *in.Max > maxSyncChanges {
		return nil, schemaFault(fmt.Sprintf("The request failed schema validation: The 'MaxChangesReturned' element is invalid - The value '%d' is invalid according to its datatype 'MaxSyncChangesReturnedType'.", *in.Max))
	}
	out := &syncResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.injected(req); f != nil {
		out.Messages.Message = []syncMessage{{respMsg: *f}}
		return out, nil
	}
	m, name, code := s.folderOf(in.Folder.Refs[0], req.mailbox())
	if code != "" {
		out.Messages.Message = []syncMessage{{respMsg: failCode(code)}}
		return out, nil
	}
	key := m.address + "/" + name
	var since uint64
	if st := strings.TrimSpace(in.State); st != "" {
		var ok bool
		if since, ok = s.org.parseSyncState(key, st); !ok {
			out.Messages.Message = []syncMessage{{respMsg: failCode("ErrorInvalidSyncStateData")}}
			return out, nil
		}
	}
	ignore := map[string]bool{}
	if in.Ignore != nil {
		for _, r := range in.Ignore.IDs {
			ignore[r.ID] = true
		}
	}
	fields, _ := in.Shape.fields(false)
	var changes []syncChange
	upto, last := s.org.seq, true
	if name == "calendar" {
		changes, upto, last = s.org.syncChanges(m, since, *in.Max, ignore)
	}
	msg := syncMessage{respMsg: success(), SyncState: s.org.syncState(key, upto), IncludesLastItemInRange: ptr(last), Changes: &syncChanges{}}
	for _, c := range changes {
		e := syncEntry{XMLName: xml.Name{Local: "t:" + c.kind}}
		if c.kind == "Delete" {
			e.ItemID = &wireItemID{ID: c.item.id, ChangeKey: c.item.changeKey()}
		} else {
			w := s.render(c.item, nil, fields, in.Shape.BodyType)
			e.CalendarItem = &w
		}
		msg.Changes.Change = append(msg.Changes.Change, e)
	}
	out.Messages.Message = []syncMessage{msg}
	return out, nil
}
