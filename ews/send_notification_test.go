package ews

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

func TestParsePushNotification(t *testing.T) {
	folder := "AAB2L089bS1kNDgxOGYwOGE5OTQ0="
	tests := []struct {
		file string
		want *Notification
	}{
		{"SendNotification.notification.xml", &Notification{
			SubscriptionID:    "83826921-afdf-48be-b469-628cc02b5f49",
			PreviousWatermark: "ygwAAAAAAAA=",
			Events: []Event{
				{Kind: "ModifiedEvent", Watermark: "ywwAAAAAAAA=", TimeStamp: time.Date(2018, 2, 2, 15, 15, 14, 0, time.UTC),
					FolderID: folder, ParentFolderID: "AAB2L089bS1kNDgxOGYwOGE="},
				{Kind: "FreeBusyChangedEvent", Watermark: "zAwAAAAAAAA=", TimeStamp: time.Date(2018, 2, 2, 15, 15, 15, 0, time.UTC),
					ItemID: &ItemID{ID: "AAB2L089bS1kNDgxOGYwOGE5OTQ0ITEM=", ChangeKey: "DwAAABYA"}, ParentFolderID: folder},
			},
		}},
		{"SendNotification-status.notification.xml", &Notification{
			SubscriptionID:    "FwB0ZXN0LW1haWwyLm1zZnQudmlydHVhbBAAAABzUd2ea9nSRZxccnlZiYGL",
			PreviousWatermark: "AQAAAE0NHLpGbA9HjwSmPXXJyw5makMAAAAAAAE=",
			Events:            []Event{{Kind: "StatusEvent", Watermark: "AQAAAE0NHLpGbA9HjwSmPXXJyw5oakMAAAAAAAE="}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParsePushNotification(bytes.NewReader(readFixture(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("notification (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePushNotificationInvalid(t *testing.T) {
	valid := string(readFixture(t, "SendNotification.notification.xml"))
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"not xml", "hello", ErrMalformed},
		{"truncated", valid[:len(valid)/2], ErrMalformed},
		{"too large", strings.Replace(valid, "<soap:Body>", "<soap:Body><!--"+strings.Repeat("x", MaxPushNotificationBytes)+"-->", 1), ErrTooLarge},
		{"no message", strings.Replace(valid, "SendNotificationResponseMessage", "OtherMessage", 2), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePushNotification(strings.NewReader(tc.body))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPushNotificationResult(t *testing.T) {
	for _, tc := range []struct {
		name        string
		unsubscribe bool
		status      string
	}{{"OK", false, "<m:SubscriptionStatus>OK<"}, {"Unsubscribe", true, "<m:SubscriptionStatus>Unsubscribe<"}} {
		t.Run(tc.name, func(t *testing.T) {
			got := PushNotificationResult(tc.unsubscribe)
			path := filepath.Join("testdata", "SendNotificationResult-"+tc.name+".xml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || !bytes.Contains(got, []byte(tc.status)) {
				t.Errorf("result differs from %s:\n%s", path, got)
			}
			xsdcheck.Require(t)
			if err := xsdcheck.Envelope(got); err != nil {
				t.Errorf("result fails schema validation: %v", err)
			}
		})
	}
}

// TestNotificationFixturesValidate keeps the fixtures of this file group
// honest: each must be a schema-valid envelope, as Exchange's are.
func TestNotificationFixturesValidate(t *testing.T) {
	xsdcheck.Require(t)
	var files []string
	for _, p := range []string{"CreateItem*.response.xml", "UpdateItem*.response.xml", "DeleteItem*.response.xml",
		"Subscribe*.response.xml", "GetEvents*.response.xml", "Unsubscribe*.response.xml",
		"GetStreamingEvents*.response.xml", "SendNotification*.notification.xml"} {
		m, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 15 {
		t.Fatalf("found only %d fixtures", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := xsdcheck.Envelope(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
