package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/platform/keyring"
	"github.com/roomboard/roomboard/platform/paths"
)

// `roomboard config` edits the configuration file for headless and
// scripted setups. Secrets go into the OS keyring and are read from a
// no-echo prompt or, with -password-stdin, from standard input: never from
// flags (shell history, ps) or the environment (inherited by every child,
// visible in /proc).

const configUsage = `Usage: roomboard config <subcommand> [flags]

Edit Roomboard's settings without the admin console. Settings are kept in
roomboard.json in the configuration directory (or the file given with
-config); secrets go into the OS keyring only.

Subcommands:
  integration add      add (or with -replace, change) a connection to Exchange
  integration list     list the integrations
  integration show     show one integration and whether its secret is in the keyring
  integration test     connect to Exchange with the stored settings and secret
  integration remove   remove an integration and its secrets
  scope                choose which rooms, equipment and users an integration syncs

Run 'roomboard config <subcommand> -h' for its flags and examples.
`

func runConfig(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, configUsage)
		return usageError{"missing subcommand: integration or scope"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, configUsage)
		return nil
	case "scope":
		return runConfigScope(ctx, e, args[1:])
	case "integration":
	default:
		return usageError{fmt.Sprintf("unknown subcommand %q: choose integration or scope", args[0])}
	}
	sub := map[string]func(context.Context, *env, []string) error{
		"add":    runIntegrationAdd,
		"list":   runIntegrationList,
		"show":   runIntegrationShow,
		"test":   runIntegrationTest,
		"remove": runIntegrationRemove,
	}
	if len(args) < 2 {
		fmt.Fprint(e.stderr, configUsage)
		return usageError{"missing subcommand: integration add, list, show, test or remove"}
	}
	if args[1] == "-h" || args[1] == "-help" || args[1] == "--help" {
		fmt.Fprint(e.stdout, configUsage)
		return nil
	}
	f, ok := sub[args[1]]
	if !ok {
		return usageError{fmt.Sprintf("unknown subcommand %q: choose add, list, show, test or remove", "integration "+args[1])}
	}
	return f(ctx, e, args[2:])
}

// configFlag adds -config to fs and returns a function that resolves the
// file to use.
func configFlag(fs *flag.FlagSet) func() (string, error) {
	p := fs.String("config", "", "configuration `file` (default: roomboard.json in the configuration directory; "+paths.EnvHome+" moves it)")
	return func() (string, error) {
		if *p != "" {
			return *p, nil
		}
		d, err := paths.Default()
		if err != nil {
			return "", err
		}
		return d.ConfigFile(), nil
	}
}

// loadConfig reads the file at path; a missing file is an empty default
// configuration and exists is false.
func loadConfig(path string) (c *config.Config, exists bool, err error) {
	c, err = config.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return config.Default(), false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%w\nThe file was not changed. Fix it by hand or restore a backup", err)
	}
	return c, true, nil
}

// loadIntegration loads the configuration and finds the integration id.
func loadIntegration(path, id string) (*config.Config, *config.Integration, error) {
	if id == "" {
		return nil, nil, usageError{"-id is required: the integration's ID (see 'roomboard config integration list')"}
	}
	c, exists, err := loadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	in := c.Integration(id)
	if in == nil {
		if !exists {
			return nil, nil, fmt.Errorf("no integration %q: there is no configuration file at %s yet; add one with 'roomboard config integration add'", id, path)
		}
		return nil, nil, fmt.Errorf("no integration %q in %s; 'roomboard config integration list' shows the IDs", id, path)
	}
	return c, in, nil
}

// saveConfig writes c to path, creating the directory. Validation errors
// are printed per field and turned into a usage error.
func saveConfig(e *env, path string, c *config.Config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the configuration directory: %w", err)
	}
	if err := config.Save(path, c); err != nil {
		var fe config.Errors
		if errors.As(err, &fe) {
			printFieldErrors(e, fe)
			return usageError{"the configuration is not valid; nothing was changed"}
		}
		return err
	}
	return nil
}

// fieldFlags maps the JSON path of an integration's setting to the flag
// that sets it, so validation messages name what to type.
var fieldFlags = map[string]string{
	"id": "-id", "name": "-name", "kind": "-kind",
	"ews.serverURL": "-url", "ews.autodiscoverEmail": "-autodiscover", "ews.auth": "-auth",
	"ews.username": "-user", "ews.delegateAddress": "-delegate", "ews.version": "-ews-version",
	"ews.tls.ca": "-ca", "ews.tls.pinSHA256": "-pin", "ews.tls.skipVerify": "-insecure-skip-verify",
	"graph.cloud": "-cloud", "graph.tenantID": "-tenant", "graph.appID": "-app",
	"graph.credential": "-credential", "graph.certificatePath": "-cert",
	"scope.rooms": "-rooms", "scope.equipment": "-equipment", "scope.users": "-users",
}

// flagFor returns the flag for a field path such as
// "integrations[2].ews.serverURL" or "scope.rooms.selected[1]", or "".
func flagFor(field string) string {
	if strings.HasPrefix(field, "integrations[") {
		if _, rest, ok := strings.Cut(field, "]."); ok {
			field = rest
		}
	}
	for f := field; f != ""; {
		if fl, ok := fieldFlags[f]; ok {
			return fl
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return ""
}

func printFieldErrors(e *env, errs config.Errors) {
	for _, fe := range errs {
		if fl := flagFor(fe.Field); fl != "" {
			fmt.Fprintf(e.stderr, "  %s (%s): %s\n", fl, fe.Field, fe.Message)
		} else {
			fmt.Fprintf(e.stderr, "  %s: %s\n", fe.Field, fe.Message)
		}
	}
}

// secretFlagNames are flags people try for passing a secret; they get an
// explanation instead of "flag provided but not defined".
var secretFlagNames = []string{"password", "pass", "passwd", "pw", "p", "secret", "client-secret", "clientsecret", "key", "cert-key", "private-key", "token"}

// checkSecretFlags walks args the way flag.Parse does and refuses any flag
// that looks like it carries a secret.
func checkSecretFlags(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || a == "--" {
			return nil
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if slices.Contains(secretFlagNames, strings.ToLower(name)) {
			return usageError{fmt.Sprintf("-%s: secrets are never taken from flags, where shell history and process lists "+
				"keep them; type the secret at the prompt, or pipe it in with -password-stdin", name)}
		}
		f := fs.Lookup(name)
		if f == nil || hasValue {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		i++ // the next argument is this flag's value
	}
	return nil
}

// checkSecretEnv refuses to run when the environment seems to carry a
// Roomboard secret, rather than silently ignoring it: a script author
// expecting it to be used should learn that it is not, and that it leaks.
func checkSecretEnv() error {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		u := strings.ToUpper(name)
		if !strings.HasPrefix(u, "ROOMBOARD_") {
			continue
		}
		for _, s := range []string{"PASSWORD", "SECRET", "TOKEN", "KEY"} {
			if strings.Contains(u, s) {
				return usageError{fmt.Sprintf("%s is set, but Roomboard never reads secrets from the environment "+
					"(every child process inherits it); unset it and pipe the secret in with -password-stdin", name)}
			}
		}
	}
	return nil
}

// readSecret reads one secret: from stdin when fromStdin is set (all of
// it, one trailing line break removed), otherwise from a no-echo prompt on
// the terminal.
func readSecret(ctx context.Context, e *env, noun string, fromStdin, multiline bool) (string, error) {
	if fromStdin {
		if e.stdin == nil {
			return "", usageError{"-password-stdin: standard input is not available"}
		}
		b, err := io.ReadAll(io.LimitReader(e.stdin, keyring.MaxSecretLen+3))
		if err != nil {
			return "", fmt.Errorf("read the %s from standard input: %w", noun, err)
		}
		s := string(b)
		if multiline {
			s = strings.TrimSpace(s)
		} else {
			s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
			if strings.ContainsAny(s, "\r\n") {
				return "", usageError{fmt.Sprintf("-password-stdin: the %s has more than one line; pipe in only the secret", noun)}
			}
		}
		if len(s) > keyring.MaxSecretLen {
			return "", usageError{fmt.Sprintf("-password-stdin: the %s is longer than %d bytes, the OS keyring's limit", noun, keyring.MaxSecretLen)}
		}
		if s == "" {
			return "", usageError{fmt.Sprintf("-password-stdin: standard input was empty; pipe in the %s", noun)}
		}
		return s, nil
	}
	if multiline {
		return "", usageError{fmt.Sprintf("the %s is PEM text of several lines; pipe it in with -password-stdin < key.pem", noun)}
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return "", usageError{fmt.Sprintf("no terminal to ask for the %s on; pipe it in with -password-stdin", noun)}
	}
	if runtime.GOOS == "windows" {
		// Without golang.org/x/term there is no portable way to turn off
		// echo on the Windows console from this package.
		return "", usageError{fmt.Sprintf("typing the %s at a prompt is not supported on Windows yet (it would be shown); "+
			"pipe it in with -password-stdin, e.g. Get-Content secret.txt | roomboard config ...", noun)}
	}
	return promptNoEcho(ctx, e, f, fmt.Sprintf("%s (not shown): ", upperFirst(noun)))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// isTerminal reports whether f is a terminal, by asking stty for its
// settings: /dev/null is a character device too, but stty fails on it.
func isTerminal(f *os.File) bool {
	if runtime.GOOS == "windows" {
		fi, err := f.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
	cmd := exec.Command("stty", "-g")
	cmd.Stdin = f
	return cmd.Run() == nil
}

// promptNoEcho turns echo off with stty, reads one line and restores the
// terminal, also when ctx ends (Ctrl-C) while it waits.
func promptNoEcho(ctx context.Context, e *env, tty *os.File, prompt string) (string, error) {
	stty := func(args ...string) error {
		cmd := exec.Command("stty", args...)
		cmd.Stdin = tty
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return "", fmt.Errorf("cannot turn off echo on the terminal (%v); pipe the secret in with -password-stdin", err)
	}
	defer func() {
		stty("echo")
		fmt.Fprintln(e.stderr)
	}()
	fmt.Fprint(e.stderr, prompt)
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(tty).ReadString('\n')
		ch <- line{s, err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case l := <-ch:
		s := strings.TrimRight(l.s, "\r\n")
		if l.err != nil && (!errors.Is(l.err, io.EOF) || s == "") {
			return "", fmt.Errorf("read the secret: %v", l.err)
		}
		if s == "" {
			return "", usageError{"the secret is empty"}
		}
		return s, nil
	}
}

const addExamples = `  # On-premises Exchange; the password is asked for without echo:
  roomboard config integration add -kind ews -id hq -name "Zentrale Zürich" \
      -url https://mail.contoso.com/EWS/Exchange.asmx -auth ntlm \
      -user 'CONTOSO\svc-roomboard' -delegate booking@contoso.com -impersonation

  # Scripted: the password comes from a file or a vault, never from a flag:
  vault kv get -field=pw secret/roomboard | roomboard config integration add -password-stdin \
      -kind ews -id hq -name "HQ" -url https://mail.contoso.com/EWS/Exchange.asmx \
      -auth ntlm -user svc-roomboard@contoso.com -ca /etc/ssl/contoso-root.pem

  # Exchange Online with a client secret, in the 21Vianet cloud:
  roomboard config integration add -kind graph -id cn -name "上海办公室" -cloud china \
      -tenant contoso.partner.onmschina.cn -app 2f0c7a3e-5b1d-4c8e-9a67-1d2e3f4a5b6c -credential secret

  # Exchange Online with a certificate; its private key is piped in:
  roomboard config integration add -kind graph -id online -name "Contoso Online" \
      -tenant contoso.onmicrosoft.com -app 2f0c7a3e-5b1d-4c8e-9a67-1d2e3f4a5b6c \
      -credential certificate -cert /etc/roomboard/app.crt -password-stdin < app.key`

func runIntegrationAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config integration add",
		"Add a connection to Exchange and store its secret (service account password, client secret\n"+
			"or certificate private key) in the OS keyring. The secret is asked for without echo, or read\n"+
			"from standard input with -password-stdin; it is never accepted as a flag or from the\n"+
			"environment. The new integration syncs all rooms and equipment and no users; change that\n"+
			"with 'roomboard config scope'.",
		addExamples)
	cfgPath := configFlag(fs)
	kind := fs.String("kind", "", "`ews` (Exchange Server on-premises) or graph (Exchange Online)")
	id := fs.String("id", "", "short stable `ID`: lower-case letters, digits and '-'")
	name := fs.String("name", "", "`name` admins see")
	replace := fs.Bool("replace", false, "replace an existing integration with this ID (its scope is kept)")
	pwStdin := fs.Bool("password-stdin", false, "read the secret from standard input instead of a prompt")
	// EWS
	url := fs.String("url", "", "ews: EWS `URL`, e.g. https://mail.contoso.com/EWS/Exchange.asmx")
	autodiscover := fs.String("autodiscover", "", "ews: find the EWS URL through Autodiscover for this `e-mail` address instead of -url")
	auth := fs.String("auth", "ntlm", "ews: `ntlm` or basic")
	user := fs.String("user", "", "ews: service `account`, DOMAIN\\user or user@contoso.com")
	delegate := fs.String("delegate", "", "ews: booking-delegate mailbox `address` (default: the service account)")
	impersonation := fs.Bool("impersonation", false, "ews: act as each room mailbox through ApplicationImpersonation")
	ca := fs.String("ca", "", "ews: PEM `file` of an extra trusted CA (internal PKI)")
	pin := fs.String("pin", "", "ews: SHA-256 `fingerprint` the server's certificate must have (hex, colons allowed)")
	insecure := fs.Bool("insecure-skip-verify", false, "ews: do not verify the server's certificate (labs only; -pin still applies)")
	ewsVersion := fs.String("ews-version", "", "ews: RequestServerVersion to send, e.g. Exchange2016 (default: Exchange2013_SP1)")
	// Graph
	cloud := fs.String("cloud", "global", "graph: `cloud`: global, china, usgov or usgovdod")
	tenant := fs.String("tenant", "", "graph: directory (tenant) `ID` or domain")
	app := fs.String("app", "", "graph: application (client) `ID`")
	credential := fs.String("credential", "secret", "graph: `secret` or certificate")
	cert := fs.String("cert", "", "graph: PEM `file` of the app's certificate (public part) for -credential certificate")

	if err := checkSecretFlags(fs, args); err != nil {
		return err
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkSecretEnv(); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}

	in := config.Integration{ID: *id, Name: *name, Kind: config.Kind(*kind),
		Scope: config.Scope{
			Rooms:     config.Selection{Mode: config.SelectAll},
			Equipment: config.Selection{Mode: config.SelectAll},
			Users:     config.UserScope{Mode: config.UsersNone},
		}}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var wrongKind []string
	switch in.Kind {
	case config.KindEWS:
		for _, f := range []string{"cloud", "tenant", "app", "credential", "cert"} {
			if given[f] {
				wrongKind = append(wrongKind, "-"+f)
			}
		}
		in.EWS = &config.EWS{ServerURL: *url, AutodiscoverEmail: *autodiscover, Auth: config.AuthMethod(*auth),
			Username: *user, Impersonation: *impersonation, DelegateAddress: *delegate, Version: *ewsVersion,
			TLS: config.TLS{SkipVerify: *insecure, PinSHA256: *pin}}
		if *ca != "" {
			abs, err := checkCAFile(*ca)
			if err != nil {
				return err
			}
			in.EWS.TLS.CA = abs
		}
	case config.KindGraph:
		for _, f := range []string{"url", "autodiscover", "auth", "user", "delegate", "impersonation", "ca", "pin", "insecure-skip-verify", "ews-version"} {
			if given[f] {
				wrongKind = append(wrongKind, "-"+f)
			}
		}
		in.Graph = &config.Graph{Cloud: config.Cloud(*cloud), TenantID: *tenant, AppID: *app,
			Credential: config.CredentialKind(*credential)}
		if *cert != "" {
			abs, err := filepath.Abs(*cert)
			if err != nil {
				return usageError{fmt.Sprintf("-cert %s: %v", *cert, err)}
			}
			if _, err := os.Stat(abs); err != nil {
				return usageError{fmt.Sprintf("-cert: %v", err)}
			}
			in.Graph.CertificatePath = abs
		}
	case "":
		return usageError{"-kind is required: ews (Exchange Server on-premises) or graph (Exchange Online)"}
	}
	if len(wrongKind) > 0 {
		return usageError{fmt.Sprintf("%s: not used with -kind %s", strings.Join(wrongKind, ", "), in.Kind)}
	}
	if err := in.Validate(); err != nil {
		var fe config.Errors
		if errors.As(err, &fe) {
			printFieldErrors(e, fe)
		}
		return usageError{"the integration is not valid; nothing was changed"}
	}

	c, _, err := loadConfig(path)
	if err != nil {
		return err
	}
	old := c.Integration(in.ID)
	switch {
	case old != nil && !*replace:
		return usageError{fmt.Sprintf("integration %q already exists in %s; pass -replace to change it, or choose another -id", in.ID, path)}
	case old != nil:
		in.Scope, in.Disabled = old.Scope, old.Disabled
		*old = in
	default:
		c.Integrations = append(c.Integrations, in)
	}
	if err := c.Validate(); err != nil {
		var fe config.Errors
		if errors.As(err, &fe) {
			printFieldErrors(e, fe)
		}
		return usageError{"the configuration would not be valid; nothing was changed"}
	}

	kinds := in.RequiredSecrets()
	if len(kinds) != 1 {
		return fmt.Errorf("integration %s: cannot tell which secret it needs", in.ID)
	}
	secretKind := kinds[0]
	secret, err := readSecret(ctx, e, secretNoun(secretKind), *pwStdin, secretKind == config.SecretCertificateKey)
	if err != nil {
		return err
	}
	// The keyring goes first: if it fails, the file is untouched and the
	// admin can retry; the reverse would leave an integration without its
	// secret.
	secrets := keyring.New()
	if err := config.SetSecret(ctx, secrets, in.ID, secretKind, secret); err != nil {
		return keyringFailure(err)
	}
	if old != nil {
		// A changed credential kind leaves no stale secret behind.
		for _, k := range []config.SecretKind{config.SecretPassword, config.SecretClientSecret, config.SecretCertificateKey} {
			if k == secretKind {
				continue
			}
			if err := secrets.Delete(ctx, config.SecretKey(in.ID, k)); err != nil && !config.IsSecretNotFound(err) {
				return keyringFailure(err)
			}
		}
	}
	if err := saveConfig(e, path, c); err != nil {
		if old == nil {
			config.DeleteSecrets(ctx, secrets, in.ID)
		}
		return err
	}
	verb := "Added"
	if old != nil {
		verb = "Replaced"
	}
	fmt.Fprintf(e.stdout, "%s integration %q (%s) in %s; its %s is in the OS keyring.\n", verb, in.ID, in.Name, path, secretNoun(secretKind))
	if in.Kind == config.KindEWS {
		fmt.Fprintf(e.stdout, "Check it with: roomboard config integration test -id %s\n", in.ID)
	}
	return nil
}

// keyringFailure explains a keyring error; the configuration file has not
// been changed when it is returned.
func keyringFailure(err error) error {
	return fmt.Errorf("%w\nThe configuration file was not changed. Make the OS keyring available and run the command again", err)
}

// checkCAFile checks that file holds a PEM CA certificate and returns its
// absolute path, which is what the configuration stores.
func checkCAFile(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", usageError{fmt.Sprintf("-ca %s: %v", file, err)}
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return "", usageError{fmt.Sprintf("-ca: %v", err)}
	}
	probe := config.Integration{ID: "x", Name: "x", Kind: config.KindEWS, EWS: &config.EWS{
		ServerURL: "https://x.invalid/", Auth: config.AuthNTLM, Username: "x", TLS: config.TLS{CA: string(b)}},
		Scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll}, Equipment: config.Selection{Mode: config.SelectAll},
			Users: config.UserScope{Mode: config.UsersNone}}}
	var fe config.Errors
	if err := probe.Validate(); errors.As(err, &fe) {
		return "", usageError{fmt.Sprintf("-ca %s: %s", file, fe[0].Message)}
	}
	return abs, nil
}

func secretNoun(k config.SecretKind) string {
	switch k {
	case config.SecretPassword:
		return "service account password"
	case config.SecretClientSecret:
		return "client secret"
	case config.SecretCertificateKey:
		return "certificate private key"
	}
	return string(k)
}

func runIntegrationList(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config integration list", "List the integrations in the configuration file.",
		"  roomboard config integration list\n  roomboard config integration list -config /etc/roomboard/roomboard.json")
	cfgPath := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	c, exists, err := loadConfig(path)
	if err != nil {
		return err
	}
	if len(c.Integrations) == 0 {
		if !exists {
			fmt.Fprintf(e.stdout, "No integrations: there is no configuration file at %s yet.\n", path)
		} else {
			fmt.Fprintf(e.stdout, "No integrations in %s.\n", path)
		}
		fmt.Fprintln(e.stdout, "Add one with 'roomboard config integration add' (see -h for examples).")
		return nil
	}
	var t table
	t.add("ID", "NAME", "KIND", "ENDPOINT", "ACCOUNT", "SCOPE", "STATE")
	for i := range c.Integrations {
		in := &c.Integrations[i]
		state := "enabled"
		if in.Disabled {
			state = "disabled"
		}
		t.add(in.ID, in.Name, string(in.Kind), endpoint(in), account(in), scopeSummary(in.Scope), state)
	}
	t.write(e.stdout, "")
	return nil
}

func endpoint(in *config.Integration) string {
	switch {
	case in.EWS != nil && in.EWS.ServerURL != "":
		return in.EWS.ServerURL
	case in.EWS != nil:
		return "autodiscover " + in.EWS.AutodiscoverEmail
	case in.Graph != nil:
		return string(in.Graph.Cloud) + " " + in.Graph.TenantID
	}
	return "-"
}

func account(in *config.Integration) string {
	switch {
	case in.EWS != nil:
		return in.EWS.Username
	case in.Graph != nil:
		return "app " + in.Graph.AppID
	}
	return "-"
}

func selectionSummary(s config.Selection, what string) string {
	if s.Mode == config.SelectAll {
		return "all " + what
	}
	return fmt.Sprintf("%d %s", len(s.Selected), what)
}

func scopeSummary(s config.Scope) string {
	users := "no users"
	switch s.Users.Mode {
	case config.UsersAll:
		users = "all users"
	case config.UsersAllGroups:
		users = "all users+groups"
	case config.UsersGroups:
		users = fmt.Sprintf("members of %d groups", len(s.Users.Groups))
	}
	return selectionSummary(s.Rooms, "rooms") + ", " + selectionSummary(s.Equipment, "equipment") + ", " + users
}

func runIntegrationShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config integration show",
		"Show one integration's settings and whether its secret is in the OS keyring. Secrets are never\nprinted.",
		"  roomboard config integration show -id hq\n  roomboard config integration show -id hq -json | jq .ews.serverURL")
	cfgPath := configFlag(fs)
	id := fs.String("id", "", "the integration's `ID`")
	asJSON := fs.Bool("json", false, "print the settings as JSON, as stored in the file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	_, in, err := loadIntegration(path, *id)
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.MarshalIndent(in, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return nil
	}
	var t table
	t.add("ID", in.ID)
	t.add("Name", in.Name)
	t.add("Kind", string(in.Kind))
	t.add("Enabled", yesNo(!in.Disabled))
	if x := in.EWS; x != nil {
		if x.ServerURL != "" {
			t.add("EWS URL", x.ServerURL)
		} else {
			t.add("Autodiscover", x.AutodiscoverEmail)
		}
		t.add("Authentication", string(x.Auth))
		t.add("Service account", x.Username)
		t.add("Impersonation", yesNo(x.Impersonation))
		t.add("Booking delegate", orDash(x.DelegateAddress))
		t.add("TLS verification", yesNo(!x.TLS.SkipVerify))
		if x.TLS.CA != "" {
			ca := x.TLS.CA
			if strings.HasPrefix(strings.TrimSpace(ca), "-----BEGIN") {
				ca = "(PEM in the configuration)"
			}
			t.add("Extra CA", ca)
		}
		t.add("Pinned certificate", orDash(x.TLS.PinSHA256))
		t.add("Exchange version", orDash(x.Version))
	}
	if g := in.Graph; g != nil {
		t.add("Cloud", string(g.Cloud))
		t.add("Tenant", g.TenantID)
		t.add("App ID", g.AppID)
		t.add("Credential", string(g.Credential))
		if g.CertificatePath != "" {
			t.add("Certificate", g.CertificatePath)
		}
	}
	t.add("Scope", scopeSummary(in.Scope))
	if s := in.Scope.Rooms; s.Mode == config.SelectSelected {
		t.add("  rooms", strings.Join(s.Selected, ", "))
	}
	if s := in.Scope.Equipment; s.Mode == config.SelectSelected {
		t.add("  equipment", strings.Join(s.Selected, ", "))
	}
	if in.Scope.Users.Mode == config.UsersGroups {
		t.add("  groups", strings.Join(in.Scope.Users.Groups, ", "))
	}
	secrets := keyring.New()
	for _, k := range in.RequiredSecrets() {
		_, err := secrets.Get(ctx, config.SecretKey(in.ID, k))
		state := "stored in the OS keyring"
		switch {
		case config.IsSecretNotFound(err):
			state = "MISSING from the OS keyring; store it with 'roomboard config integration add -replace ...'"
		case err != nil:
			state = "unknown: " + err.Error()
		}
		t.add(upperFirst(secretNoun(k)), state)
	}
	t.write(e.stdout, "")
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runIntegrationRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config integration remove",
		"Remove an integration from the configuration and delete its secrets from the OS keyring.\n"+
			"The cached rooms and bookings are dropped by the hub at its next sync.",
		"  roomboard config integration remove -id hq")
	cfgPath := configFlag(fs)
	id := fs.String("id", "", "the integration's `ID`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	c, in, err := loadIntegration(path, *id)
	if err != nil {
		return err
	}
	// Secrets first: a failure then leaves everything as it was.
	if err := config.DeleteSecrets(ctx, keyring.New(), in.ID); err != nil {
		return keyringFailure(err)
	}
	c.Integrations = slices.DeleteFunc(c.Integrations, func(x config.Integration) bool { return x.ID == *id })
	if err := saveConfig(e, path, c); err != nil {
		return fmt.Errorf("%w\nThe secrets of %q were already deleted from the keyring", err, *id)
	}
	fmt.Fprintf(e.stdout, "Removed integration %q and its secrets.\n", *id)
	return nil
}

const scopeExamples = `  roomboard config scope -id hq -rooms all -equipment all -users all+groups
  roomboard config scope -id hq -rooms grosser-saal@contoso.com,huiyishi-1@contoso.com
  roomboard config scope -id hq -users groups:empfang@contoso.com,facility@contoso.com`

func runConfigScope(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config scope",
		"Choose what an integration syncs. Flags left out keep their current setting.",
		scopeExamples)
	cfgPath := configFlag(fs)
	id := fs.String("id", "", "the integration's `ID`")
	rooms := fs.String("rooms", "", "`all`, or a comma-separated list of room mailbox addresses")
	equipment := fs.String("equipment", "", "`all`, or a comma-separated list of equipment mailbox addresses")
	users := fs.String("users", "", "`none`, all, all+groups, or groups:g1@contoso.com,g2@contoso.com (members of those groups)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *rooms == "" && *equipment == "" && *users == "" {
		return usageError{"nothing to change: give -rooms, -equipment or -users"}
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	c, in, err := loadIntegration(path, *id)
	if err != nil {
		return err
	}
	if *rooms != "" {
		if strings.TrimSpace(*rooms) == "none" {
			return usageError{"-rooms none: an integration syncs at least one room; use all or a list of addresses"}
		}
		in.Scope.Rooms = selection(in.Scope.Rooms, *rooms)
	}
	if *equipment != "" {
		if strings.TrimSpace(*equipment) == "none" {
			// The settings model has no empty selection: Validate asks
			// for at least one mailbox.
			return usageError{"-equipment none: choose all or a list of equipment addresses"}
		}
		in.Scope.Equipment = selection(in.Scope.Equipment, *equipment)
	}
	if *users != "" {
		u := strings.TrimSpace(*users)
		if list, ok := strings.CutPrefix(u, "groups:"); ok {
			in.Scope.Users = config.UserScope{Mode: config.UsersGroups, Groups: splitList(list)}
		} else {
			in.Scope.Users = config.UserScope{Mode: config.UserMode(u), Groups: in.Scope.Users.Groups}
			if u == "groups" {
				return usageError{"-users groups: list the groups, e.g. -users groups:empfang@contoso.com"}
			}
		}
	}
	if err := in.Validate(); err != nil {
		var fe config.Errors
		if errors.As(err, &fe) {
			printFieldErrors(e, fe)
		}
		return usageError{"the scope is not valid; nothing was changed"}
	}
	if err := saveConfig(e, path, c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Integration %q now syncs %s.\n", in.ID, scopeSummary(in.Scope))
	return nil
}

func selection(old config.Selection, v string) config.Selection {
	if strings.TrimSpace(v) == "all" {
		return config.Selection{Mode: config.SelectAll, Selected: old.Selected}
	}
	return config.Selection{Mode: config.SelectSelected, Selected: splitList(v)}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runIntegrationTest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "config integration test",
		"Connect to Exchange with an integration's settings and the secret in the OS keyring: list the\n"+
			"room lists, then read one room's calendar as the hub will. Prints the server version, or\n"+
			"what is wrong and what to do about it.",
		"  roomboard config integration test -id hq\n  roomboard config integration test -id hq -timeout 2m")
	cfgPath := configFlag(fs)
	id := fs.String("id", "", "the integration's `ID`")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this `duration`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	_, in, err := loadIntegration(path, *id)
	if err != nil {
		return err
	}
	password, err := ewsPassword(ctx, in, "testing")
	if err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	fmt.Fprintf(e.stdout, "Connecting to %s as %s ...\n", in.EWS.ServerURL, in.EWS.Username)
	res, err := checkEWS(tctx, in.EWS, password)
	if err != nil {
		return fmt.Errorf("%s\n  (%v)", explainEWSError(in.EWS, err), err)
	}
	fmt.Fprintf(e.stdout, "OK: Exchange %s (schema %s), %d room lists.\n", res.Server.Build(), orDash(res.Server.Version), res.RoomLists)
	if res.Room != "" {
		how := "with delegate access"
		if in.EWS.Impersonation {
			how = "through impersonation"
		}
		fmt.Fprintf(e.stdout, "OK: read today's calendar of %s %s (%d bookings).\n", res.Room, how, res.Bookings)
	} else {
		fmt.Fprintln(e.stdout, "No room found in the room lists; calendar access was not checked.")
	}
	return nil
}

// ewsCheck is what checkEWS found out.
type ewsCheck struct {
	Server    ews.ServerVersionInfo
	RoomLists int
	// Room is the room whose calendar was read, or "" when no room list
	// had a room.
	Room     string
	Bookings int
}

// checkEWS connects as the hub would: it lists the room lists, then reads
// today's calendar of the first room it finds, impersonating it when the
// integration uses impersonation. It is self-contained so that it can move
// behind core (and the console) later.
func checkEWS(ctx context.Context, x *config.EWS, password string) (ewsCheck, error) {
	var res ewsCheck
	c, err := newEWSClient(x, password)
	if err != nil {
		return res, err
	}
	lists, err := c.GetRoomLists(ctx)
	res.Server = c.ServerVersion()
	if err != nil {
		return res, err
	}
	res.RoomLists = len(lists)
	for _, l := range lists {
		rooms, err := c.GetRooms(ctx, l.EmailAddress)
		if err != nil {
			return res, fmt.Errorf("rooms of %s: %w", l.EmailAddress, err)
		}
		if len(rooms) == 0 {
			continue
		}
		res.Room = rooms[0].EmailAddress
		cc := c
		if x.Impersonation {
			cc = c.Impersonating(res.Room)
		}
		day := time.Now().UTC().Truncate(24 * time.Hour)
		items, err := cc.FindItem(ctx, &ews.FindItemRequest{
			Folder:       ews.CalendarOf(res.Room),
			CalendarView: &ews.CalendarView{Start: day, End: day.AddDate(0, 0, 1), MaxEntries: 200},
			Shape:        ews.IdOnly,
		})
		if err != nil {
			return res, fmt.Errorf("calendar of %s: %w", res.Room, err)
		}
		res.Bookings = len(items.Items)
		break
	}
	return res, nil
}

// errPinMismatch reports a server certificate that does not match the pin.
type errPinMismatch struct{ got string }

func (e errPinMismatch) Error() string {
	return "server certificate fingerprint " + e.got + " does not match the pinned one"
}

// newEWSClient builds an EWS client from the settings: TLS (extra CA,
// pin, verification off), NTLM or Basic.
func newEWSClient(x *config.EWS, password string) (*ews.Client, error) {
	t := ews.NewTransport()
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: x.TLS.SkipVerify}
	if x.TLS.CA != "" {
		pemText := []byte(x.TLS.CA)
		if !strings.HasPrefix(strings.TrimSpace(x.TLS.CA), "-----BEGIN") {
			b, err := os.ReadFile(x.TLS.CA)
			if err != nil {
				return nil, fmt.Errorf("read the extra CA: %w", err)
			}
			pemText = b
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemText) {
			return nil, fmt.Errorf("the extra CA %s holds no PEM certificate", x.TLS.CA)
		}
		tc.RootCAs = pool
	}
	if x.TLS.PinSHA256 != "" {
		pin, err := config.ParsePin(x.TLS.PinSHA256)
		if err != nil {
			return nil, err
		}
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errPinMismatch{"(none)"}
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if !bytes.Equal(sum[:], pin) {
				return errPinMismatch{strings.ToUpper(hex.EncodeToString(sum[:]))}
			}
			return nil
		}
	}
	t.TLSClientConfig = tc
	var rt http.RoundTripper = t
	var cred ews.Credentials
	switch x.Auth {
	case config.AuthBasic:
		cred = ews.BasicAuth(x.Username, password)
	default:
		cred = ews.NTLMAuth(x.Username, password)
		rt = ews.NTLMTransport(t)
	}
	c := ews.New(x.ServerURL, cred)
	c.HTTPClient = &http.Client{Transport: rt}
	if x.Version != "" {
		v, err := ews.ParseVersion(x.Version)
		if err != nil {
			return nil, err
		}
		c.Version = v
	}
	return c, nil
}

// explainEWSError says in words what a failed check means and what to do.
func explainEWSError(x *config.EWS, err error) string {
	var (
		he      *ews.HTTPError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		pinErr  errPinMismatch
		dnsErr  *net.DNSError
		recErr  tls.RecordHeaderError
	)
	code := ews.Code(err)
	switch {
	case errors.Is(err, ews.ErrUnauthorized):
		return fmt.Sprintf("Exchange rejected the account %s (HTTP 401): the password is wrong or expired, the account is locked, "+
			"or the server does not accept %s authentication. Check -user (DOMAIN\\user or user@domain) and store the "+
			"password again with 'roomboard config integration add -replace'", x.Username, strings.ToUpper(string(x.Auth)))
	case errors.Is(err, ews.ErrForbidden), code == "ErrorImpersonateUserDenied", code == "ErrorImpersonationDenied":
		if x.Impersonation {
			return fmt.Sprintf("Exchange refused access (%s): the account %s lacks the ApplicationImpersonation right. "+
				"An Exchange admin grants it with: New-ManagementRoleAssignment -Name Roomboard -Role ApplicationImpersonation -User %s",
				orDash(code), x.Username, x.Username)
		}
		return fmt.Sprintf("Exchange refused access (%s): the account %s may not read this mailbox. Give it delegate access "+
			"(Add-MailboxFolderPermission <room>:\\Calendar -User %s -AccessRights Editor) or turn on -impersonation",
			orDash(code), x.Username, x.Username)
	case code == "ErrorAccessDenied":
		return fmt.Sprintf("Exchange denied access to the room's calendar: give %s delegate access to the room mailboxes or use -impersonation", x.Username)
	case errors.As(err, &pinErr):
		return fmt.Sprintf("The %s; if the certificate was renewed on purpose, pin the new one with -pin", pinErr.Error())
	case errors.As(err, &unknown):
		return "The server's TLS certificate is not signed by a trusted CA. Pass your internal CA with -ca FILE (PEM), or pin the certificate with -pin"
	case errors.As(err, &host):
		return fmt.Sprintf("The server's TLS certificate is not valid for this host name (%v). Use the name the certificate was issued for in -url", host.Error())
	case errors.As(err, &invalid):
		return fmt.Sprintf("The server's TLS certificate is not valid (%v). Renew it on the server", invalid.Error())
	case errors.As(err, &recErr):
		return "The server did not answer with TLS: the URL probably needs http:// (only for localhost) or a different port"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("The host name %q does not resolve. Check -url and the DNS servers of this machine", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Nothing accepts connections at that address. Check the host and port in -url, and firewalls"
	case errors.Is(err, context.DeadlineExceeded):
		return "Exchange did not answer in time. Check that the server is reachable from here (proxy, firewall), or raise -timeout"
	case errors.As(err, &he) && he.StatusCode == http.StatusNotFound:
		return "There is no EWS endpoint at that URL (HTTP 404). It usually ends in /EWS/Exchange.asmx"
	case errors.As(err, &he):
		return fmt.Sprintf("Exchange answered HTTP %d. Check -url and the server's IIS logs", he.StatusCode)
	case ews.IsTransient(err):
		return "Exchange is busy or unavailable right now. Try again in a few minutes"
	case code != "":
		return fmt.Sprintf("Exchange answered %s", code)
	}
	return "The connection test failed"
}
