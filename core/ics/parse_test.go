package ics

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Parse-back with third-party parsers. Their prerequisites are installed by
// `make test` (scripts/ics-deps.sh): ical.js with
// `npm ci --prefix core/ics/testdata`, and Debian's python3-icalendar for
// /usr/bin/python3. Locally the tests skip without them; with CI set they
// fail, so CI cannot pass by not running them.

// systemPython is Debian's interpreter; the image's default python3 (pyenv)
// does not see Debian's python3-icalendar.
const systemPython = "/usr/bin/python3"

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing and CI is set (install: scripts/ics-deps.sh)", what)
	}
	t.Skipf("%s is missing (install: scripts/ics-deps.sh)", what)
}

// runChecker writes the sample calendar to a file, runs a checker script on
// it and compares its report with what the sample must contain.
func runChecker(t *testing.T, name string, args ...string) {
	t.Helper()
	cal := sampleCalendar()
	var buf bytes.Buffer
	if err := Write(&buf, cal); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sample.ics")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), args[0], append(args[1:], file)...)
	// Parsers must not lean on the machine's zone to get instants right.
	cmd.Env = append(os.Environ(), "TZ=America/Los_Angeles")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	var got parsed
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s printed %q: %v", name, out, err)
	}
	if diff := cmp.Diff(expected(t, cal), got); diff != "" {
		t.Errorf("%s reads back (-want +got):\n%s", name, diff)
	}
}

func TestParseBackICalJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node")
	}
	if _, err := os.Stat(filepath.Join("testdata", "node_modules", "ical.js", "package.json")); err != nil {
		missing(t, "ical.js (npm ci --prefix core/ics/testdata)")
	}
	runChecker(t, "ical.js", node, filepath.Join("testdata", "check-icaljs.mjs"))
}

func TestParseBackPythonICalendar(t *testing.T) {
	if _, err := os.Stat(systemPython); err != nil {
		missing(t, systemPython)
	}
	if err := exec.Command(systemPython, "-c", "import icalendar").Run(); err != nil {
		missing(t, "Debian python3-icalendar")
	}
	runChecker(t, "python3-icalendar", systemPython, filepath.Join("testdata", "check_icalendar.py"))
}
