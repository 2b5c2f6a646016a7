package ews

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSyncFolderItemsRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  *SyncFolderItemsRequest
	}{
		{"SyncFolderItems-initial", &SyncFolderItemsRequest{Folder: CalendarOf("room.groessenwahn@contoso.com"), MaxChanges: MaxSyncChanges}},
		{"SyncFolderItems", &SyncFolderItemsRequest{
			Folder:     FolderID{ID: "AAMkADk0Zj", ChangeKey: "AgAAABYA"},
			SyncState:  "H4sIAAAAAAAEAO29B2AcSZY=",
			MaxChanges: 100,
			Shape:      IdOnly,
			Fields:     CalendarViewFields,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := newSyncFolderItemsRequest(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			checkRequestGolden(t, tc.name, req)
		})
	}
}

func TestSyncFolderItemsValidation(t *testing.T) {
	cal := CalendarOf("")
	for _, tc := range []struct {
		name  string
		req   *SyncFolderItemsRequest
		field string
	}{
		{"nil", nil, "request"},
		{"no folder", &SyncFolderItemsRequest{MaxChanges: 10}, "Folder"},
		{"zero max", &SyncFolderItemsRequest{Folder: cal}, "MaxChanges"},
		{"negative max", &SyncFolderItemsRequest{Folder: cal, MaxChanges: -1}, "MaxChanges"},
		{"max too big", &SyncFolderItemsRequest{Folder: cal, MaxChanges: 513}, "MaxChanges"},
		{"min", &SyncFolderItemsRequest{Folder: cal, MaxChanges: 1}, ""},
		{"max", &SyncFolderItemsRequest{Folder: cal, MaxChanges: 512}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newSyncFolderItemsRequest(tc.req)
			checkValidation(t, err, tc.field)
		})
	}
}

var wantSync = &SyncFolderItemsResult{
	SyncState: "H4sIAAAAAAAEAO29B2AcSZY=",
	Changes: []ItemChange{
		{Kind: ChangeCreate, ItemID: ItemID{ID: "AAMkNew1", ChangeKey: "DwAAABYE"}, Item: &CalendarItem{
			ItemID: ItemID{ID: "AAMkNew1", ChangeKey: "DwAAABYE"}, Subject: "新產品發表會彩排", Sensitivity: "Normal",
			Start: time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC),
			LegacyFreeBusyStatus: "Busy", Location: "會議室 35F-A（觀景）", CalendarItemType: "Single",
		}},
		{Kind: ChangeUpdate, ItemID: ItemID{ID: "AAMkADk1", ChangeKey: "DwAAABYF"}, Item: &CalendarItem{
			ItemID: ItemID{ID: "AAMkADk1", ChangeKey: "DwAAABYF"}, Subject: "季度業務檢討（延期）",
			Start: time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 2, 30, 0, 0, time.UTC),
			CalendarItemType: "Single",
		}},
		{Kind: ChangeCreate, ItemID: ItemID{ID: "AAMkReq1", ChangeKey: "CwAAABYA"}},
		{Kind: ChangeDelete, ItemID: ItemID{ID: "AAMkOld1", ChangeKey: "DwAAABYG"}},
		{Kind: ChangeReadFlag, ItemID: ItemID{ID: "AAMkADk1", ChangeKey: "DwAAABYH"}},
	},
}

func TestSyncFolderItemsResponse(t *testing.T) {
	var r syncFolderItemsResponse
	if _, err := parseFixture(t, "SyncFolderItems.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantSync, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestSyncFolderItemsInvalidSyncState(t *testing.T) {
	var r syncFolderItemsResponse
	if _, err := parseFixture(t, "SyncFolderItems-error.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.result()
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "ErrorInvalidSyncStateData" || got != nil {
		t.Fatalf("result = %v, %v; want *ResponseError ErrorInvalidSyncStateData", got, err)
	}
	if IsTransient(err) {
		t.Error("ErrorInvalidSyncStateData reported as transient; retrying cannot fix it")
	}
}

func TestSyncFolderItemsMalformedChanges(t *testing.T) {
	// A truncated answer must fail as ErrMalformed, not panic or succeed.
	full := string(readFixture(t, "SyncFolderItems.response.xml"))
	cut := full[:strings.Index(full, "<t:Delete>")+len("<t:Delete><t:Item")]
	var r syncFolderItemsResponse
	if _, err := parseEnvelope(strings.NewReader(cut), &r); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: err = %v, want ErrMalformed", err)
	}
}

func TestChangeKindString(t *testing.T) {
	for k, want := range map[ChangeKind]string{ChangeCreate: "Create", ChangeUpdate: "Update", ChangeDelete: "Delete", ChangeReadFlag: "ReadFlagChange", 0: "ChangeKind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestSyncFolderItemsClient(t *testing.T) {
	c, fs := newFixtureClient(t, "SyncFolderItems-error.response.xml")
	_, err := c.SyncFolderItems(context.Background(), &SyncFolderItemsRequest{
		Folder: CalendarOf("room.groessenwahn@contoso.com"), SyncState: "stale", MaxChanges: 512,
	})
	if Code(err) != "ErrorInvalidSyncStateData" {
		t.Fatalf("err = %v, want ErrorInvalidSyncStateData", err)
	}
	fs.check(t, c, "SyncFolderItems")

	c, fs = newFixtureClient(t, "SyncFolderItems.response.xml")
	got, err := c.SyncFolderItems(context.Background(), &SyncFolderItemsRequest{Folder: CalendarOf(""), MaxChanges: 5})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantSync, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	fs.check(t, c, "SyncFolderItems")
}
