package ews

import (
	"context"
	"encoding/xml"
	"strings"
)

type resolveNamesRequest struct {
	XMLName               xml.Name `xml:"m:ResolveNames"`
	ReturnFullContactData bool     `xml:"ReturnFullContactData,attr"`
	SearchScope           string   `xml:"SearchScope,attr"`
	UnresolvedEntry       string   `xml:"m:UnresolvedEntry"`
}

type resolveNamesResponse struct {
	Messages []resolveNamesMessage `xml:"ResponseMessages>ResolveNamesResponseMessage"`
}

type resolveNamesMessage struct {
	ResponseMessage
	Resolutions []struct {
		Mailbox Mailbox  `xml:"Mailbox"`
		Contact *Contact `xml:"Contact"`
	} `xml:"ResolutionSet>Resolution"`
}

// Resolution is one candidate for a name given to [Client.ResolveNames].
type Resolution struct {
	Mailbox Mailbox
	// Contact holds directory data when full contact data was requested
	// and Exchange found the entry in Active Directory; otherwise nil.
	Contact *Contact
}

// Contact is the directory data of a resolved name.
type Contact struct {
	DisplayName    string `xml:"DisplayName"`
	GivenName      string `xml:"GivenName"`
	Surname        string `xml:"Surname"`
	CompanyName    string `xml:"CompanyName"`
	Department     string `xml:"Department"`
	JobTitle       string `xml:"JobTitle"`
	OfficeLocation string `xml:"OfficeLocation"`
}

func newResolveNamesRequest(unresolved string, fullContactData bool) (*resolveNamesRequest, error) {
	unresolved = strings.TrimSpace(unresolved)
	if unresolved == "" {
		return nil, invalid("ResolveNames", "unresolved", "empty name")
	}
	return &resolveNamesRequest{
		ReturnFullContactData: fullContactData,
		// Only the directory: the default scope also searches the
		// contacts folder of the calling account, whose private entries
		// are not addresses Roomboard can book or display.
		SearchScope:     "ActiveDirectory",
		UnresolvedEntry: unresolved,
	}, nil
}

// ResolveNames looks up unresolved (a display name, alias, or SMTP address;
// a prefix such as "Mül" or "王" matches by ambiguous name resolution) in
// the directory and returns every candidate, at most 100. With
// fullContactData, each candidate also carries its [Contact] data.
//
// Several candidates are not an error: Exchange flags them with the warning
// ErrorNameResolutionMultipleResults, and ResolveNames returns them all. No
// candidate at all (ErrorNameResolutionNoResults) returns nil, nil, so
// callers treat "nobody" like an empty search.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/resolvenames-operation
func (c *Client) ResolveNames(ctx context.Context, unresolved string, fullContactData bool) ([]Resolution, error) {
	req, err := newResolveNamesRequest(unresolved, fullContactData)
	if err != nil {
		return nil, err
	}
	var r resolveNamesResponse
	if err := c.call(ctx, "ResolveNames", req, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *resolveNamesResponse) result() ([]Resolution, error) {
	m, err := single("ResolveNames", r.Messages)
	if err != nil {
		return nil, err
	}
	if err := m.Err(); err != nil {
		if Code(err) == "ErrorNameResolutionNoResults" {
			return nil, nil
		}
		return nil, wrapOp("ResolveNames", err)
	}
	var out []Resolution
	for _, res := range m.Resolutions {
		out = append(out, Resolution{Mailbox: res.Mailbox, Contact: res.Contact})
	}
	return out, nil
}
