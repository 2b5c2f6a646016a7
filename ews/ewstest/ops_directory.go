package ewstest

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// respMsg is m:ResponseMessageType: the status part every response
// message starts with.
type respMsg struct {
	ResponseClass      string      `xml:"ResponseClass,attr"`
	MessageText        string      `xml:"m:MessageText,omitempty"`
	ResponseCode       string      `xml:"m:ResponseCode"`
	DescriptiveLinkKey *int        `xml:"m:DescriptiveLinkKey,omitempty"`
	MessageXML         *messageXML `xml:"m:MessageXml,omitempty"`
}

type messageXML struct {
	Values []xmlValue `xml:"t:Value"`
}

type xmlValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

func success() respMsg { return respMsg{ResponseClass: "Success", ResponseCode: "NoError"} }

func failure(code, text string) respMsg {
	zero := 0
	return respMsg{ResponseClass: "Error", MessageText: text, ResponseCode: code, DescriptiveLinkKey: &zero}
}

// Messages Exchange sends with the codes the simulator answers.
var errorTexts = map[string]string{
	"ErrorItemNotFound":                                  "The specified object was not found in the store.",
	"ErrorInvalidIdMalformed":                            "Id is malformed.",
	"ErrorFolderNotFound":                                "The specified folder could not be found in the store.",
	"ErrorNonExistentMailbox":                            "The SMTP address has no mailbox associated with it.",
	"ErrorNameResolutionNoResults":                       "No results were found.",
	"ErrorNameResolutionMultipleResults":                 "Multiple results were found.",
	"ErrorInvalidSyncStateData":                          "Synchronization state data is corrupt or otherwise invalid.",
	"ErrorIrresolvableConflict":                          "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
	"ErrorCalendarViewRangeTooBig":                       "The specified view range exceeds the maximum range of two years.",
	"ErrorExceededFindCountLimit":                        "You have exceeded the maximum number of objects that can be returned for the find operation. Use paging to reduce the result size and try your request again.",
	"ErrorCalendarEndDateIsEarlierThanStartDate":         "EndDate is earlier than StartDate",
	"ErrorCalendarDurationIsTooLong":                     "Calendar item duration is too long.",
	"ErrorCalendarInvalidRecurrence":                     "The recurrence pattern is invalid.",
	"ErrorInvalidPropertyRequest":                        "The property can't be used in FindItem requests.",
	"ErrorSendMeetingInvitationsRequired":                "SendMeetingInvitations attribute is required for calendar items.",
	"ErrorSendMeetingCancellationsRequired":              "SendMeetingCancellations attribute is required for calendar items.",
	"ErrorSendMeetingInvitationsOrCancellationsRequired": "SendMeetingInvitationsOrCancellations attribute is required for calendar items.",
	"ErrorCalendarFolderIsInvalidForCalendarView":        "The folder is not a calendar folder.",
	"ErrorCannotCreateCalendarItemInNonCalendarFolder":   "Calendar items can only be created in calendar folders.",
	"ErrorIncorrectUpdatePropertyCount":                  "An object within a change description must contain one and only one property to modify.",
	"ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange": "The occurrence index is out of the recurrence range.",
	"ErrorInvalidOperation":                              "The operation is not valid for this item.",
	"ErrorMailRecipientNotFound":                         "Unable to resolve e-mail address to an Active Directory object.",
	"ErrorCalendarInvalidPropertyValue":                  "The value of a calendar property is invalid.",
	"ErrorInvalidPropertySet":                            "This property cannot be set on this item.",
}

func failCode(code string) respMsg { return failure(code, errorTexts[code]) }

// injected returns the per-message error an injected Fault asks for, or nil.
func (s *Server) injected(req *request) *respMsg {
	if req.Fault == nil || req.Fault.ResponseCode == "" {
		return nil
	}
	m := failure(req.Fault.ResponseCode, "Injected error "+req.Fault.ResponseCode+".")
	if req.Fault.ResponseCode == "ErrorServerBusy" {
		back := req.Fault.BackOff
		if back == 0 {
			back = s.opts.BusyBackOff
		}
		m.MessageXML = &messageXML{Values: []xmlValue{{Name: "BackOffMilliseconds", Value: strconv.FormatInt(back.Milliseconds(), 10)}}}
	}
	return &m
}

// wireEmail is t:EmailAddressType as the simulator writes it.
type wireEmail struct {
	Name         string `xml:"t:Name,omitempty"`
	EmailAddress string `xml:"t:EmailAddress,omitempty"`
	RoutingType  string `xml:"t:RoutingType,omitempty"`
	MailboxType  string `xml:"t:MailboxType,omitempty"`
}

func emailOf(m *mailbox) wireEmail {
	return wireEmail{Name: m.name, EmailAddress: m.address, RoutingType: "SMTP", MailboxType: m.mailboxType()}
}

// inEmail is t:EmailAddressType in a request.
type inEmail struct {
	Name         string `xml:"Name"`
	EmailAddress string `xml:"EmailAddress"`
}

// inFolderRef is a FolderId, DistinguishedFolderId or AddressListId.
type inFolderRef struct {
	FolderID *struct {
		ID string `xml:"Id,attr"`
	} `xml:"FolderId"`
	Distinguished *struct {
		ID      string   `xml:"Id,attr"`
		Mailbox *inEmail `xml:"Mailbox"`
	} `xml:"DistinguishedFolderId"`
	AddressList *struct {
		ID string `xml:"Id,attr"`
	} `xml:"AddressListId"`
}

func (s *Server) registerDirectory() {
	// The simulator's clock can be moved by tests (SetNow, Advance); every
	// reader of Options.Now sees the moved time.
	c := &clock{base: s.opts.Now}
	s.opts.Now = c.Now
	s.org.now = c.Now
	s.org.clock = c

	s.handle("GetRoomLists", s.getRoomLists)
	s.handle("GetRooms", s.getRooms)
	s.handle("FindPeople", s.findPeople)
	s.handle("ResolveNames", s.resolveNames)
	s.handle("ExpandDL", s.expandDL)
}

type emailList struct {
	Address []wireEmail `xml:"t:Address"`
}

type getRoomListsResponse struct {
	XMLName xml.Name `xml:"m:GetRoomListsResponse"`
	respMsg
	RoomLists *emailList `xml:"m:RoomLists,omitempty"`
}

func (s *Server) getRoomLists(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct{}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if f := s.injected(req); f != nil {
		return &getRoomListsResponse{respMsg: *f}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &getRoomListsResponse{respMsg: success(), RoomLists: &emailList{}}
	for _, l := range s.org.sorted(KindRoomList) {
		out.RoomLists.Address = append(out.RoomLists.Address, emailOf(l))
	}
	return out, nil
}

type getRoomsResponse struct {
	XMLName xml.Name `xml:"m:GetRoomsResponse"`
	respMsg
	Rooms *struct {
		Room []struct {
			ID wireEmail `xml:"t:Id"`
		} `xml:"t:Room"`
	} `xml:"m:Rooms,omitempty"`
}

func (s *Server) getRooms(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		RoomList *inEmail `xml:"RoomList"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.RoomList == nil {
		return nil, schemaFault("The request failed schema validation: The element 'GetRooms' has incomplete content. List of possible elements expected: 'RoomList'.")
	}
	if f := s.injected(req); f != nil {
		return &getRoomsResponse{respMsg: *f}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.org.lookup(in.RoomList.EmailAddress)
	if l == nil || l.kind != KindRoomList {
		// Exchange answers an address that is not a room list this way.
		return &getRoomsResponse{respMsg: failCode("ErrorNameResolutionNoResults")}, nil
	}
	out := &getRoomsResponse{respMsg: success()}
	out.Rooms = &struct {
		Room []struct {
			ID wireEmail `xml:"t:Id"`
		} `xml:"t:Room"`
	}{}
	for _, a := range l.members {
		if r := s.org.mailboxes[a]; r != nil {
			out.Rooms.Room = append(out.Rooms.Room, struct {
				ID wireEmail `xml:"t:Id"`
			}{emailOf(r)})
		}
	}
	return out, nil
}

// inIndexedView is t:IndexedPageViewType.
type inIndexedView struct {
	MaxEntriesReturned *int   `xml:"MaxEntriesReturned,attr"`
	Offset             int    `xml:"Offset,attr"`
	BasePoint          string `xml:"BasePoint,attr"`
}

// page applies an indexed view to n results: the [lo, hi) slice and
// whether it reaches the last one. Exchange caps a page at 1,000 items
// (EWSFindCountLimit).
func (v *inIndexedView) page(n int) (lo, hi int, last bool) {
	max := 1000
	if v != nil && v.MaxEntriesReturned != nil && *v.MaxEntriesReturned > 0 && *v.MaxEntriesReturned < max {
		max = *v.MaxEntriesReturned
	}
	off := 0
	if v != nil && v.Offset > 0 {
		off = v.Offset
	}
	if v != nil && v.BasePoint == "End" {
		hi = max0(n - off)
		lo = max0(hi - max)
		return lo, hi, lo == 0
	}
	lo = min(off, n)
	hi = min(lo+max, n)
	return lo, hi, hi == n
}

func max0(x int) int {
	if x < 0 {
		return 0
	}
	return x
}

type findPeopleResponse struct {
	XMLName xml.Name `xml:"m:FindPeopleResponse"`
	respMsg
	People *struct {
		Persona []persona `xml:"t:Persona"`
	} `xml:"m:People,omitempty"`
	TotalNumberOfPeopleInView *int `xml:"m:TotalNumberOfPeopleInView,omitempty"`
	FirstMatchingRowIndex     *int `xml:"m:FirstMatchingRowIndex,omitempty"`
	FirstLoadedRowIndex       *int `xml:"m:FirstLoadedRowIndex,omitempty"`
}

// persona is t:PersonaType, in schema order.
type persona struct {
	PersonaID struct {
		ID string `xml:"Id,attr"`
	} `xml:"t:PersonaId"`
	PersonaType  string     `xml:"t:PersonaType"`
	DisplayName  string     `xml:"t:DisplayName"`
	GivenName    string     `xml:"t:GivenName,omitempty"`
	Surname      string     `xml:"t:Surname,omitempty"`
	Department   string     `xml:"t:Department,omitempty"`
	CompanyName  string     `xml:"t:CompanyName,omitempty"`
	Location     string     `xml:"t:Location,omitempty"`
	EmailAddress *wireEmail `xml:"t:EmailAddress,omitempty"`
	WorkCity     string     `xml:"t:WorkCity,omitempty"`
}

func personaOf(m *mailbox) persona {
	p := persona{DisplayName: m.name, GivenName: m.given, Surname: m.surname, Department: m.department, WorkCity: m.city}
	p.PersonaID.ID = base64.StdEncoding.EncodeToString(append([]byte{0x00, 0x00, 0x18, 0x00}, "P\x00"+m.address...))
	switch m.kind {
	case KindGroup, KindRoomList:
		p.PersonaType = "DistributionList"
	case KindRoom:
		p.PersonaType = "Room"
	default:
		p.PersonaType = "Person"
	}
	if m.kind == KindRoom || m.kind == KindEquipment {
		p.Location = strings.TrimSpace(m.building + " " + m.floor)
	}
	if m.kind != KindGroup && m.kind != KindRoomList {
		p.CompanyName = "Contoso"
	}
	e := emailOf(m)
	p.EmailAddress = &e
	return p
}

// matches reports whether every word of query starts a word of m's name
// or its address, the way the directory's ambiguous name resolution does.
func matches(m *mailbox, query string) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return true
	}
	if strings.HasPrefix(m.address, q) {
		return true
	}
	name := strings.ToLower(m.name)
	if strings.HasPrefix(name, q) {
		return true
	}
	words := strings.FieldsFunc(name+" "+m.address, func(r rune) bool {
		return unicode.IsSpace(r) || r == '.' || r == '@' || r == '-'
	})
	for _, qw := range strings.Fields(q) {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, qw) {
				found = true
				break
			}
		}
		// Chinese names have no spaces: a query word may sit anywhere.
		if !found && !strings.Contains(name, qw) {
			return false
		}
	}
	return true
}

func (s *Server) findPeople(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		View   *inIndexedView `xml:"IndexedPageItemView"`
		Parent *inFolderRef   `xml:"ParentFolderId"`
		Query  *string        `xml:"QueryString"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.View == nil {
		return nil, schemaFault("The request failed schema validation: The element 'FindPeople' has incomplete content. List of possible elements expected: 'IndexedPageItemView'.")
	}
	if f := s.injected(req); f != nil {
		return &findPeopleResponse{respMsg: *f}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The global address list is the "directory" folder. A search of the
	// caller's own contacts finds nothing: the simulator keeps no personal
	// contacts.
	var hits []*mailbox
	directory := in.Parent == nil || in.Parent.AddressList != nil ||
		(in.Parent.Distinguished != nil && in.Parent.Distinguished.ID == "directory")
	if directory {
		q := ""
		if in.Query != nil {
			q = *in.Query
		}
		for _, m := range s.org.sorted() {
			if matches(m, q) {
				hits = append(hits, m)
			}
		}
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].name < hits[j].name })
	}
	lo, hi, _ := in.View.page(len(hits))
	out := &findPeopleResponse{respMsg: success()}
	out.People = &struct {
		Persona []persona `xml:"t:Persona"`
	}{}
	for _, m := range hits[lo:hi] {
		out.People.Persona = append(out.People.Persona, personaOf(m))
	}
	total, first := len(hits), lo
	out.TotalNumberOfPeopleInView, out.FirstMatchingRowIndex, out.FirstLoadedRowIndex = &total, &first, &first
	return out, nil
}

type resolveNamesResponse struct {
	XMLName  xml.Name `xml:"m:ResolveNamesResponse"`
	Messages struct {
		Message []resolveNamesMessage `xml:"m:ResolveNamesResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type resolveNamesMessage struct {
	respMsg
	ResolutionSet *struct {
		TotalItemsInView        int          `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool         `xml:"IncludesLastItemInRange,attr"`
		Resolution              []resolution `xml:"t:Resolution"`
	} `xml:"m:ResolutionSet,omitempty"`
}

type resolution struct {
	Mailbox wireEmail    `xml:"t:Mailbox"`
	Contact *wireContact `xml:"t:Contact,omitempty"`
}

// wireContact is the part of t:ContactItemType a directory entry fills.
type wireContact struct {
	DisplayName    string `xml:"t:DisplayName,omitempty"`
	GivenName      string `xml:"t:GivenName,omitempty"`
	EmailAddresses *struct {
		Entry []struct {
			Key   string `xml:"Key,attr"`
			Value string `xml:",chardata"`
		} `xml:"t:Entry"`
	} `xml:"t:EmailAddresses,omitempty"`
	ContactSource  string `xml:"t:ContactSource,omitempty"`
	Department     string `xml:"t:Department,omitempty"`
	OfficeLocation string `xml:"t:OfficeLocation,omitempty"`
	Surname        string `xml:"t:Surname,omitempty"`
}

func contactOf(m *mailbox) *wireContact {
	c := &wireContact{DisplayName: m.name, GivenName: m.given, ContactSource: "ActiveDirectory", Department: m.department, Surname: m.surname}
	c.OfficeLocation = strings.TrimSpace(m.building + " " + m.floor)
	c.EmailAddresses = &struct {
		Entry []struct {
			Key   string `xml:"Key,attr"`
			Value string `xml:",chardata"`
		} `xml:"t:Entry"`
	}{Entry: []struct {
		Key   string `xml:"Key,attr"`
		Value string `xml:",chardata"`
	}{{Key: "EmailAddress1", Value: "SMTP:" + m.address}}}
	return c
}

// maxResolutions is the schema's (and Exchange's) cap on ResolveNames.
const maxResolutions = 100

func (s *Server) resolveNames(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		FullContact string  `xml:"ReturnFullContactData,attr"`
		Scope       string  `xml:"SearchScope,attr"`
		Entry       *string `xml:"UnresolvedEntry"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Entry == nil || strings.TrimSpace(*in.Entry) == "" {
		return nil, schemaFault("The request failed schema validation: The element 'ResolveNames' has incomplete content. List of possible elements expected: 'UnresolvedEntry'.")
	}
	out := &resolveNamesResponse{}
	if f := s.injected(req); f != nil {
		out.Messages.Message = []resolveNamesMessage{{respMsg: *f}}
		return out, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*mailbox
	if in.Scope != "Contacts" {
		entry := strings.TrimSpace(*in.Entry)
		if a, ok := strings.CutPrefix(strings.ToLower(entry), "smtp:"); ok {
			if m := s.org.lookup(a); m != nil {
				hits = append(hits, m)
			}
		} else {
			for _, m := range s.org.sorted() {
				if matches(m, entry) {
					hits = append(hits, m)
				}
			}
		}
	}
	msg := resolveNamesMessage{}
	switch {
	case len(hits) == 0:
		msg.respMsg = failCode("ErrorNameResolutionNoResults")
		out.Messages.Message = []resolveNamesMessage{msg}
		return out, nil
	case len(hits) == 1:
		msg.respMsg = success()
	default:
		// Several matches are a warning, not an error, and still list them.
		msg.respMsg = failCode("ErrorNameResolutionMultipleResults")
		msg.respMsg.ResponseClass = "Warning"
	}
	total := len(hits)
	if len(hits) > maxResolutions {
		hits = hits[:maxResolutions]
	}
	msg.ResolutionSet = &struct {
		TotalItemsInView        int          `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool         `xml:"IncludesLastItemInRange,attr"`
		Resolution              []resolution `xml:"t:Resolution"`
	}{TotalItemsInView: total, IncludesLastItemInRange: total == len(hits)}
	full := in.FullContact == "true" || in.FullContact == "1"
	for _, m := range hits {
		r := resolution{Mailbox: emailOf(m)}
		if full {
			r.Contact = contactOf(m)
		}
		msg.ResolutionSet.Resolution = append(msg.ResolutionSet.Resolution, r)
	}
	out.Messages.Message = []resolveNamesMessage{msg}
	return out, nil
}

type expandDLResponse struct {
	XMLName  xml.Name `xml:"m:ExpandDLResponse"`
	Messages struct {
		Message []expandDLMessage `xml:"m:ExpandDLResponseMessage"`
	} `xml:"m:ResponseMessages"`
}

type expandDLMessage struct {
	respMsg
	DLExpansion *struct {
		TotalItemsInView        int         `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool        `xml:"IncludesLastItemInRange,attr"`
		Mailbox                 []wireEmail `xml:"t:Mailbox"`
	} `xml:"m:DLExpansion,omitempty"`
}

func (s *Server) expandDL(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in struct {
		Mailbox *inEmail `xml:"Mailbox"`
	}
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	if in.Mailbox == nil {
		return nil, schemaFault("The request failed schema validation: The element 'ExpandDL' has incomplete content. List of possible elements expected: 'Mailbox'.")
	}
	out := &expandDLResponse{}
	if f := s.injected(req); f != nil {
		out.Messages.Message = []expandDLMessage{{respMsg: *f}}
		return out, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.org.lookup(in.Mailbox.EmailAddress)
	if g == nil || (g.kind != KindGroup && g.kind != KindRoomList) {
		out.Messages.Message = []expandDLMessage{{respMsg: failCode("ErrorNameResolutionNoResults")}}
		return out, nil
	}
	msg := expandDLMessage{respMsg: success()}
	msg.DLExpansion = &struct {
		TotalItemsInView        int         `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool        `xml:"IncludesLastItemInRange,attr"`
		Mailbox                 []wireEmail `xml:"t:Mailbox"`
	}{TotalItemsInView: len(g.members), IncludesLastItemInRange: true}
	for _, a := range g.members {
		if m := s.org.mailboxes[a]; m != nil {
			msg.DLExpansion.Mailbox = append(msg.DLExpansion.Mailbox, emailOf(m))
		}
	}
	out.Messages.Message = []expandDLMessage{msg}
	return out, nil
}
