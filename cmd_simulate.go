package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

const simulateExamples = `  roomboard simulate
  roomboard simulate -addr 127.0.0.1:8099 -rooms 1000 -seed 7
  roomboard simulate -auth basic -password-file ./sim-password.txt
  roomboard simulate -fault 'op=FindItem,soap=ErrorServerBusy,backoff=2s,times=3' -latency 50ms
  roomboard simulate -fault 'op=SyncFolderItems,response=ErrorInvalidSyncStateData,times=1'
  roomboard simulate -fault 'op=GetStreamingEvents,reset' -streaming-lifetime 2m
  roomboard simulate -validate   # answer schema-invalid requests with ErrorSchemaValidation`

// simulateConfig is what the simulate flags describe.
type simulateConfig struct {
	addr         string
	opts         ewstest.Options
	passwordFile string
	faults       []ewstest.Fault
	latency      time.Duration
	validate     bool
}

func parseSimulateFlags(e *env, args []string) (*simulateConfig, error) {
	fs := newFlagSet(e, "simulate",
		"Run a simulated Exchange organisation (EWS and Autodiscover) for demos, tests and client\n"+
			"development. It has rooms, equipment, people, groups and room lists, calendars with\n"+
			"recurring meetings, notifications, Exchange's throttling limits and injectable faults.\n"+
			"Its EWS endpoint is http://ADDR/EWS/Exchange.asmx.",
		simulateExamples)
	cfg := &simulateConfig{}
	var auth string
	var faults faultFlags
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8099", "listen `address` (host:port)")
	fs.Int64Var(&cfg.opts.Seed, "seed", 1, "seed for the generated organisation")
	fs.IntVar(&cfg.opts.Rooms, "rooms", 40, "number of room mailboxes")
	fs.IntVar(&cfg.opts.Equipment, "equipment", 0, "number of equipment mailboxes (0 picks a default)")
	fs.IntVar(&cfg.opts.Users, "users", 0, "number of user mailboxes (0 picks a default)")
	fs.IntVar(&cfg.opts.Groups, "groups", 0, "number of distribution groups (0 picks a default)")
	fs.StringVar(&auth, "auth", "none", "authentication: none, basic or bearer")
	fs.StringVar(&cfg.passwordFile, "password-file", "", "`file` holding the Basic password of svc-roomboard@contoso.com (default: a random one, printed)")
	fs.BoolVar(&cfg.opts.TrustRemoteUserHeader, "trust-remote-user", false, "take the account from X-Remote-User (behind an authenticating proxy on loopback)")
	fs.IntVar(&cfg.opts.MaxConcurrency, "max-concurrency", 27, "concurrent requests per account before ErrorServerBusy (-1: unlimited)")
	fs.DurationVar(&cfg.opts.BusyBackOff, "busy-backoff", 500*time.Millisecond, "BackOffMilliseconds hint sent with ErrorServerBusy")
	fs.DurationVar(&cfg.opts.StreamingLifetime, "streaming-lifetime", 30*time.Minute, "longest GetStreamingEvents connection")
	fs.DurationVar(&cfg.latency, "latency", 0, "added to every request")
	fs.BoolVar(&cfg.validate, "validate", false, "validate every request against Microsoft's EWS schema with xmllint (needs libxml2-utils and the ews-schema folder, see $"+xsdcheck.EnvDir+")")
	fs.Var(&faults, "fault", "inject a fault (repeatable): `op=OP,soap=CODE|response=CODE|http=STATUS[,backoff=D][,delay=D][,times=N][,reset][,expire]`")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch auth {
	case "none":
		cfg.opts.Auth = ewstest.AuthNone
	case "basic":
		cfg.opts.Auth = ewstest.AuthBasic
	case "bearer":
		cfg.opts.Auth = ewstest.AuthBearer
	default:
		return nil, usageError{fmt.Sprintf("-auth %q: want none, basic or bearer", auth)}
	}
	if cfg.opts.Rooms < 0 || cfg.opts.Rooms > 100000 {
		return nil, usageError{fmt.Sprintf("-rooms %d: want 0 to 100000", cfg.opts.Rooms)}
	}
	if cfg.latency < 0 {
		return nil, usageError{"-latency must not be negative"}
	}
	cfg.faults = faults
	if cfg.validate {
		if err := xsdcheck.Available(); err != nil {
			return nil, fmt.Errorf("-validate: %w (install libxml2-utils, and set %s to the ews-schema folder)", err, xsdcheck.EnvDir)
		}
		cfg.opts.Validate = xsdcheck.Envelope
	}
	return cfg, nil
}

func runSimulate(ctx context.Context, e *env, args []string) error {
	cfg, err := parseSimulateFlags(e, args)
	if err != nil {
		return err
	}
	srv, password, err := newSimulator(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(e.stdout, "Exchange simulator: http://%s/EWS/Exchange.asmx (%d rooms, seed %d, auth %s)\n",
		ln.Addr(), len(srv.Rooms()), cfg.opts.Seed, authName(cfg.opts.Auth))
	if password != "" && cfg.passwordFile == "" {
		fmt.Fprintf(e.stdout, "Basic account: %s  password: %s\n", simAccount, password)
	}
	fmt.Fprintf(e.stdout, "Press Ctrl-C to stop.\n")
	return serveUntilDone(ctx, ln, srv)
}

// simAccount is the service account the simulator accepts for Basic auth.
const simAccount = "svc-roomboard@contoso.com"

func newSimulator(cfg *simulateConfig) (*ewstest.Server, string, error) {
	var password string
	if cfg.opts.Auth == ewstest.AuthBasic {
		if cfg.passwordFile != "" {
			b, err := os.ReadFile(cfg.passwordFile)
			if err != nil {
				return nil, "", fmt.Errorf("read password file: %w", err)
			}
			password = strings.TrimRight(string(b), "\r\n")
			if password == "" {
				return nil, "", fmt.Errorf("password file %s is empty", cfg.passwordFile)
			}
		} else {
			var b [12]byte
			rand.Read(b[:])
			password = base64.RawURLEncoding.EncodeToString(b[:])
		}
		cfg.opts.Passwords = map[string]string{simAccount: password}
	}
	srv := ewstest.New(cfg.opts)
	for _, f := range cfg.faults {
		srv.Inject(f)
	}
	if cfg.latency > 0 {
		// Added last: the first matching fault wins, so specific faults
		// still fire.
		srv.Inject(ewstest.Fault{Delay: cfg.latency})
	}
	return srv, password, nil
}

func authName(m ewstest.AuthMode) string {
	switch m {
	case ewstest.AuthBasic:
		return "basic"
	case ewstest.AuthBearer:
		return "bearer"
	}
	return "none"
}

// serveUntilDone serves h on ln until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		return nil
	}
}

// faultFlags collects -fault values.
type faultFlags []ewstest.Fault

func (f *faultFlags) String() string { return fmt.Sprintf("%d faults", len(*f)) }

func (f *faultFlags) Set(v string) error {
	ft, err := parseFault(v)
	if err != nil {
		return err
	}
	*f = append(*f, ft)
	return nil
}

var _ flag.Value = (*faultFlags)(nil)

// parseFault reads "op=FindItem,soap=ErrorServerBusy,backoff=2s,times=3".
func parseFault(v string) (ewstest.Fault, error) {
	var f ewstest.Fault
	if strings.TrimSpace(v) == "" {
		return f, errors.New("empty fault")
	}
	kinds := 0
	for _, part := range strings.Split(v, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(part), "=")
		var err error
		switch key {
		case "op":
			f.Op = val
		case "soap":
			f.SOAPFault, kinds = val, kinds+1
		case "response":
			f.ResponseCode, kinds = val, kinds+1
		case "http":
			f.HTTPStatus, err = strconv.Atoi(val)
			if err == nil && (f.HTTPStatus < 400 || f.HTTPStatus > 599) {
				err = errors.New("want a status from 400 to 599")
			}
			kinds++
		case "times":
			f.Times, err = strconv.Atoi(val)
			if err == nil && f.Times < 0 {
				err = errors.New("must not be negative")
			}
		case "backoff":
			f.BackOff, err = time.ParseDuration(val)
		case "delay":
			f.Delay, err = time.ParseDuration(val)
		case "reset":
			f.ResetMidStream, kinds = true, kinds+1
		case "expire":
			f.ExpireSubscriptions, kinds = true, kinds+1
		default:
			return f, fmt.Errorf("fault %q: unknown key %q (want op, soap, response, http, times, backoff, delay, reset, expire)", v, key)
		}
		if err != nil {
			return f, fmt.Errorf("fault %q: %s: %v", v, key, err)
		}
		if (key == "op" || key == "soap" || key == "response") && (!hasVal || val == "") {
			return f, fmt.Errorf("fault %q: %s needs a value", v, key)
		}
	}
	if kinds > 1 {
		return f, fmt.Errorf("fault %q: give only one of soap, response, http, reset, expire", v)
	}
	if kinds == 0 && f.Delay == 0 {
		return f, fmt.Errorf("fault %q: nothing to inject (want soap, response, http, reset, expire or delay)", v)
	}
	return f, nil
}
