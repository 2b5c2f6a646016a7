package config

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParse feeds arbitrary bytes to the loader. It must never panic, and
// whatever it accepts must survive Marshal → Parse unchanged, so a Save of
// a loaded file never loses or alters a setting.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/example.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version": 1}`))
	f.Add([]byte(`{"version": 1, "hub": {"pollInterval": "90s"}, "integrations": [{"id": "a", "graph": {"cloud": "china"}}]}`))
	f.Add([]byte(`{"version": 1, "integrations": [{"ews": {"password": "x"}}]}`))
	f.Add([]byte(`{"version": 1} trailing`))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a config with an error")
			}
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		_ = c.Validate() // must not panic either
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a parsed config: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(c)): %v\n%s", err, out)
		}
		// An empty list and a missing one mean the same; omitempty drops it.
		if diff := cmp.Diff(c, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the config (-first +second):\n%s", diff)
		}
	})
}
