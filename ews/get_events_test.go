package ews

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGetEventsRequest(t *testing.T) {
	checkRequestGolden(t, "GetEvents", &getEventsRequest{SubscriptionID: "f6bc657d-dde1-4f94-952d-143b95d6483d", Watermark: "AAAAAMAGAAAAAAAAAQ=="})
}

func TestGetEventsResponse(t *testing.T) {
	var r getEventsResponse
	if _, err := parseFixture(t, "GetEvents.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	parent := "AQApAH"
	want := &Notification{
		SubscriptionID:    "f6bc657d-dde1-4f94-952d-143b95d6483d",
		PreviousWatermark: "AAAAAMAGAAAAAAAAAQ==",
		MoreEvents:        true,
		// Document order, not grouped by kind.
		Events: []Event{
			{Kind: "NewMailEvent", Watermark: "AAAAAM4GAAAAAAAAAQ==", TimeStamp: time.Date(2006, 8, 22, 0, 36, 29, 0, time.UTC),
				ItemID: &ItemID{ID: "AQApAHR", ChangeKey: "CQAAAA=="}, ParentFolderID: parent},
			{Kind: "MovedEvent", Watermark: "AAAAANoGAAAAAAAAAQ==", TimeStamp: time.Date(2006, 8, 22, 0, 50, 2, 0, time.UTC),
				ItemID: &ItemID{ID: "AQApAHRz", ChangeKey: "CQAAAB=="}, ParentFolderID: "AQApAD",
				OldItemID: &ItemID{ID: "AQApAHR", ChangeKey: "CQAAAA=="}, OldParentFolderID: parent},
			{Kind: "NewMailEvent", Watermark: "AAAAAOQGAAAAAAAAAQ==", TimeStamp: time.Date(2006, 8, 22, 1, 0, 50, 0, time.UTC),
				ItemID: &ItemID{ID: "AQApAHRw", ChangeKey: "CQAAAA=="}, ParentFolderID: parent},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
}

func TestGetEventsResponseError(t *testing.T) {
	var r getEventsResponse
	if _, err := parseFixture(t, "GetEvents-error.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	if _, err := r.result(); Code(err) != "ErrorSubscriptionAccessDenied" {
		t.Fatalf("err = %v, want ErrorSubscriptionAccessDenied", err)
	}
}
