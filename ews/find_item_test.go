package ews

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	viewStart = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)
	viewEnd   = viewStart.Add(60 * 24 * time.Hour)
)

func TestFindItemRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  *FindItemRequest
	}{
		{"FindItem-CalendarView", &FindItemRequest{
			Folder:       CalendarOf("room.35f-a@contoso.com"),
			CalendarView: &CalendarView{Start: viewStart.In(time.FixedZone("CST", 8*3600)), End: viewEnd, MaxEntries: 1000},
			Shape:        IdOnly,
			Fields:       CalendarViewFields,
		}},
		{"FindItem-Indexed", &FindItemRequest{
			Folder: FolderID{ID: "AAMkADk0Zj", ChangeKey: "AgAAABYA"},
			Page:   &IndexedPage{Offset: 1000, Max: 500},
			Shape:  Default,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := newFindItemRequest(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			checkRequestGolden(t, tc.name, req)
		})
	}
}

func TestFindItemValidation(t *testing.T) {
	cal := CalendarOf("")
	for _, tc := range []struct {
		name  string
		req   *FindItemRequest
		field string
	}{
		{"nil", nil, "request"},
		{"no folder", &FindItemRequest{CalendarView: &CalendarView{Start: viewStart, End: viewEnd}}, "Folder"},
		{"no view", &FindItemRequest{Folder: cal}, "CalendarView"},
		{"both views", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewStart, End: viewEnd}, Page: &IndexedPage{}}, "CalendarView"},
		{"zero start", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{End: viewEnd}}, "CalendarView"},
		{"end before start", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewEnd, End: viewStart}}, "CalendarView"},
		{"empty window", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewStart, End: viewStart}}, "CalendarView"},
		{"over two years", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewStart, End: viewStart.Add(MaxCalendarViewSpan + time.Second)}}, "CalendarView"},
		{"exactly the limit", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewStart, End: viewStart.Add(MaxCalendarViewSpan)}}, ""},
		{"negative max", &FindItemRequest{Folder: cal, CalendarView: &CalendarView{Start: viewStart, End: viewEnd, MaxEntries: -1}}, "CalendarView"},
		{"negative offset", &FindItemRequest{Folder: cal, Page: &IndexedPage{Offset: -1}}, "Page"},
		{"bad shape", &FindItemRequest{Folder: cal, Page: &IndexedPage{}, Shape: Shape(9)}, "shape"},
		{"page", &FindItemRequest{Folder: cal, Page: &IndexedPage{Max: 10}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFindItemRequest(tc.req)
			if tc.field == "shape" {
				if err == nil {
					t.Fatal("invalid shape accepted")
				}
				return
			}
			checkValidation(t, err, tc.field)
		})
	}
}

var wantFindItem = &FindItemResult{
	TotalItemsInView: 3,
	Items: []CalendarItem{
		{
			ItemID:  ItemID{ID: "AAMkADk1", ChangeKey: "DwAAABYA"},
			Subject: "季度業務檢討", Sensitivity: "Normal",
			LastModifiedTime:     time.Date(2026, 11, 20, 8, 15, 0, 0, time.UTC),
			UID:                  "040000008200E00074C5B7101A82E00800000000D0A4F4C2",
			Start:                time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC),
			End:                  time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC),
			LegacyFreeBusyStatus: "Busy", Location: "會議室 35F-A（觀景）",
			CalendarItemType: "Single", Organizer: Mailbox{Name: "陳美玲"},
		},
		{
			ItemID:  ItemID{ID: "AAMkADk2", ChangeKey: "DwAAABYB"},
			Subject: "Wöchentliche Abstimmung", Sensitivity: "Private",
			LastModifiedTime:     time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC),
			UID:                  "040000008200E00074C5B7101A82E00800000000E1B5",
			RecurrenceID:         time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
			Start:                time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
			End:                  time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
			LegacyFreeBusyStatus: "Tentative", Location: "Besprechungsraum Größenwahn",
			IsCancelled: true, CalendarItemType: "Occurrence", Organizer: Mailbox{Name: "Jürgen Müller"},
			AppointmentSequence: 3,
		},
	},
}

func TestFindItemResponse(t *testing.T) {
	for _, tc := range []struct {
		file     string
		want     *FindItemResult
		wantCode string
	}{
		{"FindItem.response.xml", wantFindItem, ""},
		{"FindItem-paged.response.xml", &FindItemResult{
			TotalItemsInView: 2, IndexedPagingOffset: 1,
			Items: []CalendarItem{{
				ItemID: ItemID{ID: "AAMkMaster", ChangeKey: "DwAAABYC"}, Subject: "Wöchentliche Abstimmung",
				Start: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC),
				CalendarItemType: "RecurringMaster",
			}},
		}, ""},
		{"FindItem-error.response.xml", nil, "ErrorInvalidIdMalformed"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var r findItemResponse
			if _, err := parseFixture(t, tc.file, &r); err != nil {
				t.Fatal(err)
			}
			got, err := r.result()
			if Code(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindItemClient(t *testing.T) {
	c, fs := newFixtureClient(t, "FindItem.response.xml")
	got, err := c.FindItem(context.Background(), &FindItemRequest{
		Folder:       CalendarOf("room.35f-a@contoso.com"),
		CalendarView: &CalendarView{Start: viewStart, End: viewEnd},
		Fields:       CalendarViewFields,
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFindItem, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	fs.check(t, c, "FindItem")
}
