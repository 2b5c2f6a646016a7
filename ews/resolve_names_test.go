package ews

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolveNamesRequest(t *testing.T) {
	req, err := newResolveNamesRequest("Müller", true)
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "ResolveNames", req)
	if _, err := newResolveNamesRequest("\t", false); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("blank name: err = %v, want ErrInvalidRequest", err)
	}
}

var wantMeiling = []Resolution{{
	Mailbox: Mailbox{Name: "陳美玲", EmailAddress: "meiling.chen@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
	Contact: &Contact{
		DisplayName: "陳美玲", GivenName: "美玲", Surname: "陳", CompanyName: "Contoso 台灣",
		Department: "設施管理部", JobTitle: "行政經理", OfficeLocation: "台北 101 35F",
	},
}}

func TestResolveNamesResponse(t *testing.T) {
	for _, tc := range []struct {
		file     string
		want     []Resolution
		wantCode string
	}{
		{"ResolveNames.response.xml", wantMeiling, ""},
		{"ResolveNames-multiple.response.xml", []Resolution{
			{Mailbox: Mailbox{Name: "Jürgen Müller", EmailAddress: "juergen.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"}},
			{Mailbox: Mailbox{Name: "Müller-Lüdenscheidt, Käthe", EmailAddress: "kaethe.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"}},
		}, ""},
		{"ResolveNames-noresults.response.xml", nil, ""},
		{"ResolveNames-error.response.xml", nil, "ErrorADUnavailable"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var r resolveNamesResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			got, err := r.result()
			if Code(err) != tc.wantCode || (tc.wantCode == "") != (err == nil) {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resolutions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveNamesClient(t *testing.T) {
	c, fs := newFixtureClient(t, "ResolveNames.response.xml")
	got, err := c.ResolveNames(context.Background(), "陳", true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantMeiling, got); diff != "" {
		t.Errorf("resolutions (-want +got):\n%s", diff)
	}
	fs.check(t, c, "ResolveNames")
}
