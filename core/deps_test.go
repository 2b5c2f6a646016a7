// Package core_test holds the module-wide dependency rules of
// ../shared/DESIGN.md, checked with `go list -deps` the way tailscale's
// deptest does.
package core_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/roomboard/roomboard"

// rule forbids packages matching from to depend on anything matching one
// of deny. A pattern ending in "/..." matches the path and everything under
// it; "std-only" forbids every non-standard-library dependency.
type rule struct {
	from string
	deny []string
	why  string
}

var rules = []rule{
	{"ews/...", []string{"core/...", "platform/...", "app", "kiosk", "fyne.io/...", "database/sql"}, "a reusable wire client knows nothing of rooms, storage or UI"},
	{"graph/...", []string{"core/...", "platform/...", "app", "kiosk", "fyne.io/...", "database/sql"}, "a reusable wire client knows nothing of rooms, storage or UI"},
	{"platform/...", []string{"core/...", "ews/...", "graph/...", "fyne.io/..."}, "leaf OS adapters"},
	{"core/...", []string{"fyne.io/...", "app", "kiosk", "icons"}, "the engine runs headless"},
	{"core/room", []string{"std-only"}, "pure domain rules"},
	{"core/hubproto", []string{"core/store/...", "core/syncer", "core/server", "core/hubclient", "ews/...", "graph/...", "database/sql", "github.com/gorilla/..."}, "the wire format: standard library and core/room only"},
	{"core/hubclient", []string{"core/store", "core/syncer", "core/server", "core/ewssource", "ews/...", "graph/..."}, "kiosks use it without the engine"},
	{"kiosk", []string{"app", "ews/...", "graph/...", "core/store", "core/syncer", "core/server"}, "the display reads state and never drives sync"},
	{"app", []string{"ews/...", "graph/..."}, "the console reaches Exchange only through core"},
}

// allButMain are denied to every package except the root main package.
var allButMain = []string{"fyne.io/fyne/v2/app", "testing"}

// sourceAdapters may import the protocol client their name says.
var sourceAdapters = map[string]string{"core/ewssource": "ews/...", "core/graphsource": "graph/..."}

type pkg struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	// cgo on: files with import "C" would otherwise drop out of the graph.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	cmd.Dir = ".."
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// standard reports whether path is in the standard library: no dot in
// its first element.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// match reports whether path matches pattern; patterns without a dot in the
// first element and not in the standard library are module-relative.
func match(path, pattern string) bool {
	full := pattern
	if !strings.Contains(strings.SplitN(pattern, "/", 2)[0], ".") && pattern != "database/sql" && pattern != "testing" {
		full = module + "/" + pattern
	}
	if base, ok := strings.CutSuffix(full, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == full
}

func TestDependencyRules(t *testing.T) {
	pkgs := listPackages(t)
	checked := 0
	for path, p := range pkgs {
		if !strings.HasPrefix(path, module) {
			continue
		}
		var denied []string
		for _, r := range rules {
			if match(path, r.from) {
				denied = append(denied, r.deny...)
			}
		}
		if path != module {
			denied = append(denied, allButMain...)
		}
		if rel := strings.TrimPrefix(path, module+"/"); strings.HasPrefix(rel, "core/") {
			if allowed, ok := sourceAdapters[rel]; ok {
				denied = append(denied, otherProtocols(allowed)...)
			} else {
				denied = append(denied, "ews/...", "graph/...")
			}
		}
		for _, d := range p.Deps {
			for _, pat := range denied {
				if pat == "std-only" && !standard(d) && !strings.HasPrefix(d, "vendor/") {
					t.Errorf("%s imports %s: only the standard library is allowed", path, d)
				}
				if pat != "std-only" && match(d, pat) {
					t.Errorf("%s must not depend on %s", path, d)
				}
			}
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("checked only %d packages of the module", checked)
	}
}

func otherProtocols(allowed string) []string {
	if allowed == "ews/..." {
		return []string{"graph/..."}
	}
	return []string{"ews/..."}
}

// TestRuleMatcher guards the matcher itself, so a broken pattern cannot
// silently allow everything.
func TestRuleMatcher(t *testing.T) {
	tests := []struct {
		path, pattern string
		want          bool
	}{
		{module + "/ews", "ews/...", true},
		{module + "/ews/ewstest", "ews/...", true},
		{module + "/ewsx", "ews/...", false},
		{"fyne.io/fyne/v2/app", "fyne.io/...", true},
		{"fyne.io/fyne/v2/app", "fyne.io/fyne/v2/app", true},
		{"database/sql", "database/sql", true},
		{"testing", "testing", true},
		{"testing/iotest", "testing", false},
		{module + "/kiosk", "kiosk", true},
	}
	for _, tc := range tests {
		if got := match(tc.path, tc.pattern); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.path, tc.pattern, got, tc.want)
		}
	}
}
