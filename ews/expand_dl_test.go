package ews

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpandDLRequest(t *testing.T) {
	req, err := newExpandDLRequest("facility.zurich@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "ExpandDL", req)
	if _, err := newExpandDLRequest(" "); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty address: err = %v, want ErrInvalidRequest", err)
	}
}

var wantDLMembers = []Mailbox{
	{Name: "王小明", EmailAddress: "xiaoming.wang@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
	{Name: "Jürgen Müller", EmailAddress: "juergen.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
	{Name: "Facility Team Zürich", EmailAddress: "facility.zurich@contoso.com", RoutingType: "SMTP", MailboxType: "PublicDL"},
}

func TestExpandDLResponse(t *testing.T) {
	for _, tc := range []struct {
		file     string
		want     []Mailbox
		wantCode string
	}{
		{"ExpandDL.response.xml", wantDLMembers, ""},
		{"ExpandDL-error.response.xml", nil, "ErrorNameResolutionNoResults"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var r expandDLResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			got, err := r.result()
			if Code(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandDLNoMessage(t *testing.T) {
	var r expandDLResponse
	if _, err := r.result(); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty response: err = %v, want ErrMalformed", err)
	}
}

func TestExpandDLClient(t *testing.T) {
	c, fs := newFixtureClient(t, "ExpandDL.response.xml")
	got, err := c.ExpandDL(context.Background(), "facility@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantDLMembers, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	fs.check(t, c, "ExpandDL")
}
