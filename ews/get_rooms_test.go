package ews

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetRoomsRequest(t *testing.T) {
	req, err := newGetRoomsRequest(" rooms.taipei101@contoso.com ")
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "GetRooms", req)
}

func TestGetRoomsValidation(t *testing.T) {
	for _, in := range []string{"", "   "} {
		if _, err := newGetRoomsRequest(in); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("newGetRoomsRequest(%q) err = %v, want ErrInvalidRequest", in, err)
		}
	}
}

var wantRooms = []Mailbox{
	{Name: "會議室 35F-A（觀景）", EmailAddress: "room.35f-a@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
	{Name: "Besprechungsraum Größenwahn", EmailAddress: "room.groessenwahn@contoso.com", RoutingType: "SMTP", MailboxType: "Mailbox"},
}

func TestGetRoomsResponse(t *testing.T) {
	for _, tc := range []struct {
		file     string
		want     []Mailbox
		wantCode string
	}{
		{"GetRooms.response.xml", wantRooms, ""},
		{"GetRooms-error.response.xml", nil, "ErrorNameResolutionNoResults"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var r getRoomsResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			got, err := r.result()
			if Code(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			var re *ResponseError
			if tc.wantCode != "" && (!errors.As(err, &re) || re.Message != "No results were found.") {
				t.Errorf("err = %#v, want *ResponseError with MessageText", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rooms (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetRoomsClient(t *testing.T) {
	c, fs := newFixtureClient(t, "GetRooms.response.xml")
	got, err := c.GetRooms(context.Background(), "rooms.taipei101@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRooms, got); diff != "" {
		t.Errorf("rooms (-want +got):\n%s", diff)
	}
	fs.check(t, c, "GetRooms")
}
