package ews

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUpdateItemRequest(t *testing.T) {
	end := time.Date(2026, 3, 2, 15, 30, 0, 0, taipei)
	start := end.Add(-90 * time.Minute)
	subject, location := "Quartalsplanung (verlängert)", ""
	id := ItemID{ID: "AAMkAGQ3ZWI1NmE1LTk2ZTgtNGNlZS1hM2M2LTE0ZDFhNjQ1ZmM5MQBGAAAAAAC9jbQ0AAA=", ChangeKey: "DwAAABYAAAB2kG0cK2vFQ7oEHvSaP9rXAAAA8Yx1"}
	req, err := newUpdateItemRequest(&UpdateMeetingRequest{
		ID: id, Start: &start, End: &end, Subject: &subject, Location: &location,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "UpdateItem", req)

	// Ending a meeting early: only End, nothing sent to attendees.
	req, err = newUpdateItemRequest(&UpdateMeetingRequest{ID: id, End: &end, SendUpdates: "SendToNone", ConflictResolution: "NeverOverwrite"})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "UpdateItem-end", req)
}

func TestUpdateItemRequestInvalid(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, taipei)
	earlier := now.Add(-time.Hour)
	id := ItemID{ID: "AAMk", ChangeKey: "DwAA"}
	tests := []struct {
		name  string
		req   *UpdateMeetingRequest
		field string
	}{
		{"nil", nil, "request"},
		{"no id", &UpdateMeetingRequest{End: &now}, "ID"},
		{"nothing", &UpdateMeetingRequest{ID: id}, "request"},
		{"end before start", &UpdateMeetingRequest{ID: id, Start: &now, End: &earlier}, "End"},
		{"zero start", &UpdateMeetingRequest{ID: id, Start: &time.Time{}}, "Start"},
		{"bad conflict", &UpdateMeetingRequest{ID: id, End: &now, ConflictResolution: "Overwrite"}, "ConflictResolution"},
		{"bad send", &UpdateMeetingRequest{ID: id, End: &now, SendUpdates: "SendToAll"}, "SendUpdates"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newUpdateItemRequest(tc.req)
			var ae *ValidationError
			if !errors.As(err, &ae) || ae.Field != tc.field {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
}

func TestUpdateItemResponse(t *testing.T) {
	var r updateItemResponse
	if _, err := parseFixture(t, "UpdateItem.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	want := ItemID{ID: "AAMkAGQ3ZWI1NmE1LTk2ZTgtNGNlZS1hM2M2LTE0ZDFhNjQ1ZmM5MQBGAAAAAAC9jbQ0AAA=", ChangeKey: "DwAAABYAAAB2kG0cK2vFQ7oEHvSaP9rXAAAA8Yx2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item id (-want +got):\n%s", diff)
	}
}

func TestUpdateItemResponseErrors(t *testing.T) {
	tests := []struct{ file, code string }{
		{"UpdateItem-conflict.response.xml", "ErrorIrresolvableConflict"},
		{"UpdateItem-changekey.response.xml", "ErrorChangeKeyRequiredForWriteOperations"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			var r updateItemResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			_, err := r.result()
			var re *ResponseError
			if !errors.As(err, &re) || re.Code != tc.code {
				t.Fatalf("err = %v, want *ResponseError %s", err, tc.code)
			}
			if IsTransient(err) {
				t.Errorf("%s must not be transient: retrying the same write cannot succeed", tc.code)
			}
		})
	}
}
