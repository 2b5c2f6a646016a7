package ews

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGetRoomListsRequest(t *testing.T) {
	checkRequestGolden(t, "GetRoomLists", &getRoomListsRequest{})
}

func TestGetRoomListsResponse(t *testing.T) {
	var r getRoomListsResponse
	sv, err := parseFixture(t, "GetRoomLists.response.xml", &r)
	if err != nil {
		t.Fatal(err)
	}
	if got := sv.Build(); got != "15.2.1544.4" || sv.Version != "V2017_07_11" {
		t.Errorf("server version = %s %s", got, sv.Version)
	}
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	want := []Mailbox{
		{Name: "台北 101 大樓", EmailAddress: "rooms.taipei101@contoso.com", RoutingType: "SMTP", MailboxType: "PublicDL"},
		{Name: "Zürich Prime Tower", EmailAddress: "rooms.zurich@contoso.com", RoutingType: "SMTP", MailboxType: "PublicDL"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("room lists (-want +got):\n%s", diff)
	}
}

func TestFaultServerBusy(t *testing.T) {
	var r getRoomListsResponse
	_, err := parseFixture(t, "fault-server-busy.response.xml", &r)
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want *Fault", err)
	}
	if Code(err) != "ErrorServerBusy" || !IsTransient(err) {
		t.Errorf("code %q transient %v", Code(err), IsTransient(err))
	}
	if d, ok := BackOff(err); !ok || d != 297749*time.Millisecond {
		t.Errorf("BackOff = %v, %v", d, ok)
	}
}
