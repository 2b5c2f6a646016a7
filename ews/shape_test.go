package ews

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/internal/xsdcheck"
)

func TestShapeString(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		want string
	}{{IdOnly, "IdOnly"}, {Default, "Default"}, {AllProperties, "AllProperties"}, {Shape(7), "Shape(7)"}} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("Shape(%d).String() = %q, want %q", int(tc.s), got, tc.want)
		}
	}
}

func TestItemShape(t *testing.T) {
	got, err := itemShape(Default, []string{"item:Subject", "", "calendar:Start", "item:Subject"})
	if err != nil {
		t.Fatal(err)
	}
	want := xmlItemShape{BaseShape: "Default", AdditionalProperties: []xmlFieldURI{{"item:Subject"}, {"calendar:Start"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("itemShape (-want +got):\n%s", diff)
	}
	if _, err := itemShape(Shape(-1), nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("itemShape(-1) err = %v, want ErrInvalidRequest", err)
	}
}

// TestFieldURIsInSchema checks every field list against
// t:UnindexedFieldURIType, since Exchange rejects an unknown FieldURI with a
// schema-validation fault that fails the whole request.
func TestFieldURIsInSchema(t *testing.T) {
	xsdcheck.Require(t)
	dir, err := xsdcheck.Dir()
	if err != nil {
		t.Fatal(err)
	}
	xsd, err := os.ReadFile(filepath.Join(dir, "types.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`value\s*=\s*"((?:item|calendar|persona):[A-Za-z]+)"`).FindAllSubmatch(xsd, -1) {
		known[string(m[1])] = true
	}
	if len(known) < 100 {
		t.Fatalf("found only %d field URIs in types.xsd", len(known))
	}
	for name, list := range map[string][]string{"CalendarFields": CalendarFields, "CalendarViewFields": CalendarViewFields, "personaFields": personaFields} {
		for _, f := range list {
			if !known[f] {
				t.Errorf("%s: %q is not a t:UnindexedFieldURIType value", name, f)
			}
		}
	}
	full := map[string]bool{}
	for _, f := range CalendarFields {
		full[f] = true
	}
	for _, f := range CalendarViewFields {
		if !full[f] {
			t.Errorf("CalendarViewFields has %q, which CalendarFields lacks", f)
		}
	}
}

func TestErrEvenIfWarning(t *testing.T) {
	for _, tc := range []struct {
		m    ResponseMessage
		want string
	}{
		{ResponseMessage{ResponseClass: "Success", ResponseCode: "NoError"}, ""},
		{ResponseMessage{ResponseClass: "Warning", ResponseCode: "NoError"}, ""},
		{ResponseMessage{ResponseClass: "Warning", ResponseCode: "ErrorBatchProcessingStopped"}, "ErrorBatchProcessingStopped"},
		{ResponseMessage{ResponseClass: "Error", ResponseCode: "ErrorItemNotFound"}, "ErrorItemNotFound"},
	} {
		if got := Code(errEvenIfWarning(tc.m)); got != tc.want {
			t.Errorf("%s/%s: code %q, want %q", tc.m.ResponseClass, tc.m.ResponseCode, got, tc.want)
		}
	}
}

func TestValidationError(t *testing.T) {
	err := invalid("GetUserAvailability", "TimeWindow", "window of %v exceeds 42 days", "43d")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "TimeWindow" || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %#v", err)
	}
	if got, want := err.Error(), "ews: GetUserAvailability: invalid TimeWindow: window of 43d exceeds 42 days"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// fixtureServer is a one-fixture EWS endpoint: it answers every POST with
// testdata/<file> and records the request, so a test drives a Client
// method through c.call, HTTP and parseEnvelope.
type fixtureServer struct {
	mu     sync.Mutex
	action string
	body   []byte
}

func newFixtureClient(t *testing.T, file string) (*Client, *fixtureServer) {
	t.Helper()
	answer := readFixture(t, file)
	fs := &fixtureServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.action, fs.body = r.Header.Get("SOAPAction"), b
		fs.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, nil), fs
}

// check asserts that the recorded request was op, valid against the schema,
// and that c picked up the fixtures' ServerVersionInfo.
func (fs *fixtureServer) check(t *testing.T, c *Client, op string) []byte {
	t.Helper()
	fs.mu.Lock()
	action, body := fs.action, fs.body
	fs.mu.Unlock()
	if want := `"` + NSMessages + "/" + op + `"`; action != want {
		t.Errorf("SOAPAction = %s, want %s", action, want)
	}
	if sv := c.ServerVersion(); sv.Build() != "15.2.1544.4" || sv.Version != "V2017_07_11" {
		t.Errorf("ServerVersion = %+v", sv)
	}
	xsdcheck.Require(t)
	if err := xsdcheck.Envelope(body); err != nil {
		t.Errorf("%s request fails schema validation: %v\n%s", op, err, body)
	}
	return body
}

// TestResponseFixturesValidate keeps the fixtures honest: they are
// hand-adapted from Microsoft's examples and must stay schema-valid.
func TestResponseFixturesValidate(t *testing.T) {
	xsdcheck.Require(t)
	for _, f := range []string{
		"GetRooms", "GetRooms-error", "FindPeople", "FindPeople-error",
		"ResolveNames", "ResolveNames-multiple", "ResolveNames-noresults", "ResolveNames-error",
		"ExpandDL", "ExpandDL-error", "FindItem", "FindItem-paged", "FindItem-error",
		"GetItem", "SyncFolderItems", "SyncFolderItems-error", "GetUserAvailability",
	} {
		if err := xsdcheck.Envelope(readFixture(t, f+".response.xml")); err != nil {
			t.Errorf("%s.response.xml: %v", f, err)
		}
	}
}
