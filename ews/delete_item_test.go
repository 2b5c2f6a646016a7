package ews

import (
	"errors"
	"testing"
)

var deleteIDs = []ItemID{
	{ID: "AAMkAGQ3ZWI1NmE1LTk2ZTgtNGNlZS1hM2M2LTE0ZDFhNjQ1ZmM5MQBGAAAAAAC9jbQ0AAA=", ChangeKey: "DwAAABYAAAB2kG0cK2vFQ7oEHvSaP9rXAAAA8Yx2"},
	{ID: "AS4AUn=="},
}

func TestDeleteItemRequest(t *testing.T) {
	req, err := newDeleteItemRequest(deleteIDs, DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "DeleteItem", req)
	req, err = newDeleteItemRequest(deleteIDs[1:], DeleteOptions{DeleteType: "HardDelete", SendCancellations: "SendToNone"})
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "DeleteItem-hard", req)
}

func TestDeleteItemRequestInvalid(t *testing.T) {
	tests := []struct {
		name  string
		ids   []ItemID
		opts  DeleteOptions
		field string
	}{
		{"bad type", deleteIDs, DeleteOptions{DeleteType: "Purge"}, "DeleteType"},
		{"bad send", deleteIDs, DeleteOptions{SendCancellations: "SendOnlyToChanged"}, "SendCancellations"},
		{"empty id", []ItemID{{}}, DeleteOptions{}, "ids[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newDeleteItemRequest(tc.ids, tc.opts)
			var ae *ValidationError
			if !errors.As(err, &ae) || ae.Field != tc.field {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
}

func TestDeleteItemResponse(t *testing.T) {
	var r deleteItemResponse
	if _, err := parseFixture(t, "DeleteItem.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	errs, err := r.result(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 || errs[0] != nil {
		t.Fatalf("errs = %v, want [nil, ErrorItemNotFound]", errs)
	}
	if Code(errs[1]) != "ErrorItemNotFound" {
		t.Errorf("errs[1] = %v, want ErrorItemNotFound", errs[1])
	}
	// A response that does not match the request is malformed, not a
	// partial success.
	if _, err := r.result(3); !errors.Is(err, ErrMalformed) {
		t.Errorf("result(3) = %v, want ErrMalformed", err)
	}
}
