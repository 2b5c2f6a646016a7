package ews

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// taipei is where the golden meetings take place.
var taipei = time.FixedZone("Asia/Taipei", 8*3600)

func goldenMeeting() *CreateMeetingRequest {
	return &CreateMeetingRequest{
		Folder:               CalendarOf("juergen.mueller@contoso.com"),
		Subject:              "季度規劃 / Quartalsplanung",
		Body:                 "Gebucht am Kiosk vor 台北 101 會議室 <A&B>",
		Start:                time.Date(2026, 3, 2, 14, 0, 0, 0, taipei),
		End:                  time.Date(2026, 3, 2, 15, 0, 0, 0, taipei),
		Location:             "台北 101 會議室",
		Required:             []string{"juergen.mueller@contoso.com", "wang.xiaoming@contoso.com"},
		Optional:             []string{"zhang.wei@contoso.com"},
		Resources:            []string{"room.taipei-101@contoso.com"},
		Sensitivity:          "Normal",
		LegacyFreeBusyStatus: "Busy",
	}
}

func TestCreateItemRequest(t *testing.T) {
	req, err := newCreateItemRequest(goldenMeeting())
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "CreateItem", req)

	minimal := &CreateMeetingRequest{
		Start:     time.Date(2026, 3, 2, 0, 0, 0, 0, taipei),
		End:       time.Date(2026, 3, 3, 0, 0, 0, 0, taipei),
		Resources: []string{"room.zurich-prime@contoso.com"},
		IsAllDay:  true,
	}
	req, err = newCreateItemRequest(minimal)
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "CreateItem-minimal", req)
	if req.SendMeetingInvitations != "SendToAllAndSaveCopy" || req.SavedItemFolderID != nil {
		t.Errorf("defaults: send %q folder %v", req.SendMeetingInvitations, req.SavedItemFolderID)
	}
}

func TestCreateItemRequestInvalid(t *testing.T) {
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, taipei)
	tests := []struct {
		name  string
		edit  func(m *CreateMeetingRequest)
		field string
	}{
		{"no start", func(m *CreateMeetingRequest) { m.Start = time.Time{} }, "Start/End"},
		{"end before start", func(m *CreateMeetingRequest) { m.Start, m.End = start, start.Add(-time.Minute) }, "End"},
		{"empty duration", func(m *CreateMeetingRequest) { m.Start, m.End = start, start }, "End"},
		{"bad send", func(m *CreateMeetingRequest) { m.SendInvitations = "SendToAll" }, "SendInvitations"},
		{"bad sensitivity", func(m *CreateMeetingRequest) { m.Sensitivity = "Secret" }, "Sensitivity"},
		{"bad free/busy", func(m *CreateMeetingRequest) { m.LegacyFreeBusyStatus = "Away" }, "LegacyFreeBusyStatus"},
		{"empty resource", func(m *CreateMeetingRequest) { m.Resources = []string{""} }, "Resources"},
		{"folder without id", func(m *CreateMeetingRequest) { m.Folder = FolderID{Mailbox: "juergen.mueller@contoso.com"} }, "Folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenMeeting()
			tc.edit(m)
			_, err := newCreateItemRequest(m)
			var ae *ValidationError
			if !errors.As(err, &ae) || ae.Field != tc.field || ae.Op != "CreateItem" {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
}

func TestCreateItemResponse(t *testing.T) {
	var r createItemResponse
	if _, err := parseFixture(t, "CreateItem.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	want := ItemID{
		ID:        "AAMkAGQ3ZWI1NmE1LTk2ZTgtNGNlZS1hM2M2LTE0ZDFhNjQ1ZmM5MQBGAAAAAAC9jbQ0AAA=",
		ChangeKey: "DwAAABYAAAB2kG0cK2vFQ7oEHvSaP9rXAAAA8Yx1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item id (-want +got):\n%s", diff)
	}
}

func TestCreateItemResponseError(t *testing.T) {
	var r createItemResponse
	if _, err := parseFixture(t, "CreateItem-error.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	_, err := r.result()
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "ErrorFolderNotFound" {
		t.Fatalf("err = %v, want ErrorFolderNotFound", err)
	}
	if re.Message != "The specified folder could not be found in the store." {
		t.Errorf("message = %q", re.Message)
	}
}
