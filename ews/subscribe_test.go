package ews

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var roomCalendars = []FolderID{
	CalendarOf("room.taipei-101@contoso.com"),
	{ID: "AQMkADkzNjJjODUzLWZhMDMtNDVkMS05ZDdjLWVmMDlkYjQ1Zjc4MwAuAAADUkllSq5hlEyRPjFSL6H4JQEA2RgAmUKUoEqcjZHsWHtm+wAAAgENAAAA", ChangeKey: "AQAAAA=="},
}

func TestSubscribeRequest(t *testing.T) {
	tests := []struct {
		golden string
		req    SubscribeRequest
	}{
		{"Subscribe-streaming", SubscribeRequest{Kind: Streaming, Folders: roomCalendars}},
		{"Subscribe-pull", SubscribeRequest{Kind: Pull, Folders: roomCalendars[:1], EventTypes: []string{"CreatedEvent", "DeletedEvent"}, Watermark: "AAAAAHgGAAAAAAAAAQ==", Timeout: 10 * time.Minute}},
		{"Subscribe-push", SubscribeRequest{Kind: Push, Folders: roomCalendars[:1], StatusFrequency: time.Minute, URL: "https://hub.contoso.com/ews/push?mailbox=room.zürich"}},
		{"Subscribe-all-folders", SubscribeRequest{Kind: Pull, Timeout: 1440 * time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			req, err := newSubscribeRequest(&tc.req)
			if err != nil {
				t.Fatal(err)
			}
			checkRequestGolden(t, tc.golden, req)
		})
	}
}

func TestSubscribeRequestInvalid(t *testing.T) {
	tests := []struct {
		name  string
		req   SubscribeRequest
		field string
	}{
		{"pull timeout zero", SubscribeRequest{Kind: Pull}, "Timeout"},
		{"pull timeout too long", SubscribeRequest{Kind: Pull, Timeout: 1441 * time.Minute}, "Timeout"},
		{"pull timeout fraction", SubscribeRequest{Kind: Pull, Timeout: 90 * time.Second}, "Timeout"},
		{"push frequency", SubscribeRequest{Kind: Push, URL: "https://hub.contoso.com/push", StatusFrequency: 0}, "StatusFrequency"},
		{"push frequency too long", SubscribeRequest{Kind: Push, URL: "https://hub.contoso.com/push", StatusFrequency: 25 * time.Hour}, "StatusFrequency"},
		{"push no url", SubscribeRequest{Kind: Push, StatusFrequency: time.Minute}, "URL"},
		{"push relative url", SubscribeRequest{Kind: Push, StatusFrequency: time.Minute, URL: "/push"}, "URL"},
		{"streaming watermark", SubscribeRequest{Kind: Streaming, Watermark: "AAAA"}, "Watermark"},
		{"status event", SubscribeRequest{EventTypes: []string{"StatusEvent"}}, "EventTypes"},
		{"bad kind", SubscribeRequest{Kind: 7}, "Kind"},
		{"empty folder", SubscribeRequest{Folders: []FolderID{{Mailbox: "room@contoso.com"}}}, "Folders[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newSubscribeRequest(&tc.req)
			var ae *ValidationError
			if !errors.As(err, &ae) || ae.Field != tc.field || ae.Op != "Subscribe" {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
}

func TestSubscribeResponse(t *testing.T) {
	tests := []struct {
		file string
		want *Subscription
	}{
		{"Subscribe.response.xml", &Subscription{ID: "39ea5d0f-f062-455e-a1e9-89c0304390f4", Watermark: "AAAAAHgGAAAAAAAAAQ=="}},
		{"Subscribe-streaming.response.xml", &Subscription{ID: "JgBibjFwcjAzbWIyMDIubmFtcHJkMDMucHJvZC5vdXRsb29rLmNvbRAAAADwXxVesOnHS5BxUHKwAW88SHjwd1iB0Ag="}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var r subscribeResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			got, err := r.result()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("subscription (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubscribeResponseError(t *testing.T) {
	var r subscribeResponse
	if _, err := parseFixture(t, "Subscribe-error.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	_, err := r.result()
	if Code(err) != "ErrorSubscriptionDelegateAccessNotSupported" {
		t.Fatalf("err = %v", err)
	}
}

func TestUnsubscribeRequest(t *testing.T) {
	checkRequestGolden(t, "Unsubscribe", &unsubscribeRequest{SubscriptionID: "e6fbf5c1-7e26-4bc6-a5f2-882063d5e34e"})
}

func TestUnsubscribeResponse(t *testing.T) {
	tests := []struct{ file, code string }{
		{"Unsubscribe.response.xml", ""},
		{"Unsubscribe-error.response.xml", "ErrorSubscriptionNotFound"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var r unsubscribeResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			err := r.result()
			if Code(err) != tc.code || (tc.code == "") != (err == nil) {
				t.Fatalf("err = %v, want code %q", err, tc.code)
			}
		})
	}
}
