package ews

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// calendarViewResponse builds a FindItem CalendarView response of n items
// shaped like what Exchange 2019 returns for CalendarViewFields.
func calendarViewResponse(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body><m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>`)
	fmt.Fprintf(&b, `<m:RootFolder TotalItemsInView="%d" IncludesLastItemInRange="true"><t:Items>`, n)
	start := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	subjects := []string{"季度業務回顧 Q4", "产品路线图评审", "Besprechung Budgetplanung Zürich", "Weekly sync"}
	for i := range n {
		s := start.Add(time.Duration(i) * 30 * time.Minute)
		fmt.Fprintf(&b, `<t:CalendarItem><t:ItemId Id="AAMkADk0ZjM5YzQ0LTY3ZjctNGNiZi1hMDNiLWQxYzU0ZTlkMGU0ZQBGAAAAAAAhH3Xl0000%06d" ChangeKey="DwAAABYAAAB4u2r0lFkrRqXfG3b8n2vKAAAC%06d"/>`, i, i)
		fmt.Fprintf(&b, `<t:Subject>%s</t:Subject><t:Sensitivity>Normal</t:Sensitivity><t:LastModifiedTime>2026-11-20T08:15:00Z</t:LastModifiedTime>`, subjects[i%len(subjects)])
		fmt.Fprintf(&b, `<t:UID>040000008200E00074C5B7101A82E0080000000060C1A9F4%08d</t:UID>`, i)
		fmt.Fprintf(&b, `<t:Start>%s</t:Start><t:End>%s</t:End><t:IsAllDayEvent>false</t:IsAllDayEvent><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>`, s.Format(time.RFC3339), s.Add(25*time.Minute).Format(time.RFC3339))
		b.WriteString(`<t:Location>台北 101 會議室 3A</t:Location><t:IsMeeting>true</t:IsMeeting><t:IsCancelled>false</t:IsCancelled><t:IsRecurring>false</t:IsRecurring><t:CalendarItemType>Single</t:CalendarItemType>`)
		b.WriteString(`<t:Organizer><t:Mailbox><t:Name>Jürgen Weiß</t:Name><t:EmailAddress>juergen.weiss@contoso.com</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:Organizer>`)
		b.WriteString(`<t:IsOnlineMeeting>false</t:IsOnlineMeeting></t:CalendarItem>`)
	}
	b.WriteString(`</t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>`)
	return b.Bytes()
}

// BenchmarkParseCalendarView1000 parses a 1,000-item CalendarView response
// (Exchange's default FindItem cap) into CalendarItems.
func BenchmarkParseCalendarView1000(b *testing.B) {
	doc := calendarViewResponse(1000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var r findItemResponse
		if _, err := parseEnvelope(bytes.NewReader(doc), &r); err != nil {
			b.Fatal(err)
		}
		res, err := r.result()
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != 1000 {
			b.Fatalf("parsed %d items", len(res.Items))
		}
	}
}

// TestCalendarViewBenchInput keeps the benchmark honest: its synthetic
// response is schema-valid and parses to what was generated.
func TestCalendarViewBenchInput(t *testing.T) {
	doc := calendarViewResponse(3)
	var r findItemResponse
	if _, err := parseEnvelope(bytes.NewReader(doc), &r); err != nil {
		t.Fatal(err)
	}
	res, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 3 || res.Items[2].Subject != "Besprechung Budgetplanung Zürich" || res.Items[0].Organizer.Name != "Jürgen Weiß" {
		t.Fatalf("unexpected parse: %+v", res.Items)
	}
	if got := res.Items[1].Start; !got.Equal(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("start = %v", got)
	}
	checkResponseSchema(t, doc)
}
