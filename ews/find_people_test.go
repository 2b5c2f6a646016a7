package ews

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindPeopleRequest(t *testing.T) {
	req, err := newFindPeopleRequest(&FindPeopleRequest{Query: "Müller", Offset: 100, Max: 50})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "FindPeople", req)
}

func TestFindPeopleValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   *FindPeopleRequest
		field string // "" means valid
	}{
		{"nil", nil, "request"},
		{"empty query", &FindPeopleRequest{Query: "  "}, "Query"},
		{"negative offset", &FindPeopleRequest{Query: "王", Offset: -1}, "Offset"},
		{"negative max", &FindPeopleRequest{Query: "王", Max: -5}, "Max"},
		{"max too big", &FindPeopleRequest{Query: "王", Max: MaxPageSize + 1}, "Max"},
		{"default max", &FindPeopleRequest{Query: "王"}, ""},
		{"largest page", &FindPeopleRequest{Query: "王", Max: MaxPageSize}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := newFindPeopleRequest(tc.req)
			checkValidation(t, err, tc.field)
			if tc.field == "" && (req.View.MaxEntriesReturned < 1 || req.View.MaxEntriesReturned > MaxPageSize) {
				t.Errorf("page size %d", req.View.MaxEntriesReturned)
			}
		})
	}
}

// checkValidation asserts that err is a *ValidationError for field, or nil
// when field is empty.
func checkValidation(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != field || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %v, want *ValidationError for %s", err, field)
	}
}

var wantPeople = &FindPeopleResult{
	People: []Persona{
		{
			PersonaID: "AAUQAKxUyh6UYkxArmyr1vUuhXE=", DisplayName: "Jürgen Müller", GivenName: "Jürgen", Surname: "Müller",
			EmailAddress: Mailbox{Name: "Jürgen Müller", EmailAddress: "juergen.mueller@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
			PersonaType:  "Person", Title: "Leiter Gebäudemanagement", Department: "Facility Management",
			CompanyName: "Contoso Schweiz AG", OfficeLocation: "Zürich, Prime Tower 21",
		},
		{
			PersonaID: "AAUQAKxUyh6UYkxArmyr1vUuhXF=", DisplayName: "Besprechungsraum Müggelsee",
			EmailAddress: Mailbox{Name: "Besprechungsraum Müggelsee", EmailAddress: "room.mueggelsee@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
			PersonaType:  "Room",
		},
	},
	TotalNumberOfPeopleInView: 7,
	Offset:                    4,
}

func TestFindPeopleResponse(t *testing.T) {
	var r findPeopleResponse
	if _, err := parseFixture(t, "FindPeople.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result(4)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantPeople, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}

	var e findPeopleResponse
	if _, err := parseFixture(t, "FindPeople-error.response.xml", &e); err != nil {
		t.Fatal(err)
	}
	if _, err := e.result(0); Code(err) != "ErrorFolderNotFound" {
		t.Errorf("error fixture: err = %v, want ErrorFolderNotFound", err)
	}
}

func TestFindPeopleMore(t *testing.T) {
	two := []Persona{{}, {}}
	for _, tc := range []struct {
		offset, total int
		people        []Persona
		want          bool
	}{
		{0, 7, two, true},
		{5, 7, two, false},
		{4, 7, two, true},
		{0, 2, two, false},
		{0, 7, nil, false}, // an empty page never promises more
	} {
		r := &FindPeopleResult{People: tc.people, TotalNumberOfPeopleInView: tc.total, Offset: tc.offset}
		if got := r.More(); got != tc.want {
			t.Errorf("offset %d, %d of %d: More() = %v, want %v", tc.offset, len(tc.people), tc.total, got, tc.want)
		}
	}
}

func TestFindPeopleClient(t *testing.T) {
	c, fs := newFixtureClient(t, "FindPeople.response.xml")
	got, err := c.FindPeople(context.Background(), &FindPeopleRequest{Query: "Mü", Offset: 4, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantPeople, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	fs.check(t, c, "FindPeople")
}
