package ews

import (
	"context"
	"encoding/xml"
	"strings"
)

type findPeopleRequest struct {
	XMLName        xml.Name       `xml:"m:FindPeople"`
	PersonaShape   xmlItemShape   `xml:"m:PersonaShape"`
	View           xmlIndexedPage `xml:"m:IndexedPageItemView"`
	ParentFolderID xmlFolderID    `xml:"m:ParentFolderId"`
	QueryString    string         `xml:"m:QueryString"`
}

type findPeopleResponse struct {
	ResponseMessage
	People                    []xmlPersona `xml:"People>Persona"`
	TotalNumberOfPeopleInView int          `xml:"TotalNumberOfPeopleInView"`
	FirstMatchingRowIndex     int          `xml:"FirstMatchingRowIndex"`
}

// xmlPersona decodes t:Persona. Directory personas carry single values
// (Department) on some versions and attributed arrays (Departments) on
// others, so both are read.
type xmlPersona struct {
	PersonaID struct {
		ID string `xml:"Id,attr"`
	} `xml:"PersonaId"`
	PersonaType     string   `xml:"PersonaType"`
	DisplayName     string   `xml:"DisplayName"`
	GivenName       string   `xml:"GivenName"`
	Surname         string   `xml:"Surname"`
	Title           string   `xml:"Title"`
	Department      string   `xml:"Department"`
	CompanyName     string   `xml:"CompanyName"`
	EmailAddress    Mailbox  `xml:"EmailAddress"`
	Departments     []string `xml:"Departments>StringAttributedValue>Value"`
	OfficeLocations []string `xml:"OfficeLocations>StringAttributedValue>Value"`
	Titles          []string `xml:"Titles>StringAttributedValue>Value"`
}

// personaFields are the persona properties FindPeople asks for beyond the
// Default shape. Department and office are not in that shape; their
// FieldURIs are the plural, attributed forms (persona:Departments).
var personaFields = []string{
	"persona:PersonaType",
	"persona:DisplayName",
	"persona:GivenName",
	"persona:Surname",
	"persona:EmailAddress",
	"persona:Title",
	"persona:CompanyName",
	"persona:Departments",
	"persona:OfficeLocations",
}

// FindPeopleRequest is a directory (global address list) search.
type FindPeopleRequest struct {
	// Query is matched by Exchange's ambiguous name resolution against
	// names, aliases and addresses. Exchange does not allow browsing the
	// directory, so it must not be empty.
	Query string
	// Offset is the index of the first result, for paging.
	Offset int
	// Max is the page size, 1 to MaxPageSize; zero means 100.
	Max int
}

// FindPeopleResult is one page of a directory search.
type FindPeopleResult struct {
	People []Persona
	// TotalNumberOfPeopleInView counts all matches, not just this page.
	TotalNumberOfPeopleInView int
	FirstMatchingRowIndex     int
	// Offset is the request's offset, kept so that More can tell whether
	// pages remain.
	Offset int
}

// More reports whether matches remain after this page; the next page
// starts at r.Offset+len(r.People).
func (r *FindPeopleResult) More() bool {
	return len(r.People) > 0 && r.Offset+len(r.People) < r.TotalNumberOfPeopleInView
}

// Persona is a person, group or room as the directory describes it.
type Persona struct {
	PersonaID    string
	DisplayName  string
	GivenName    string
	Surname      string
	EmailAddress Mailbox
	// PersonaType is "Person", "DistributionList", "Room", "Group", ... as
	// Exchange reports it.
	PersonaType    string
	Title          string
	Department     string
	CompanyName    string
	OfficeLocation string
}

const defaultPeoplePage = 100

func newFindPeopleRequest(r *FindPeopleRequest) (*findPeopleRequest, error) {
	if r == nil {
		return nil, invalid("FindPeople", "request", "nil")
	}
	q := strings.TrimSpace(r.Query)
	if q == "" {
		return nil, invalid("FindPeople", "Query", "empty; the directory cannot be browsed")
	}
	if r.Offset < 0 {
		return nil, invalid("FindPeople", "Offset", "%d is negative", r.Offset)
	}
	max := r.Max
	if max == 0 {
		max = defaultPeoplePage
	}
	if max < 1 || max > MaxPageSize {
		return nil, invalid("FindPeople", "Max", "%d not in 1..%d", r.Max, MaxPageSize)
	}
	shape, err := itemShape(IdOnly, personaFields)
	if err != nil {
		return nil, err
	}
	return &findPeopleRequest{
		PersonaShape:   shape,
		View:           xmlIndexedPage{MaxEntriesReturned: max, Offset: r.Offset, BasePoint: "Beginning"},
		ParentFolderID: FolderID{Distinguished: "directory"}.xml(),
		QueryString:    q,
	}, nil
}

// FindPeople searches the global address list for r.Query and returns one
// page of matches, best first. It needs Exchange 2013 or later; older
// servers answer with a fault (use [Client.ResolveNames] there).
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findpeople-operation
func (c *Client) FindPeople(ctx context.Context, r *FindPeopleRequest) (*FindPeopleResult, error) {
	req, err := newFindPeopleRequest(r)
	if err != nil {
		return nil, err
	}
	var resp findPeopleResponse
	if err := c.call(ctx, "FindPeople", req, &resp); err != nil {
		return nil, err
	}
	return resp.result(r.Offset)
}

func (r *findPeopleResponse) result(offset int) (*FindPeopleResult, error) {
	if err := r.Err(); err != nil {
		return nil, wrapOp("FindPeople", err)
	}
	out := &FindPeopleResult{
		TotalNumberOfPeopleInView: r.TotalNumberOfPeopleInView,
		FirstMatchingRowIndex:     r.FirstMatchingRowIndex,
		Offset:                    offset,
	}
	for _, p := range r.People {
		out.People = append(out.People, p.toPersona())
	}
	return out, nil
}

func (p *xmlPersona) toPersona() Persona {
	return Persona{
		PersonaID:      p.PersonaID.ID,
		DisplayName:    p.DisplayName,
		GivenName:      p.GivenName,
		Surname:        p.Surname,
		EmailAddress:   p.EmailAddress,
		PersonaType:    p.PersonaType,
		Title:          firstNonEmpty(p.Title, p.Titles...),
		Department:     firstNonEmpty(p.Department, p.Departments...),
		CompanyName:    p.CompanyName,
		OfficeLocation: firstNonEmpty("", p.OfficeLocations...),
	}
}

// firstNonEmpty returns v if it is set, else the first non-empty of more.
func firstNonEmpty(v string, more ...string) string {
	if v != "" {
		return v
	}
	for _, s := range more {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
