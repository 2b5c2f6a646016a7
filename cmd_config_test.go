package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/platform/keyring"
	"github.com/roomboard/roomboard/platform/paths"
)

// runStdin runs the command line with stdin as standard input.
func runStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = run(ctx, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

// configHome points ROOMBOARD_HOME at a fresh directory, gives the test an
// in-memory keyring, and returns the configuration file's path.
func configHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv(paths.EnvHome, home)
	keyring.MockInit()
	return filepath.Join(home, paths.ConfigFileName)
}

const testPassword = "Pässwort-密码 with spaces"

var addHQ = []string{"config", "integration", "add", "-password-stdin", "-kind", "ews", "-id", "hq",
	"-name", "Zentrale Zürich", "-url", "https://mail.contoso.com/EWS/Exchange.asmx", "-auth", "ntlm",
	"-user", `CONTOSO\svc-roomboard`, "-delegate", "booking@contoso.com", "-impersonation"}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfigIntegrationLifecycle(t *testing.T) {
	path := configHome(t)
	ctx := context.Background()

	code, out, errOut := runStdin(t, testPassword+"\n", addHQ...)
	if code != exitOK {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `Added integration "hq"`) {
		t.Errorf("add output: %q", out)
	}
	file := readFile(t, path)
	if strings.Contains(file, "Pässwort") || strings.Contains(file, "密码") {
		t.Fatalf("the configuration file contains the password:\n%s", file)
	}
	got, err := keyring.New().Get(ctx, config.SecretKey("hq", config.SecretPassword))
	if err != nil || got != testPassword {
		t.Fatalf("keyring has %q, %v; want the password without its line break", got, err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Integration{ID: "hq", Name: "Zentrale Zürich", Kind: config.KindEWS,
		EWS: &config.EWS{ServerURL: "https://mail.contoso.com/EWS/Exchange.asmx", Auth: config.AuthNTLM,
			Username: `CONTOSO\svc-roomboard`, Impersonation: true, DelegateAddress: "booking@contoso.com"},
		Scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll}, Equipment: config.Selection{Mode: config.SelectAll},
			Users: config.UserScope{Mode: config.UsersNone}}}
	if diff := cmp.Diff([]config.Integration{want}, c.Integrations); diff != "" {
		t.Errorf("stored integration (-want +got):\n%s", diff)
	}

	code, out, errOut = runStdin(t, "", "config", "integration", "list")
	if code != exitOK || !strings.Contains(out, "hq") || !strings.Contains(out, "Zentrale Zürich") || !strings.Contains(out, "all rooms") {
		t.Errorf("list: exit %d, out %q, err %q", code, out, errOut)
	}

	code, out, _ = runStdin(t, "", "config", "integration", "show", "-id", "hq")
	if code != exitOK || !strings.Contains(out, "stored in the OS keyring") || strings.Contains(out, "Pässwort") {
		t.Errorf("show: exit %d:\n%s", code, out)
	}
	code, out, _ = runStdin(t, "", "config", "integration", "show", "-id", "hq", "-json")
	if code != exitOK || !strings.Contains(out, `"delegateAddress": "booking@contoso.com"`) {
		t.Errorf("show -json: exit %d:\n%s", code, out)
	}

	code, out, errOut = runStdin(t, "", "config", "scope", "-id", "hq",
		"-rooms", "grosser-saal@contoso.com, huiyishi-1@contoso.com", "-users", "groups:empfang@contoso.com")
	if code != exitOK || !strings.Contains(out, "2 rooms") {
		t.Fatalf("scope: exit %d, out %q, err %q", code, out, errOut)
	}
	c, _ = config.Load(path)
	wantScope := config.Scope{
		Rooms:     config.Selection{Mode: config.SelectSelected, Selected: []string{"grosser-saal@contoso.com", "huiyishi-1@contoso.com"}},
		Equipment: config.Selection{Mode: config.SelectAll},
		Users:     config.UserScope{Mode: config.UsersGroups, Groups: []string{"empfang@contoso.com"}},
	}
	if diff := cmp.Diff(wantScope, c.Integrations[0].Scope); diff != "" {
		t.Errorf("scope (-want +got):\n%s", diff)
	}

	// -replace keeps the scope and replaces the secret.
	replace := append(append([]string{}, addHQ...), "-replace")
	if code, _, errOut := runStdin(t, "neues Passwort\n", replace...); code != exitOK {
		t.Fatalf("add -replace: exit %d: %s", code, errOut)
	}
	c, _ = config.Load(path)
	if diff := cmp.Diff(wantScope, c.Integrations[0].Scope); diff != "" {
		t.Errorf("scope after -replace (-want +got):\n%s", diff)
	}
	if got, _ := keyring.New().Get(ctx, config.SecretKey("hq", config.SecretPassword)); got != "neues Passwort" {
		t.Errorf("secret after -replace = %q", got)
	}

	code, _, errOut = runStdin(t, "", "config", "integration", "remove", "-id", "hq")
	if code != exitOK {
		t.Fatalf("remove: exit %d: %s", code, errOut)
	}
	if _, err := keyring.New().Get(ctx, config.SecretKey("hq", config.SecretPassword)); !config.IsSecretNotFound(err) {
		t.Errorf("after remove the keyring answers %v, want not found", err)
	}
	code, out, _ = runStdin(t, "", "config", "integration", "list")
	if code != exitOK || !strings.Contains(out, "No integrations") {
		t.Errorf("list after remove: exit %d: %q", code, out)
	}
}

func TestConfigGraphCertificate(t *testing.T) {
	path := configHome(t)
	cert := filepath.Join(t.TempDir(), "app.crt")
	os.WriteFile(cert, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600)
	key := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"
	code, _, errOut := runStdin(t, key, "config", "integration", "add", "-password-stdin", "-kind", "graph", "-id", "cn",
		"-name", "上海办公室", "-cloud", "china", "-tenant", "contoso.partner.onmschina.cn",
		"-app", "2f0c7a3e-5b1d-4c8e-9a67-1d2e3f4a5b6c", "-credential", "certificate", "-cert", cert)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(readFile(t, path), "PRIVATE KEY") {
		t.Fatal("the configuration file contains the private key")
	}
	got, err := keyring.New().Get(context.Background(), config.SecretKey("cn", config.SecretCertificateKey))
	if err != nil || got != strings.TrimSpace(key) {
		t.Fatalf("keyring has %q, %v", got, err)
	}
	code, _, errOut = runStdin(t, "", "config", "integration", "test", "-id", "cn")
	if code != exitFailure || !strings.Contains(errOut, "not available yet") {
		t.Errorf("test of a graph integration: exit %d: %s", code, errOut)
	}
}

// TestConfigBadInput checks that every mistake exits 2 with a message
// naming what to fix, and leaves the configuration file as it was.
func TestConfigBadInput(t *testing.T) {
	path := configHome(t)
	if code, _, errOut := runStdin(t, testPassword, addHQ...); code != exitOK {
		t.Fatalf("setup: %s", errOut)
	}
	before := readFile(t, path)
	ews := func(extra ...string) []string {
		return append([]string{"config", "integration", "add", "-password-stdin", "-kind", "ews", "-id", "zh",
			"-name", "Zürich", "-url", "https://mail.contoso.com/EWS/Exchange.asmx", "-user", "svc@contoso.com"}, extra...)
	}
	tests := []struct {
		name     string
		env      map[string]string
		stdin    string
		args     []string
		inStderr string
	}{
		{"password flag", nil, "", append(ews(), "-password", "geheim"), "-password: secrets are never taken from flags"},
		{"password flag with =", nil, "", append(ews(), "--password=geheim"), "never taken from flags"},
		{"client secret flag", nil, "", []string{"config", "integration", "add", "-kind", "graph", "-client-secret", "s"}, "-client-secret: secrets"},
		{"secret in the environment", map[string]string{"ROOMBOARD_PASSWORD": "geheim"}, "x", ews(), "ROOMBOARD_PASSWORD is set"},
		{"no kind", nil, "x", []string{"config", "integration", "add", "-id", "zh"}, "-kind is required"},
		{"bad kind", nil, "x", []string{"config", "integration", "add", "-kind", "imap", "-id", "zh", "-name", "Z"}, `-kind (kind): "imap"`},
		{"bad URL", nil, "x", append(ews(), "-url", "ftp://mail.contoso.com"), "-url (ews.serverURL)"},
		{"http to a remote host", nil, "x", append(ews(), "-url", "http://mail.contoso.com/EWS/Exchange.asmx"), "must use https://"},
		{"bad ID", nil, "x", append(ews(), "-id", "Zürich!"), "-id (id)"},
		{"bad delegate", nil, "x", append(ews(), "-delegate", "booking"), "-delegate (ews.delegateAddress)"},
		{"bad pin", nil, "x", append(ews(), "-pin", "abc"), "-pin (ews.tls.pinSHA256)"},
		{"missing CA file", nil, "x", append(ews(), "-ca", "/nonexistent/ca.pem"), "-ca:"},
		{"graph flag on ews", nil, "x", append(ews(), "-tenant", "contoso.onmicrosoft.com"), "-tenant: not used with -kind ews"},
		{"duplicate ID", nil, "x", append(ews(), "-id", "hq"), `"hq" already exists`},
		{"no terminal", nil, "", []string{"config", "integration", "add", "-kind", "ews", "-id", "zh", "-name", "Zürich",
			"-url", "https://mail.contoso.com/EWS/Exchange.asmx", "-user", "svc@contoso.com"},
			"no terminal to ask for the service account password on; pipe it in with -password-stdin"},
		{"empty stdin", nil, "", ews(), "standard input was empty"},
		{"two lines on stdin", nil, "a\nb\n", ews(), "more than one line"},
		{"unknown subcommand", nil, "", []string{"config", "integration", "rename"}, `unknown subcommand "integration rename"`},
		{"no subcommand", nil, "", []string{"config"}, "missing subcommand"},
		{"show without id", nil, "", []string{"config", "integration", "show"}, "-id is required"},
		{"scope without change", nil, "", []string{"config", "scope", "-id", "hq"}, "nothing to change"},
		{"scope bad room", nil, "", []string{"config", "scope", "-id", "hq", "-rooms", "saal, huiyishi-1@contoso.com"}, `-rooms (scope.rooms.selected[0]): "saal"`},
		{"scope duplicate room", nil, "", []string{"config", "scope", "-id", "hq", "-rooms", "a@contoso.com,A@contoso.com"}, "listed twice"},
		{"scope bad users", nil, "", []string{"config", "scope", "-id", "hq", "-users", "everyone"}, `-users (scope.users.mode): "everyone"`},
		{"scope groups without list", nil, "", []string{"config", "scope", "-id", "hq", "-users", "groups"}, "list the groups"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, _, errOut := runStdin(t, tc.stdin, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, errOut)
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inStderr, errOut)
			}
			if strings.Contains(errOut, "geheim") {
				t.Errorf("stderr repeats the secret:\n%s", errOut)
			}
			if after := readFile(t, path); after != before {
				t.Errorf("the configuration file changed:\n%s", after)
			}
			if _, err := keyring.New().Get(context.Background(), config.SecretKey("zh", config.SecretPassword)); !config.IsSecretNotFound(err) {
				t.Errorf("a secret for zh was stored: %v", err)
			}
		})
	}
}

func TestConfigKeyringFailureLeavesFile(t *testing.T) {
	path := configHome(t)
	keyring.MockInitWithError(errors.New("dbus: couldn't determine address of session bus"))
	t.Cleanup(keyring.MockInit)
	code, _, errOut := runStdin(t, testPassword, addHQ...)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s", code, exitFailure, errOut)
	}
	for _, want := range []string{"no OS keyring available", "was not changed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the configuration file was written after the keyring failed: %v", err)
	}
}

func TestConfigCorruptFile(t *testing.T) {
	path := configHome(t)
	bad := "{\"version\": 1, \"integrations\": [\n  {\"id\": \"hq\", \"password\": \"x\"}\n]}\n"
	os.WriteFile(path, []byte(bad), 0o600)
	for _, args := range [][]string{
		{"config", "integration", "list"},
		{"config", "scope", "-id", "hq", "-rooms", "all"},
		addHQ,
	} {
		code, _, errOut := runStdin(t, testPassword, args...)
		if code != exitFailure || !strings.Contains(errOut, "secrets are never stored in this file") || !strings.Contains(errOut, "was not changed") {
			t.Errorf("%v: exit %d: %s", args[:3], code, errOut)
		}
	}
	if got := readFile(t, path); got != bad {
		t.Errorf("the file changed:\n%s", got)
	}
}

// TestConfigIntegrationTest runs `integration test` against the simulator
// with Basic authentication: the right password connects and reads a
// room's calendar; a wrong one gives a message that says what to do.
func TestConfigIntegrationTest(t *testing.T) {
	configHome(t)
	const user = `CONTOSO\svc-roomboard`
	_, ts := ewstest.NewServer(ewstest.Options{Seed: 7, Rooms: 12, Auth: ewstest.AuthBasic,
		Passwords: map[string]string{user: testPassword}})
	defer ts.Close()
	add := func(password string, extra ...string) {
		t.Helper()
		args := append([]string{"config", "integration", "add", "-password-stdin", "-replace", "-kind", "ews", "-id", "sim",
			"-name", "Simulator", "-url", ts.URL + "/EWS/Exchange.asmx", "-auth", "basic", "-user", user}, extra...)
		if code, _, errOut := runStdin(t, password+"\n", args...); code != exitOK {
			t.Fatalf("add: exit %d: %s", code, errOut)
		}
	}

	add(testPassword)
	code, out, errOut := runStdin(t, "", "config", "integration", "test", "-id", "sim")
	if code != exitOK {
		t.Fatalf("test: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"OK: Exchange 15.", "room lists", "read today's calendar of", "with delegate access"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	add(testPassword, "-impersonation")
	if code, out, errOut := runStdin(t, "", "config", "integration", "test", "-id", "sim"); code != exitOK || !strings.Contains(out, "through impersonation") {
		t.Errorf("test with impersonation: exit %d: %s%s", code, out, errOut)
	}

	add("falsches Passwort")
	code, _, errOut = runStdin(t, "", "config", "integration", "test", "-id", "sim")
	if code != exitFailure {
		t.Fatalf("test with a wrong password: exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{`rejected the account CONTOSO\svc-roomboard (HTTP 401)`, "password is wrong", "add -replace"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "falsches") {
		t.Errorf("stderr repeats the password:\n%s", errOut)
	}

	// Nothing listening: the message points at the URL.
	ts.Close()
	code, _, errOut = runStdin(t, "", "config", "integration", "test", "-id", "sim")
	if code != exitFailure || !strings.Contains(errOut, "Nothing accepts connections") {
		t.Errorf("test against a closed port: exit %d: %s", code, errOut)
	}
}

func TestFlagFor(t *testing.T) {
	tests := map[string]string{
		"integrations[3].ews.serverURL":    "-url",
		"ews.tls.pinSHA256":                "-pin",
		"graph.appID":                      "-app",
		"scope.rooms.selected[1]":          "-rooms",
		"integrations[0].scope.users.mode": "-users",
		"hub.listenAddr":                   "",
		"id":                               "-id",
	}
	for field, want := range tests {
		if got := flagFor(field); got != want {
			t.Errorf("flagFor(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestCheckSecretFlags(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("name", "", "")
	fs.Bool("impersonation", false, "")
	tests := []struct {
		args   []string
		reject bool
	}{
		{[]string{"-name", "-password"}, false}, // a value, not a flag
		{[]string{"-name=x", "-password", "y"}, true},
		{[]string{"-impersonation", "-secret=y"}, true},
		{[]string{"-impersonation", "--token", "y"}, true},
		{[]string{"--", "-password"}, false},
		{[]string{"arg", "-password"}, false}, // flag parsing stops at the first argument
		{[]string{"-password-stdin"}, false},
	}
	for _, tc := range tests {
		err := checkSecretFlags(fs, tc.args)
		if (err != nil) != tc.reject {
			t.Errorf("checkSecretFlags(%q) = %v, want reject %v", tc.args, err, tc.reject)
		}
	}
}

func TestConfigAndExportHelp(t *testing.T) {
	for _, args := range [][]string{
		{"config", "integration", "add", "-h"},
		{"config", "integration", "list", "-h"},
		{"config", "integration", "show", "-h"},
		{"config", "integration", "test", "-h"},
		{"config", "integration", "remove", "-h"},
		{"config", "scope", "-h"},
		{"export", "-h"},
	} {
		code, _, errOut := runStdin(t, "", args...)
		if code != exitOK || !strings.Contains(errOut, "Examples:\n") || !strings.Contains(errOut, "roomboard "+strings.Join(args[:len(args)-1], " ")+" ") {
			t.Errorf("%v: exit %d:\n%s", args, code, errOut)
		}
	}
	code, out, _ := runStdin(t, "", "config", "-h")
	if code != exitOK || !strings.Contains(out, "integration add") {
		t.Errorf("config -h: exit %d:\n%s", code, out)
	}
}
