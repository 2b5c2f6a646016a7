package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roomboard.json")
	want := validConfig()
	if err := Save(path, want); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
	}
	// Saving again replaces the file and leaves no temporary files.
	want.Integrations[0].Name = "台北總部 (新)"
	if err := Save(path, want); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only roomboard.json", names)
	}
	if got, _ := Load(path); got.Integrations[0].Name != "台北總部 (新)" {
		t.Errorf("second Save not visible: %q", got.Integrations[0].Name)
	}
}

func TestExampleFile(t *testing.T) {
	c, err := Load("testdata/example.json")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate:\n%v", err)
	}
	// The example is what Save writes, byte for byte, so it doubles as a
	// format golden.
	want, _ := os.ReadFile("testdata/example.json")
	got, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Marshal(Load(example)) (-file +got):\n%s", diff)
	}
}

func TestLoadFillsDefaults(t *testing.T) {
	c, err := Parse([]byte(`{"version": 1, "hub": {"listenAddr": "127.0.0.1:9443"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Hub.ListenAddr = "127.0.0.1:9443"
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestLoadBadFiles checks that every kind of unusable file gives a
// *FileError that says where and what, and that the file is left as it
// was.
func TestLoadBadFiles(t *testing.T) {
	type want struct {
		Line, Column int
		Field        string
		Contains     string
	}
	tests := []struct {
		name string
		data string
		want want
	}{
		{"syntax", "{\n  \"version\": 1,\n  \"hub\": {\"listenAddr\": \":8443\",}\n}", want{3, 33, "", "not valid JSON"}},
		{"wrong type", "{\"version\": 1, \"hub\": {\"concurrencyPerAccount\": \"viele\"}}", want{1, 55, "hub.concurrencyPerAccount", `must be a JSON number, not string`}},
		{"wrong type bool", `{"version": 1, "integrations": [{"ews": {"impersonation": "ja"}}]}`, want{1, 62, "integrations.ews.impersonation", "boolean"}},
		{"unknown field", `{"version": 1, "hub": {"listen": ":8443"}}`, want{0, 0, "listen", `unknown field "listen"; remove it or check its spelling`}},
		{"secret field", `{"version": 1, "integrations": [{"id": "x", "ews": {"username": "svc", "password": "Geheim-密碼"}}]}`,
			want{0, 0, "password", "secrets are never stored in this file"}},
		{"trailing data", `{"version": 1} {"version": 1}`, want{1, 16, "", "unexpected data after the configuration object"}},
		{"empty", "", want{0, 0, "", "empty or cut short"}},
		{"truncated", `{"version": 1, "hub": {`, want{0, 0, "", "empty or cut short"}},
		{"not an object", `[1, 2]`, want{1, 1, "", "the file must be a JSON object, not array"}},
		{"no version", `{"hub": {}}`, want{0, 0, "version", "not a Roomboard configuration file"}},
		{"newer version", `{"version": 7}`, want{0, 0, "version", "upgrade Roomboard"}},
		{"bad duration", `{"version": 1, "hub": {"pollInterval": "eine Minute"}}`, want{0, 0, "", `write it like "90s"`}},
		{"too large", `{"version": 1, "integrations": [], "x": "` + strings.Repeat("a", MaxFileSize) + `"}`, want{0, 0, "", "larger than 1 MiB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "roomboard.json")
			if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if c != nil {
				t.Errorf("Load returned a config along with the error")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Load: %v (%T), want *FileError", err, err)
			}
			got := want{fe.Line, fe.Column, fe.Field, tc.want.Contains}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FileError position/field (-want +got):\n%s", diff)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want.Contains) || !strings.Contains(msg, path) {
				t.Errorf("error %q lacks %q or the path", msg, tc.want.Contains)
			}
			if strings.Contains(msg, "Geheim") {
				t.Errorf("error repeats the secret: %q", msg)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, []byte(tc.data)) {
				t.Errorf("Load changed the file")
			}
		})
	}
}

func TestSaveInvalidKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roomboard.json")
	if err := Save(path, validConfig()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := validConfig()
	bad.Integrations[0].EWS.ServerURL = "https://svc:Geheim-密碼@mail.contoso.com/EWS/Exchange.asmx"
	err := Save(path, bad)
	var errs Errors
	if !errors.As(err, &errs) || errs[0].Field != "integrations[0].ews.serverURL" {
		t.Fatalf("Save of an invalid config: %v, want a serverURL field error", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a refused Save changed the file")
	}
	if bytes.Contains(after, []byte("Geheim")) {
		t.Error("the file contains the password from the URL")
	}
}

func TestSaveUnwritableDir(t *testing.T) {
	err := Save(filepath.Join(t.TempDir(), "missing-dir", "roomboard.json"), validConfig())
	if err == nil {
		t.Fatal("Save into a missing directory succeeded")
	}
}
