package ews

import (
	"context"
	"encoding/xml"
	"strings"
)

type expandDLRequest struct {
	XMLName xml.Name   `xml:"m:ExpandDL"`
	Mailbox xmlMailbox `xml:"m:Mailbox"`
}

type expandDLResponse struct {
	Messages []expandDLMessage `xml:"ResponseMessages>ExpandDLResponseMessage"`
}

type expandDLMessage struct {
	ResponseMessage
	Members []Mailbox `xml:"DLExpansion>Mailbox"`
}

func newExpandDLRequest(smtp string) (*expandDLRequest, error) {
	smtp = strings.TrimSpace(smtp)
	if smtp == "" {
		return nil, invalid("ExpandDL", "smtp", "empty address")
	}
	return &expandDLRequest{Mailbox: xmlMailbox{EmailAddress: smtp}}, nil
}

// ExpandDL returns the direct members of the distribution group smtp.
// Nested groups come back as members with MailboxType "PublicDL"; Exchange
// does not expand them, so a caller that wants people recurses itself (and
// guards against cycles). Room lists are distribution groups too, which
// makes ExpandDL a fallback for [Client.GetRooms].
//
// A group that does not exist yields a [*ResponseError] with code
// ErrorNameResolutionNoResults; some Exchange versions answer an empty
// success instead.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/expanddl-operation
func (c *Client) ExpandDL(ctx context.Context, smtp string) ([]Mailbox, error) {
	req, err := newExpandDLRequest(smtp)
	if err != nil {
		return nil, err
	}
	var r expandDLResponse
	if err := c.call(ctx, "ExpandDL", req, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *expandDLResponse) result() ([]Mailbox, error) {
	m, err := single("ExpandDL", r.Messages)
	if err != nil {
		return nil, err
	}
	if err := m.Err(); err != nil {
		return nil, wrapOp("ExpandDL", err)
	}
	return m.Members, nil
}
