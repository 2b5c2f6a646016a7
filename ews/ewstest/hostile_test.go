package ewstest

import (
	"fmt"
	"strings"
	"testing"
)

// TestHostileRequests sends requests whose numbers and sizes are legal XML
// but hostile: each must be answered promptly with an ordinary answer, not
// spin or exhaust the server while it holds its lock.
func TestHostileRequests(t *testing.T) {
	s, hs := newTestServer(t, Options{})
	f := newFixture(t, s)
	room := f.room
	many := make([]string, 100)
	for i := range many {
		many[i] = room
	}
	// A DayOrder of 2^40 asks for the "2^40th Sunday" of the month;
	// Exchange's schema makes it an xs:short and means 5 = last.
	hugeDayOrder := strings.ReplaceAll(availabilityBody("DetailedMerged", "2026-03-01T00:00:00", "2026-04-12T00:00:00", many...),
		"<t:DayOrder>5</t:DayOrder>", "<t:DayOrder>1099511627776</t:DayOrder>")
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       string
	}{
		{"availability DayOrder 2^40", hugeDayOrder, 200, `ResponseClass="Success"`},
		{"availability 100 mailboxes 10 years", availabilityBody("DetailedMerged", "2020-01-01T00:00:00", "2030-01-01T00:00:00", many...), 500, "a:ErrorTimeIntervalTooBig"},
		{"FindItem MaxEntriesReturned 2^31", findIndexed(room, `MaxEntriesReturned="2147483648" Offset="0" BasePoint="Beginning"`), 200, `IncludesLastItemInRange="true"`},
		{"FindItem offset beyond range", findIndexed(room, `MaxEntriesReturned="10" Offset="9223372036854775807" BasePoint="Beginning"`), 200, `<t:Items></t:Items>`},
		{"FindItem offset beyond range from end", findIndexed(room, `MaxEntriesReturned="10" Offset="9223372036854775807" BasePoint="End"`), 200, `<t:Items></t:Items>`},
		{"FindItem negative offset", findIndexed(room, `MaxEntriesReturned="-5" Offset="-9223372036854775808" BasePoint="Beginning"`), 200, `ResponseClass="Success"`},
		{"FindItem CalendarView 10 years", `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
			`<m:CalendarView MaxEntriesReturned="2147483647" StartDate="2020-01-01T00:00:00Z" EndDate="2030-01-01T00:00:00Z"/><m:ParentFolderIds>` + calendarOf(room) + `</m:ParentFolderIds></m:FindItem>`, 200, "ErrorCalendarViewRangeTooBig"},
		{"FindPeople offset beyond range", `<m:FindPeople><m:PersonaShape><t:BaseShape>Default</t:BaseShape></m:PersonaShape><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="2147483647" Offset="9223372036854775807"/>` +
			`<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId><m:QueryString>Besprechungsraum</m:QueryString></m:FindPeople>`, 200, `ResponseClass="Success"`},
		{"GetItem InstanceIndex 2^62", getOccurrence(f.master, "4611686018427387904"), 200, "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"},
		{"GetItem InstanceIndex negative", getOccurrence(f.master, "-1"), 200, "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"},
		{"SyncFolderItems MaxChangesReturned 2^31", `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>` + calendarOf(room) +
			`</m:SyncFolderId><m:MaxChangesReturned>2147483648</m:MaxChangesReturned></m:SyncFolderItems>`, 500, "ErrorSchemaValidation"},
		{"deep nesting", `<m:GetRoomLists>` + strings.Repeat("<x>", 100000) + strings.Repeat("</x>", 100000) + `</m:GetRoomLists>`, 200, `ResponseClass="Success"`},
		{"deep nesting unclosed", `<m:GetRoomLists>` + strings.Repeat("<x>", 100000), 500, "ErrorSchemaValidation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, b := soapPost(t, hs, soapEnv(tc.body))
			if status != tc.wantStatus || !strings.Contains(b, tc.want) {
				t.Errorf("got %d, want %d with %q:\n%.600s", status, tc.wantStatus, tc.want, b)
			}
		})
	}
}

func findIndexed(room, view string) string {
	return `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
		`<m:IndexedPageItemView ` + view + `/><m:ParentFolderIds>` + calendarOf(room) + `</m:ParentFolderIds></m:FindItem>`
}

func getOccurrence(master, index string) string {
	return `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>` +
		`<t:OccurrenceItemId RecurringMasterId="` + master + `" InstanceIndex="` + index + `"/></m:ItemIds></m:GetItem>`
}

// TestSubscriptionLimit: a mailbox holds at most EWSMaxSubscriptions
// subscriptions; the next Subscribe is refused instead of adding state
// without bound.
func TestSubscriptionLimit(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	body := subscribeBody("PullSubscriptionRequest", "", []string{"CreatedEvent"}, `<t:Timeout>10</t:Timeout>`)
	if m := message(t, post(t, url, envelope(room, body))); m.ResponseCode != "NoError" {
		t.Fatalf("first subscription: %q", m.ResponseCode)
	}
	// Fill the mailbox's budget directly rather than with 5,000 requests.
	sm := s.subs
	sm.mu.Lock()
	var first *subscription
	for _, sub := range sm.byID {
		first = sub
	}
	for i := 1; i < maxSubscriptionsPerMailbox; i++ {
		c := *first
		c.id = fmt.Sprintf("%s-%d", first.id, i)
		c.done = make(chan struct{})
		sm.byID[c.id] = &c
	}
	sm.mu.Unlock()
	b := post(t, url, envelope(room, body))
	if m := message(t, b); m.ResponseCode != "ErrorExceededSubscriptionCount" {
		t.Fatalf("subscription %d: ResponseCode = %q, want ErrorExceededSubscriptionCount\n%s", maxSubscriptionsPerMailbox+1, m.ResponseCode, b)
	}
	validate(t, "SubscribeResponse", b)
	if got := len(s.Subscriptions()); got != maxSubscriptionsPerMailbox {
		t.Errorf("%d subscriptions, want %d", got, maxSubscriptionsPerMailbox)
	}
}
