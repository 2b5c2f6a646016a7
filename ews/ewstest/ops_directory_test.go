package ewstest

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestFindPeoplePaging(t *testing.T) {
	s, hs := newTestServer(t, Options{Rooms: 20})
	rooms := 0
	for _, r := range s.Rooms() {
		if strings.HasPrefix(r.Name, "Besprechungsraum") {
			rooms++
		}
	}
	page := func(offset, max string) string {
		_, b := soapPost(t, hs, soapEnv(`<m:FindPeople><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="`+max+`" Offset="`+offset+`"/>`+
			`<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId><m:QueryString>besprechungsraum</m:QueryString></m:FindPeople>`))
		return b
	}
	seen := map[string]bool{}
	for off := 0; off < rooms+3; off += 3 {
		b := page(strconv.Itoa(off), "3")
		if got := findRE(t, b, `<m:TotalNumberOfPeopleInView>(\d+)<`); got != strconv.Itoa(rooms) {
			t.Fatalf("TotalNumberOfPeopleInView = %s, want %d", got, rooms)
		}
		for _, a := range allRE(b, `<t:EmailAddress>([^<]+@contoso.com)</t:EmailAddress>`) {
			if seen[a] {
				t.Errorf("%s on two pages", a)
			}
			seen[a] = true
		}
	}
	if len(seen) != rooms {
		t.Errorf("paged through %d rooms, want %d", len(seen), rooms)
	}
	// Chinese names match anywhere, as they have no word breaks.
	_, b := soapPost(t, hs, soapEnv(`<m:FindPeople><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="50" Offset="0"/>`+
		`<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId><m:QueryString>會議室</m:QueryString></m:FindPeople>`))
	if !strings.Contains(b, "台北 101 會議室") {
		t.Errorf("no Taipei room for 會議室:\n%.500s", b)
	}
}

func TestDirectoryOperations(t *testing.T) {
	s, hs := newTestServer(t, Options{Rooms: 14})
	var unlisted string
	for _, r := range s.Rooms() {
		if len(r.RoomLists) == 0 {
			unlisted = r.Address
		}
	}
	if unlisted == "" {
		t.Fatal("no room outside room lists")
	}
	tests := []struct{ name, body, want, notWant string }{
		{"GetRoomLists lists no unlisted room", `<m:GetRoomLists/>`, "roomlist-", unlisted},
		{"ResolveNames exact SMTP", `<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>SMTP:` + unlisted + `</m:UnresolvedEntry></m:ResolveNames>`, `ResponseClass="Success"`, "<t:Contact>"},
		{"ResolveNames German", `<m:ResolveNames ReturnFullContactData="true"><m:UnresolvedEntry>Zürich</m:UnresolvedEntry></m:ResolveNames>`, "Besprechungsraum Zürich", ""},
		{"ResolveNames contacts only", `<m:ResolveNames ReturnFullContactData="false" SearchScope="Contacts"><m:UnresolvedEntry>Zürich</m:UnresolvedEntry></m:ResolveNames>`, "ErrorNameResolutionNoResults", ""},
		{"ExpandDL room list", `<m:ExpandDL><m:Mailbox><t:EmailAddress>roomlist-zrh@contoso.com</t:EmailAddress></m:Mailbox></m:ExpandDL>`, "room-zrh-", ""},
		{"ExpandDL person", `<m:ExpandDL><m:Mailbox><t:EmailAddress>admin@contoso.com</t:EmailAddress></m:Mailbox></m:ExpandDL>`, "ErrorNameResolutionNoResults", ""},
		{"GetFolder unknown mailbox", `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>` + calendarOf("ghost@contoso.com") + `</m:FolderIds></m:GetFolder>`, "ErrorNonExistentMailbox", ""},
		{"GetFolder bad id", `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:FolderId Id="AAMk!!"/></m:FolderIds></m:GetFolder>`, "ErrorInvalidIdMalformed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, b := soapPost(t, hs, soapEnv(tc.body))
			if !strings.Contains(b, tc.want) || (tc.notWant != "" && strings.Contains(b, tc.notWant)) {
				t.Errorf("want %q, not %q:\n%.800s", tc.want, tc.notWant, b)
			}
		})
	}
}

func allRE(s, re string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// FuzzParseRequest feeds arbitrary bodies, seeded with a valid request of
// every operation, through the whole server: nothing may panic, and every
// answer is an HTTP response with a SOAP body.
func FuzzParseRequest(f *testing.F) {
	s := New(Options{Seed: 1, Now: fixedClock(testNow)})
	fx := newFixture(f, s)
	for _, r := range representativeRequests(fx) {
		f.Add([]byte(soapEnv(r.body)))
	}
	f.Add([]byte(soapEnv(`<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="` + fx.master + `" InstanceIndex="999999"/></m:ItemIds></m:GetItem>`)))
	f.Add([]byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", strings.NewReader(string(body)))
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", w.Code)
		}
		if !strings.Contains(w.Body.String(), "Envelope") {
			t.Fatalf("no SOAP envelope in answer: %q", w.Body.String())
		}
	})
}
