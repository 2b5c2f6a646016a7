package ews

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/roomboard/roomboard/internal/xsdcheck"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// goldenHeader is the header every request golden is marshalled with; it
// exercises impersonation and TimeZoneContext so the schema check covers
// them too.
var goldenHeader = header{
	Version:     Exchange2013SP1,
	Impersonate: "room.taipei-101@contoso.com",
	TimeZone:    "Taipei Standard Time",
}

// checkRequestGolden marshals body in an envelope, compares it with
// testdata/<name>.request.xml (rewritten with -update), and validates it
// against Microsoft's schema with xmllint.
func checkRequestGolden(t *testing.T, name string, body any) {
	t.Helper()
	got, err := marshalEnvelope(goldenHeader, body)
	if err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	path := filepath.Join("testdata", name+".request.xml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: request differs from golden %s\n got: %s\nwant: %s", name, path, got, want)
	}
	xsdcheck.Require(t)
	if err := xsdcheck.Envelope(got); err != nil {
		t.Errorf("%s: request fails schema validation: %v", name, err)
	}
}

// readFixture returns testdata/<name>, a response written from Microsoft's
// published examples.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseFixture decodes a response fixture into resp, as Client.call does.
func parseFixture(t *testing.T, name string, resp any) (ServerVersionInfo, error) {
	t.Helper()
	return parseEnvelope(bytes.NewReader(readFixture(t, name)), resp)
}

// checkResponseSchema validates a whole response envelope with xmllint.
func checkResponseSchema(t *testing.T, doc []byte) {
	t.Helper()
	xsdcheck.Require(t)
	if err := xsdcheck.Envelope(doc); err != nil {
		t.Errorf("response fails schema validation: %v", err)
	}
}
