package ewstest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

// fixture names things of a generated organisation the requests use.
type fixture struct {
	room, roomList, master, user string
}

func newFixture(t testing.TB, s *Server) fixture {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	f := fixture{user: "admin@contoso.com"}
	for _, l := range s.org.sorted(KindRoomList) {
		f.roomList = l.address
		f.room = l.members[0]
		break
	}
	for _, it := range s.org.mailboxes[f.room].items {
		if it.rec != nil && len(it.exceptions) > 0 {
			f.master = it.id
		}
	}
	if f.master == "" {
		t.Fatalf("room %s has no series with exceptions", f.room)
	}
	return f
}

func calendarOf(addr string) string {
	return `<t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>` + addr + `</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`
}

const zurichZone = `<t:TimeZone><t:Bias>-60</t:Bias>` +
	`<t:StandardTime><t:Bias>0</t:Bias><t:Time>03:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime>` +
	`<t:DaylightTime><t:Bias>-60</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>`

func availabilityBody(view string, start, end string, addrs ...string) string {
	var b strings.Builder
	b.WriteString(`<m:GetUserAvailabilityRequest>` + zurichZone + `<m:MailboxDataArray>`)
	for _, a := range addrs {
		b.WriteString(`<t:MailboxData><t:Email><t:Address>` + a + `</t:Address></t:Email><t:AttendeeType>Room</t:AttendeeType></t:MailboxData>`)
	}
	b.WriteString(`</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>` + start + `</t:StartTime><t:EndTime>` + end +
		`</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>30</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>` + view +
		`</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>`)
	return b.String()
}

func createBody(room, start, end string) string {
	return `<m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>` +
		`<m:Items><t:CalendarItem><t:Subject>Kundentermin Müller AG</t:Subject><t:Body BodyType="Text">Bitte pünktlich.</t:Body>` +
		`<t:Start>` + start + `</t:Start><t:End>` + end + `</t:End><t:Location>Zürich</t:Location>` +
		`<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>admin@contoso.com</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>` +
		`<t:Resources><t:Attendee><t:Mailbox><t:EmailAddress>` + room + `</t:EmailAddress></t:Mailbox></t:Attendee></t:Resources>` +
		`<t:StartTimeZone Id="W. Europe Standard Time"/></t:CalendarItem></m:Items></m:CreateItem>`
}

// representativeRequests is one or more request per operation; the fuzz
// target uses them as seeds.
func representativeRequests(f fixture) []struct{ name, body, want string } {
	return []struct{ name, body, want string }{
		{"GetRoomLists", `<m:GetRoomLists/>`, `ResponseClass="Success"`},
		{"GetRooms", `<m:GetRooms><m:RoomList><t:EmailAddress>` + f.roomList + `</t:EmailAddress></m:RoomList></m:GetRooms>`, f.room},
		{"GetRooms/unknown", `<m:GetRooms><m:RoomList><t:EmailAddress>nowhere@contoso.com</t:EmailAddress></m:RoomList></m:GetRooms>`, "ErrorNameResolutionNoResults"},
		{"FindPeople", `<m:FindPeople><m:PersonaShape><t:BaseShape>Default</t:BaseShape></m:PersonaShape><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="5" Offset="0"/>` +
			`<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId><m:QueryString>Besprechungsraum</m:QueryString></m:FindPeople>`, "TotalNumberOfPeopleInView"},
		{"ResolveNames", `<m:ResolveNames ReturnFullContactData="true"><m:UnresolvedEntry>Besprechungsraum</m:UnresolvedEntry></m:ResolveNames>`, "ErrorNameResolutionMultipleResults"},
		{"ResolveNames/none", `<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>DUMMY</m:UnresolvedEntry></m:ResolveNames>`, "ErrorNameResolutionNoResults"},
		{"ExpandDL", `<m:ExpandDL><m:Mailbox><t:EmailAddress>allstaff@contoso.com</t:EmailAddress></m:Mailbox></m:ExpandDL>`, "DLExpansion"},
		{"GetFolder", `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>` + calendarOf(f.room) +
			`<t:DistinguishedFolderId Id="root"/><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder>`, "t:CalendarFolder"},
		{"FindItem/CalendarView", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>` +
			`<m:CalendarView StartDate="2026-03-09T00:00:00Z" EndDate="2026-04-13T00:00:00Z"/><m:ParentFolderIds>` + calendarOf(f.room) + `</m:ParentFolderIds></m:FindItem>`, "Exception"},
		{"FindItem/Indexed", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Start"/></t:AdditionalProperties></m:ItemShape>` +
			`<m:IndexedPageItemView MaxEntriesReturned="3" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds>` + calendarOf(f.room) + `</m:ParentFolderIds></m:FindItem>`, `IncludesLastItemInRange="false"`},
		{"FindItem/complex", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape>` +
			`<m:ParentFolderIds>` + calendarOf(f.room) + `</m:ParentFolderIds></m:FindItem>`, "ErrorInvalidPropertyRequest"},
		{"GetItem", `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType></m:ItemShape><m:ItemIds><t:ItemId Id="` + f.master + `"/>` +
			`<t:OccurrenceItemId RecurringMasterId="` + f.master + `" InstanceIndex="2"/><t:ItemId Id="not-an-id"/></m:ItemIds></m:GetItem>`, "ModifiedOccurrences"},
		{"CreateItem", createBody(f.room, "2026-03-21T10:00:00", "2026-03-21T11:00:00"), "CreateItemResponseMessage"},
		{"UpdateItem", `<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange><t:ItemId Id="` + f.master + `"/>` +
			`<t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Wochenplanung (neu)</t:Subject></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`, "ConflictResults"},
		{"DeleteItem", `<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds><t:OccurrenceItemId RecurringMasterId="` + f.master + `" InstanceIndex="1"/></m:ItemIds></m:DeleteItem>`, `ResponseClass="Success"`},
		{"SyncFolderItems", `<m:SyncFolderItems><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:SyncFolderId>` + calendarOf(f.room) + `</m:SyncFolderId><m:MaxChangesReturned>5</m:MaxChangesReturned></m:SyncFolderItems>`, "t:Create"},
		{"SyncFolderItems/bad", `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>` + calendarOf(f.room) + `</m:SyncFolderId><m:SyncState>H4sIAAAA</m:SyncState><m:MaxChangesReturned>5</m:MaxChangesReturned></m:SyncFolderItems>`, "ErrorInvalidSyncStateData"},
		{"GetUserAvailability", availabilityBody("DetailedMerged", "2026-03-16T00:00:00", "2026-03-18T00:00:00", f.room, f.user, "nobody@contoso.com"), "MergedFreeBusy"},
		{"GetUserAvailability/tooLong", availabilityBody("FreeBusy", "2026-03-01T00:00:00", "2026-04-20T00:00:00", f.room), "ErrorTimeIntervalTooBig"},
	}
}

// TestResponsesValidate runs a representative request of every operation
// through HTTP and validates both the request and the response against
// Microsoft's schema.
func TestResponsesValidate(t *testing.T) {
	xsdcheck.Require(t)
	s, hs := newTestServer(t, Options{Validate: xsdcheck.Envelope})
	f := newFixture(t, s)
	for _, tc := range representativeRequests(f) {
		t.Run(tc.name, func(t *testing.T) {
			_, body := soapPost(t, hs, soapEnv(tc.body))
			if strings.Contains(body, "ErrorSchemaValidation") {
				t.Fatalf("request did not validate: %s", body)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("response lacks %q:\n%s", tc.want, body)
			}
			if err := xsdcheck.Envelope([]byte(body)); err != nil {
				t.Errorf("response does not validate: %v\n%s", err, body)
			}
		})
	}
	t.Run("injected", func(t *testing.T) {
		remove := s.Inject(Fault{Op: "GetItem", ResponseCode: "ErrorServerBusy", Times: 1})
		defer remove()
		_, body := soapPost(t, hs, soapEnv(representativeRequests(f)[11].body))
		if !strings.Contains(body, "<m:ResponseCode>ErrorServerBusy</m:ResponseCode>") || !strings.Contains(body, "BackOffMilliseconds") {
			t.Errorf("injected fault not answered:\n%s", body)
		}
		if err := xsdcheck.Envelope([]byte(body)); err != nil {
			t.Errorf("response does not validate: %v", err)
		}
	})
}

func TestFindItemCalendarViewLimits(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[0].Address
	// 1,100 short bookings on a quiet Sunday make the view too big.
	day := time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1100; i++ {
		st := day.Add(time.Duration(i) * time.Minute)
		if _, err := s.AddBooking(room, Booking{Subject: fmt.Sprint(i), Start: st, End: st.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	view := func(max, start, end string) string {
		attr := ""
		if max != "" {
			attr = ` MaxEntriesReturned="` + max + `"`
		}
		_, b := soapPost(t, hs, soapEnv(`<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView`+attr+
			` StartDate="`+start+`" EndDate="`+end+`"/><m:ParentFolderIds>`+calendarOf(room)+`</m:ParentFolderIds></m:FindItem>`))
		return b
	}
	tests := []struct {
		name, max, start, end string
		want                  []string
	}{
		{"over find limit", "", "2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z", []string{"ErrorExceededFindCountLimit", `Name="PolicyLimit">1000`}},
		{"truncated to max", "10", "2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z", []string{`TotalItemsInView="1100" IncludesLastItemInRange="false"`}},
		{"small window", "", "2026-05-03T00:00:00Z", "2026-05-03T00:05:00Z", []string{`TotalItemsInView="5" IncludesLastItemInRange="true"`}},
		{"range over two years", "", "2026-01-01T00:00:00Z", "2028-06-01T00:00:00Z", []string{"ErrorCalendarViewRangeTooBig"}},
		{"end before start", "", "2026-05-04T00:00:00Z", "2026-05-03T00:00:00Z", []string{"ErrorCalendarEndDateIsEarlierThanStartDate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := view(tc.max, tc.start, tc.end)
			for _, w := range tc.want {
				if !strings.Contains(b, w) {
					t.Errorf("response lacks %q:\n%.600s", w, b)
				}
			}
		})
	}
	if got := strings.Count(view("10", "2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z"), "<t:CalendarItem>"); got != 10 {
		t.Errorf("truncated view has %d items, want 10", got)
	}
}

func TestFindItemExpandsSeries(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	f := newFixture(t, s)
	from, to := testNow.AddDate(0, 0, -7), testNow.AddDate(0, 0, 21)
	_, b := soapPost(t, hs, soapEnv(`<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:CalendarView StartDate="`+
		fmtTime(from)+`" EndDate="`+fmtTime(to)+`"/><m:ParentFolderIds>`+calendarOf(f.room)+`</m:ParentFolderIds></m:FindItem>`))
	var got []string
	for _, m := range regexp.MustCompile(`<t:ItemId Id="([^"]+)"`).FindAllStringSubmatch(b, -1) {
		got = append(got, m[1])
	}
	var want []string
	for _, o := range s.Truth(f.room, from, to) {
		want = append(want, o.ItemID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CalendarView ids differ from Truth (-want +got):\n%s", diff)
	}
	// Every id a view returns resolves with GetItem.
	for _, id := range got[:min(5, len(got))] {
		_, b := soapPost(t, hs, soapEnv(`<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="`+id+`"/></m:ItemIds></m:GetItem>`))
		if !strings.Contains(b, `ResponseClass="Success"`) || !strings.Contains(b, id) {
			t.Errorf("GetItem %s failed:\n%.500s", id, b)
		}
	}
}

func TestCreateUpdateDeleteOverEWS(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[2] // Zürich
	delegate := impersonateHdr("svc-roomboard@contoso.com")
	_, b := soapPost(t, hs, soapEnv(createBody(room.Address, "2026-03-28T10:00:00", "2026-03-28T11:00:00"), delegate))
	id, ck := findRE(t, b, `<t:ItemId Id="([^"]+)"`), findRE(t, b, `ChangeKey="([^"]+)"`)
	start := time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC) // 10:00 in Zürich (CET)
	got := s.Truth(room.Address, start, start.Add(time.Hour))
	if len(got) != 1 || got[0].Organizer != "svc-roomboard@contoso.com" {
		t.Fatalf("room calendar after CreateItem = %+v", got)
	}
	// The organizer's copy shows the room's acceptance.
	_, b = soapPost(t, hs, soapEnv(`<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="`+id+`"/></m:ItemIds></m:GetItem>`))
	if !strings.Contains(b, "<t:Resources><t:Attendee><t:Mailbox><t:Name>"+room.Name) || !strings.Contains(b, "<t:ResponseType>Accept</t:ResponseType>") {
		t.Errorf("organizer item lacks the room's acceptance:\n%s", b)
	}
	update := func(ck, conflict string) string {
		_, b := soapPost(t, hs, soapEnv(`<m:UpdateItem ConflictResolution="`+conflict+`" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange><t:ItemId Id="`+id+`" ChangeKey="`+ck+`"/>`+
			`<t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2026-03-28T10:30:00Z</t:End></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`, delegate))
		return b
	}
	b = update(ck, "NeverOverwrite")
	ck2 := findRE(t, b, `ChangeKey="([^"]+)"`)
	if ck2 == ck {
		t.Errorf("ChangeKey did not change on update")
	}
	if got := s.Truth(room.Address, start, start.Add(2*time.Hour)); len(got) != 1 || !got[0].End.Equal(start.Add(90*time.Minute)) {
		t.Errorf("room copy after update = %+v, want end 10:30Z", got)
	}
	if b := update(ck, "NeverOverwrite"); !strings.Contains(b, "ErrorIrresolvableConflict") {
		t.Errorf("stale ChangeKey with NeverOverwrite:\n%s", b)
	}
	if b := update(ck, "AlwaysOverwrite"); !strings.Contains(b, `ResponseClass="Success"`) {
		t.Errorf("stale ChangeKey with AlwaysOverwrite:\n%s", b)
	}
	_, b = soapPost(t, hs, soapEnv(`<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="`+id+`"/></m:ItemIds></m:DeleteItem>`))
	if !strings.Contains(b, "ErrorSendMeetingCancellationsRequired") {
		t.Errorf("DeleteItem without SendMeetingCancellations:\n%s", b)
	}
	_, b = soapPost(t, hs, soapEnv(`<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds><t:ItemId Id="`+id+`"/></m:ItemIds></m:DeleteItem>`))
	if !strings.Contains(b, `ResponseClass="Success"`) {
		t.Fatalf("DeleteItem:\n%s", b)
	}
	if got := s.Truth(room.Address, start, start.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("room keeps a cancelled meeting: %+v", got)
	}
}

func TestInjectedResponseCodes(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	f := newFixture(t, s)
	for _, tc := range representativeRequests(f) {
		if strings.Contains(tc.name, "/") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			op := strings.SplitN(tc.name, "/", 2)[0]
			if op == "GetUserAvailability" {
				op = "GetUserAvailabilityRequest"
			}
			remove := s.Inject(Fault{Op: op, ResponseCode: "ErrorMailboxMoveInProgress"})
			defer remove()
			_, b := soapPost(t, hs, soapEnv(tc.body))
			if !strings.Contains(b, "<m:ResponseCode>ErrorMailboxMoveInProgress</m:ResponseCode>") {
				t.Errorf("injected code not answered:\n%.500s", b)
			}
		})
	}
}

func TestServerBusyWhenOverBudget(t *testing.T) {
	s, hs := newTestServer(t, Options{MaxConcurrency: 1, BusyBackOff: 1500 * time.Millisecond})
	// Hold the service account's only slot, as a long request would.
	release, busy := s.acquire("GetRoomLists", defaultAccount, defaultAccount)
	if busy != nil {
		t.Fatal(busy)
	}
	status, b := soapPost(t, hs, soapEnv(`<m:GetRoomLists/>`))
	if status != 500 || !strings.Contains(b, "a:ErrorServerBusy") || !strings.Contains(b, `<t:Value Name="BackOffMilliseconds">1500</t:Value>`) {
		t.Errorf("over budget: %d\n%s", status, b)
	}
	release()
	if status, b := soapPost(t, hs, soapEnv(`<m:GetRoomLists/>`)); status != 200 {
		t.Errorf("after release: %d\n%s", status, b)
	}
}

func TestMalformedRequests(t *testing.T) {
	_, hs := newTestServer(t, Options{})
	tests := []struct{ name, body string }{
		{"FindItem without folders", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape></m:FindItem>`},
		{"GetItem without ids", `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape></m:GetItem>`},
		{"SyncFolderItems max too big", `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId><m:MaxChangesReturned>513</m:MaxChangesReturned></m:SyncFolderItems>`},
		{"UpdateItem without ConflictResolution", `<m:UpdateItem><m:ItemChanges/></m:UpdateItem>`},
		{"GetRooms without list", `<m:GetRooms/>`},
		{"broken XML", `<m:GetItem><m:ItemShape>`},
		{"CalendarView bad date", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView StartDate="soon" EndDate="later"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, b := soapPost(t, hs, soapEnv(tc.body))
			if status != 500 || !strings.Contains(b, "<e:ResponseCode") || !strings.Contains(b, "ErrorSchemaValidation") {
				t.Errorf("got %d:\n%s", status, b)
			}
		})
	}
}

// TestOccurrenceEdits edits and deletes single occurrences of a series
// over EWS: the organizer's series gets an exception, the room's copy
// follows with its calendar processing applied.
func TestOccurrenceEdits(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	room := s.Rooms()[3].Address
	zurich := s.Rooms()[2].TimeZone
	first := time.Date(2026, 4, 6, 20, 0, 0, 0, zurich) // Monday evening, after all generated meetings
	id, err := s.AddBooking(room, Booking{Subject: "Abendkurs", Start: first, End: first.Add(time.Hour), TimeZone: zurich,
		Recurrence: &Recurrence{Pattern: Weekly, Interval: 1, DaysOfWeek: []time.Weekday{time.Monday}, Count: 4}})
	if err != nil {
		t.Fatal(err)
	}
	_, b := soapPost(t, hs, soapEnv(`<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange>`+
		`<t:OccurrenceItemId RecurringMasterId="`+id+`" InstanceIndex="2"/><t:Updates>`+
		`<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Abendkurs (Raumwechsel)</t:Subject></t:CalendarItem></t:SetItemField>`+
		`<t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-04-13T21:00:00+02:00</t:Start></t:CalendarItem></t:SetItemField>`+
		`<t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2026-04-13T22:00:00+02:00</t:End></t:CalendarItem></t:SetItemField>`+
		`</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`))
	if !strings.Contains(b, `ResponseClass="Success"`) {
		t.Fatalf("UpdateItem occurrence:\n%s", b)
	}
	_, b = soapPost(t, hs, soapEnv(`<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds>`+
		`<t:OccurrenceItemId RecurringMasterId="`+id+`" InstanceIndex="3"/></m:ItemIds></m:DeleteItem>`))
	if !strings.Contains(b, `ResponseClass="Success"`) {
		t.Fatalf("DeleteItem occurrence:\n%s", b)
	}
	describe := func(mailbox string) []string {
		var out []string
		for _, o := range s.Truth(mailbox, first, first.AddDate(0, 1, 0)) {
			if o.Organizer != defaultAccount {
				continue
			}
			out = append(out, o.Type+" "+o.Subject+" "+o.Start.In(zurich).Format("01-02 15:04"))
		}
		return out
	}
	want := []string{"Occurrence Abendkurs 04-06 20:00", "Exception Abendkurs (Raumwechsel) 04-13 21:00", "Occurrence Abendkurs 04-27 20:00"}
	if diff := cmp.Diff(want, describe(defaultAccount)); diff != "" {
		t.Errorf("organizer (-want +got):\n%s", diff)
	}
	want = []string{"Occurrence Roomboard Service 04-06 20:00", "Exception Roomboard Service 04-13 21:00", "Occurrence Roomboard Service 04-27 20:00"}
	if diff := cmp.Diff(want, describe(room)); diff != "" {
		t.Errorf("room (-want +got):\n%s", diff)
	}
	_, b = soapPost(t, hs, soapEnv(`<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="`+id+`"/></m:ItemIds></m:GetItem>`))
	for _, w := range []string{"<t:OriginalStart>2026-04-13T18:00:00Z</t:OriginalStart>", "<t:DeletedOccurrence><t:Start>2026-04-20T18:00:00Z</t:Start>", "<t:NumberedRecurrence><t:StartDate>2026-04-06</t:StartDate><t:NumberOfOccurrences>4<"} {
		if !strings.Contains(b, w) {
			t.Errorf("master lacks %s:\n%s", w, b)
		}
	}
}
