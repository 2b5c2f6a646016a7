package main

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = run(ctx, &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{nil, exitUsage, "Commands:", ""},
		{[]string{"-h"}, exitOK, "simulate", ""},
		{[]string{"version"}, exitOK, "roomboard " + version, ""},
		{[]string{"nosuch"}, exitUsage, "", `unknown command "nosuch"`},
		{[]string{"simulate", "-auth", "kerberos"}, exitUsage, "", `-auth "kerberos"`},
		{[]string{"simulate", "-rooms", "-3"}, exitUsage, "", "-rooms -3"},
		{[]string{"simulate", "-fault", "op=FindItem"}, exitUsage, "", "nothing to inject"},
		{[]string{"simulate", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"simulate", "-h"}, exitOK, "", "Examples:"},
		{[]string{"demo", "-nosuchflag"}, exitUsage, "", "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			if !strings.Contains(out, tc.inStdout) {
				t.Errorf("stdout %q does not contain %q", out, tc.inStdout)
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr %q does not contain %q", errOut, tc.inStderr)
			}
		})
	}
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    ewstest.Fault
		wantErr string
	}{
		{"op=FindItem,soap=ErrorServerBusy,backoff=2s,times=3", ewstest.Fault{Op: "FindItem", SOAPFault: "ErrorServerBusy", BackOff: 2 * time.Second, Times: 3}, ""},
		{"op=SyncFolderItems,response=ErrorInvalidSyncStateData", ewstest.Fault{Op: "SyncFolderItems", ResponseCode: "ErrorInvalidSyncStateData"}, ""},
		{"http=503,backoff=5s", ewstest.Fault{HTTPStatus: 503, BackOff: 5 * time.Second}, ""},
		{"op=GetStreamingEvents,reset", ewstest.Fault{Op: "GetStreamingEvents", ResetMidStream: true}, ""},
		{"expire", ewstest.Fault{ExpireSubscriptions: true}, ""},
		{"delay=150ms", ewstest.Fault{Delay: 150 * time.Millisecond}, ""},
		{"", ewstest.Fault{}, "empty fault"},
		{"http=200", ewstest.Fault{}, "400 to 599"},
		{"http=abc", ewstest.Fault{}, "invalid syntax"},
		{"times=-1,soap=X", ewstest.Fault{}, "negative"},
		{"soap=A,http=500", ewstest.Fault{}, "only one of"},
		{"colour=red", ewstest.Fault{}, `unknown key "colour"`},
		{"soap=", ewstest.Fault{}, "needs a value"},
		{"backoff=forever,soap=X", ewstest.Fault{}, "backoff"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseFault(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseFault(%q) err = %v, want containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseFault(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// TestDemoWalkThrough runs the README's first command in its -once form:
// a real simulator on a loopback port and the real client over HTTP.
func TestDemoWalkThrough(t *testing.T) {
	code, out, errOut := runCmd(t, "demo", "-once", "-addr", "127.0.0.1:0", "-rooms", "30")
	if code != exitOK {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Started the Exchange simulator", "Exchange 15.2", "Room lists (", "Rooms in ", "Today in ",
		" ok, 0 failed", "ROOM", "STATUS"} {
		if !strings.Contains(out, want) {
			t.Errorf("walk-through lacks %q:\n%s", want, out)
		}
	}
	// The board lists a room of the simulator with a status word.
	_, board, ok := strings.Cut(out, "Rooms at ")
	if !ok {
		t.Fatalf("no board after the sync:\n%s", out)
	}
	firstRoom := ewstest.New(ewstest.Options{Rooms: 30, Seed: 1}).Rooms()[0].Name
	var line string
	for _, l := range strings.Split(board, "\n") {
		if strings.HasPrefix(l, firstRoom+" ") {
			line = l
		}
	}
	if !regexp.MustCompile(`  (FREE|BUSY|STARTING SOON|ENDING SOON|CHECK IN)  +(free|busy) until `).MatchString(line) {
		t.Errorf("board line of %s = %q, want a status and until when:\n%s", firstRoom, line, board)
	}
}

// TestSimulateValidate checks that -validate wires Microsoft's schema into
// the simulator: a request that is well-formed but schema-invalid gets
// ErrorSchemaValidation.
func TestSimulateValidate(t *testing.T) {
	if err := xsdcheck.Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	cfg, err := parseSimulateFlags(&env{stdout: io.Discard, stderr: io.Discard}, []string{"-validate"})
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := newSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	// BaseShape "IdOnlyy" is not in the enumeration; Go's decoder would
	// accept it, the schema does not.
	body := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body><m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnlyy</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem></soap:Body></soap:Envelope>`
	res, err := http.Post(ts.URL+"/EWS/Exchange.asmx", "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), "ErrorSchemaValidation") || !strings.Contains(string(b), "enumeration") {
		t.Fatalf("status %d body %s: want an ErrorSchemaValidation fault", res.StatusCode, b)
	}
}

func TestParseHexColour(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want color.Color
		ok   bool
	}{
		{"#1b5e20", color.NRGBA{0x1b, 0x5e, 0x20, 0xff}, true},
		{"#FFFFFF", color.NRGBA{0xff, 0xff, 0xff, 0xff}, true},
		{"1b5e20", nil, false},
		{"#1b5e2", nil, false},
		{"#zz5e20", nil, false},
	} {
		got, err := parseHexColour(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseHexColour(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSystemLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"zh_TW.UTF-8", "zh-TW"}, {"zh_HK.UTF-8", "zh-TW"}, {"zh_CN.UTF-8", "zh-CN"}, {"de_CH.UTF-8", "de"},
		{"en_US.UTF-8", "en"}, {"C", "en"}, {"", "en"},
	} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tc.lang)
		if got := systemLanguage(); got != tc.want {
			t.Errorf("LANG=%q: %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// A damaged kiosk state file is an error that names the file, never a
// silent reset (the pinned certificate would be lost).
func TestKioskStateFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/kiosk.json"
	if st, err := loadKioskState(path); err != nil || st != (kioskState{}) {
		t.Fatalf("missing file: %+v, %v", st, err)
	}
	want := kioskState{Hub: "https://hub.contoso.com:8443", PinSHA256: "ab12", DeviceID: "d1", Language: "zh-TW", Theme: "light"}
	if err := saveKioskState(path, want); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode: %v, %v", fi, err)
	}
	got, err := loadKioskState(path)
	if err != nil || got != want {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKioskState(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("damaged file: %v", err)
	}
}
