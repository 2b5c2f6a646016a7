package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kardianos/service"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/server"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
	"github.com/roomboard/roomboard/platform/keyring"
	"github.com/roomboard/roomboard/platform/paths"
)

// `roomboard serve` is the hub: the sync engine and the local server for
// kiosks and the console, headless, from the stored configuration and the
// OS keyring. `serve install` registers it as a Windows service or a
// systemd unit so it starts with the machine.

const serveExamples = `  roomboard serve                                   # run the hub in the foreground
  roomboard serve -listen :8443 -public-url https://hub.contoso.com:8443
  roomboard serve -tls-cert hub.pem -tls-key hub-key.pem   # the operator's certificate
  roomboard serve operator add -role admin it-admin   # asks for the password (no echo)
  roomboard serve install                           # register the service (as root/administrator)
  roomboard serve uninstall`

// serveFlags are the flags of serve that install copies into the
// service's command line.
type serveFlags struct {
	cfgPath   func() (string, error)
	db        *string
	id        *string
	listen    *string
	publicURL *string
	tlsCert   *string
	tlsKey    *string
	plainHTTP *bool
	name      *string
}

func runServe(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "install", "uninstall", "start", "stop", "status":
			return runServeService(ctx, e, args[0], args[1:])
		case "operator":
			return runServeOperator(ctx, e, args[1:])
		}
	}
	fs := newFlagSet(e, "serve",
		"Run the hub: sync the enabled integration's rooms from Exchange and serve kiosks and the console\n"+
			"over HTTPS and WebSocket until stopped (Ctrl-C, or the service manager). Secrets come from the\n"+
			"OS keyring. Subcommands: install, uninstall, start, stop, status (the system service), and\n"+
			"operator add|list (local console accounts).",
		serveExamples)
	f := addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	h, err := openHub(ctx, e, f)
	if err != nil {
		return err
	}
	defer h.close()
	fmt.Fprintf(e.stdout, "Roomboard hub %s listening on %s (public URL %s)\n", version, h.listen, h.srv.PublicURL())
	if sha := h.srv.CertSHA256(); sha != "" {
		fmt.Fprintf(e.stdout, "Certificate SHA-256 %s (kiosks show it while pairing)\n", sha)
	}
	return h.run(ctx)
}

func addServeFlags(fs *flag.FlagSet) serveFlags {
	var f serveFlags
	f.cfgPath = configFlag(fs)
	f.db = fs.String("db", "", "the cache `file` (default: roomboard.db in the data directory; "+paths.EnvHome+" moves it)")
	f.id = fs.String("id", "", "serve the integration with this `ID` (needed when several are enabled)")
	f.listen = fs.String("listen", "", "the `host:port` to listen on (default: the configuration's listenAddr, else :8443)")
	f.publicURL = fs.String("public-url", "", "how kiosks and Exchange reach the hub, e.g. https://hub.contoso.com:8443 (default: the configuration's publicURL, else this host)")
	f.tlsCert = fs.String("tls-cert", "", "the operator's PEM certificate chain `file` (default: a self-signed certificate kept in the data directory)")
	f.tlsKey = fs.String("tls-key", "", "the operator's PEM private key `file`, readable only by the hub's account")
	f.plainHTTP = fs.Bool("plain-http", false, "serve plain HTTP behind a reverse proxy that terminates TLS (kiosks cannot pin the hub)")
	f.name = fs.String("name", "", "the hub's `name` shown on kiosks (default: the host name)")
	return f
}

// hub is a running sync engine and server over one cache.
type hub struct {
	db     *store.DB
	bus    *bus.Bus
	syncer *syncer.Syncer
	srv    *server.Server
	listen string
}

func (h *hub) close() {
	h.bus.Close()
	h.db.Close()
}

// run runs the syncer and the server until ctx ends or either fails.
func (h *hub) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{h.syncer.Run, h.srv.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- run(ctx)
		}()
	}
	err := <-errs
	cancel()
	wg.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	return err
}

// openHub builds the hub from the configuration, the keyring and flags.
func openHub(ctx context.Context, e *env, f serveFlags) (*hub, error) {
	path, err := f.cfgPath()
	if err != nil {
		return nil, err
	}
	c, exists, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	in, err := pickIntegration(c, path, exists, *f.id)
	if err != nil {
		return nil, err
	}
	client, err := ewsClientFor(ctx, in)
	if err != nil {
		return nil, err
	}
	dataDir := c.Hub.DataDir
	if dataDir == "" {
		d, err := paths.Default()
		if err != nil {
			return nil, err
		}
		dataDir = filepath.Dir(d.Database())
	}
	dbPath := *f.db
	if dbPath == "" {
		dbPath = filepath.Join(dataDir, "roomboard.db")
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return nil, fmt.Errorf("create the data directory: %w", err)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return nil, cacheError(dbPath, err)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("2006-01-02 15:04:05"), fmt.Sprintf(format, args...))
	}
	b := bus.New()
	publicURL := firstNonEmpty(*f.publicURL, c.Hub.PublicURL)
	srcOpts := ewssource.Options{Impersonation: in.EWS.Impersonation, Delegate: in.EWS.DelegateAddress, Logf: logf}
	src := ewssource.New(client, srcOpts)
	sy := syncer.New(src, db, b, syncer.Options{Integration: in.ID, Scope: in.Scope, Window: c.Hub.SyncWindow,
		PollInterval: c.Hub.PollInterval.Duration, Concurrency: c.Hub.ConcurrencyPerAccount, Logf: logf})
	listen := firstNonEmpty(*f.listen, c.Hub.ListenAddr, ":8443")
	tlsOpts := server.TLSOptions{Mode: server.TLSSelfSigned, Dir: dataDir}
	switch {
	case *f.plainHTTP:
		tlsOpts.Mode = server.TLSOff
	case *f.tlsCert != "" || *f.tlsKey != "":
		if *f.tlsCert == "" || *f.tlsKey == "" {
			db.Close()
			return nil, usageError{"-tls-cert and -tls-key go together"}
		}
		tlsOpts = server.TLSOptions{Mode: server.TLSOperator, CertFile: *f.tlsCert, KeyFile: *f.tlsKey}
	}
	srv, err := server.New(ctx, server.Options{DB: db, Bus: b, Writer: sy, Secrets: keyring.New(), Listen: listen,
		PublicURL: publicURL, TLS: tlsOpts, Name: *f.name, Version: version, Logf: logf})
	if err != nil {
		b.Close()
		db.Close()
		return nil, fmt.Errorf("start the hub server: %w", err)
	}
	return &hub{db: db, bus: b, syncer: sy, srv: srv, listen: listen}, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// serviceProgram adapts the hub to kardianos/service.
type serviceProgram struct {
	e      *env
	args   []string
	cancel context.CancelFunc
	done   chan error
}

func (p *serviceProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- runServe(ctx, p.e, p.args) }()
	return nil
}

func (p *serviceProgram) Stop(service.Service) error {
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("the hub did not stop within 30 s")
	}
}

// serviceConfig describes the hub service; args are serve's flags.
func serviceConfig(args []string) *service.Config {
	return &service.Config{
		Name:        "roomboard-hub",
		DisplayName: "Roomboard hub",
		Description: "Syncs meeting rooms from Microsoft Exchange and serves Roomboard kiosks and the console.",
		Arguments:   append([]string{"serve"}, args...),
		Option: service.KeyValue{
			"Restart":           "on-failure",
			"SuccessExitStatus": "0",
			"OnFailure":         "restart",
		},
	}
}

func runServeService(_ context.Context, e *env, action string, args []string) error {
	fs := newFlagSet(e, "serve "+action,
		"Manage the hub as a system service (a Windows service or a systemd unit). install records the\n"+
			"serve flags given here in the service's command line; run it as root or administrator.",
		"  roomboard serve install -listen :8443 -public-url https://hub.contoso.com:8443\n  roomboard serve status")
	addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if action != "install" && len(args) > 0 {
		return usageError{"serve " + action + " takes no flags"}
	}
	svc, err := service.New(&serviceProgram{e: e, args: args}, serviceConfig(args))
	if err != nil {
		return fmt.Errorf("service manager: %w", err)
	}
	if action == "status" {
		st, err := svc.Status()
		if err != nil {
			if errors.Is(err, service.ErrNotInstalled) {
				fmt.Fprintln(e.stdout, "roomboard-hub: not installed")
				return nil
			}
			return fmt.Errorf("service status: %w", err)
		}
		fmt.Fprintln(e.stdout, "roomboard-hub:", map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}[st])
		return nil
	}
	if err := service.Control(svc, action); err != nil {
		hint := ""
		if strings.Contains(err.Error(), "ermission") || strings.Contains(err.Error(), "denied") {
			hint = " (run it as root or administrator)"
		}
		return fmt.Errorf("serve %s: %w%s", action, err, hint)
	}
	fmt.Fprintf(e.stdout, "roomboard-hub: %sed\n", strings.TrimSuffix(action, "e"))
	return nil
}

func runServeOperator(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: roomboard serve operator add [-role admin|viewer] [-password-stdin] USER"}
	}
	fs := newFlagSet(e, "serve operator add",
		"Create or reset a local console account of the hub. The password is read from a no-echo prompt,\n"+
			"or from stdin with -password-stdin; never from flags or the environment.",
		"  roomboard serve operator add it-admin\n  printf '%s' \"$PW\" | roomboard serve operator add -password-stdin it-viewer")
	cfgPath := configFlag(fs)
	dbPath := fs.String("db", "", "the cache `file` the hub uses")
	role := fs.String("role", "admin", "the account's `role`: admin or viewer")
	fromStdin := fs.Bool("password-stdin", false, "read the password from stdin")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"name exactly one USER"}
	}
	if *role != "admin" {
		return usageError{"only admin accounts can be created here for now; add viewers from the console"}
	}
	path, err := cfgPath()
	if err != nil {
		return err
	}
	c, _, err := loadConfig(path)
	if err != nil {
		return err
	}
	if *dbPath == "" {
		dir := c.Hub.DataDir
		if dir == "" {
			d, err := paths.Default()
			if err != nil {
				return err
			}
			dir = filepath.Dir(d.Database())
		}
		*dbPath = filepath.Join(dir, "roomboard.db")
	}
	password, err := readSecret(ctx, e, "password for "+fs.Arg(0), *fromStdin, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return cacheError(*dbPath, err)
	}
	defer db.Close()
	srv, err := server.New(ctx, server.Options{DB: db, TLS: server.TLSOptions{Mode: server.TLSOff}, Secrets: config.SecretStore(nil)})
	if err != nil {
		return err
	}
	if err := srv.EnsureAdmin(ctx, fs.Arg(0), password); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Operator %q can now sign in to the console as admin.\n", fs.Arg(0))
	return nil
}
