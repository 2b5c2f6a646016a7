// Package server is the hub's HTTPS and WebSocket API: what kiosks (room
// and floor players) and the admin console talk to. It pairs kiosks and
// authenticates them with device tokens, signs operators in, serves the
// admin API, per-room iCalendar feeds, /healthz and /metrics, and mounts
// the live feed (snapshot, stream, actions; feed.go and friends) and the
// EWS push callback that core/ewssource provides.
//
// Every route is declared once, with the credential it needs, in
// routes.go. Device tokens, operator session tokens, pairing secrets and
// feed tokens are 32 random bytes; the hub keeps only their SHA-256 and
// operator passwords only as salted PBKDF2 hashes. TLS is on by default
// with a self-signed certificate made once and pinned by kiosks at pairing,
// or with the operator's certificate.
//
// The package deliberately does not talk to Exchange (writes go through
// the Writer, the syncer), does not read the configuration file (the
// caller passes Options), does not terminate anything but its own TLS and
// does not trust proxy headers: the client address used for rate limits is
// the TCP peer. It keeps pending pairings and rate-limit counters in
// memory only; a restart forgets them, which at worst makes a kiosk ask
// for a new code.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

// Options configures a Server. DB is required.
type Options struct {
	DB *store.DB
	// Bus carries the syncer's changes to the feed, and policy changes
	// from the admin API; nil means kiosks see changes only on the feed's
	// periodic rescan.
	Bus *bus.Bus
	// Writer (the syncer) carries out kiosk actions; nil refuses them.
	Writer Writer
	// Secrets holds the operator's TLS key when TLS.KeySecret names it.
	Secrets config.SecretStore
	// Listen is the address Run listens on; empty means ":8443".
	Listen string
	// PublicURL is how kiosks and Exchange reach the hub
	// ("https://hub.contoso.com:8443"), which behind NAT or a port mapping
	// is not the listen address. It goes into the pairing QR code, feed
	// URLs and the EWS push callback URL. Empty means https (http with
	// TLSOff) on this host's name and the listen port.
	PublicURL string
	TLS       TLSOptions
	// PushHandler answers Exchange's push notifications at
	// hubproto.PathEWSPush (core/ewssource provides it); nil leaves the
	// path unanswered (404).
	PushHandler http.Handler
	// Authenticator checks operator passwords; nil means the local
	// accounts in the store (see Authenticator).
	Authenticator Authenticator
	// Name is the hub's name shown to kiosks; empty means the host name.
	Name    string
	Version string
	// Horizon is how far ahead kiosks see bookings (the feed's default
	// when zero).
	Horizon time.Duration
	// ShutdownTimeout bounds the graceful shutdown of Run; zero means 10
	// seconds.
	ShutdownTimeout time.Duration
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Logf logs; nil means log.Printf. Tokens and passwords are never
	// logged.
	Logf func(format string, args ...any)
}

// Server is the hub's HTTP server. It is safe for concurrent use.
type Server struct {
	o       Options
	db      *store.DB
	now     func() time.Time
	logf    func(string, ...any)
	feed    *Feed
	auth    Authenticator
	handler http.Handler

	cert      *tls.Certificate // nil with TLSOff
	certSHA   string           // hex SHA-256 of cert's leaf
	publicURL string           // without a trailing slash

	// pbkdf2Iter is the iteration count of new password hashes; tests
	// lower it, production never does.
	pbkdf2Iter int

	pairings     *pairings
	pairLimit    *limiter // pairing requests per client IP
	pairFails    *limiter // wrong pairing IDs and secrets per client IP
	loginFails   *limiter // failed logins per user and per client IP
	seen         *seenCache
	metrics      *metrics
	health       healthCache
	shutdownWait time.Duration
}

// Defaults of Options and of what the server enforces.
const (
	DefaultListen      = ":8443"
	sessionLifetime    = 12 * time.Hour
	readHeaderTimeout  = 10 * time.Second
	readTimeout        = 30 * time.Second
	writeTimeout       = 2 * time.Minute // a whole snapshot; WebSockets clear it on upgrade
	idleTimeout        = 2 * time.Minute
	maxHeaderBytes     = 64 << 10
	defaultShutdownMax = 10 * time.Second
)

// New checks o, loads or makes the TLS certificate and builds the feed;
// it does not listen (Run does), so tests can use Handler with httptest.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.DB == nil {
		return nil, errors.New("server: Options need a DB")
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	if o.Name == "" {
		o.Name, _ = os.Hostname()
	}
	s := &Server{
		o: o, db: o.DB, now: o.Clock, logf: o.Logf, auth: o.Authenticator,
		pbkdf2Iter:   pbkdf2Iterations,
		pairings:     newPairings(),
		pairLimit:    newLimiter(10, time.Minute, o.Clock),
		pairFails:    newLimiter(10, 10*time.Minute, o.Clock),
		loginFails:   newLimiter(5, 15*time.Minute, o.Clock),
		seen:         newSeenCache(),
		metrics:      newMetrics(),
		shutdownWait: o.ShutdownTimeout,
	}
	if s.shutdownWait <= 0 {
		s.shutdownWait = defaultShutdownMax
	}
	if s.auth == nil {
		s.auth = &LocalAccounts{s: s}
	}
	if o.TLS.Mode != TLSOff {
		cert, err := loadCertificate(ctx, o.TLS, o.Secrets, hostsOf(o), o.Clock())
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.cert, s.certSHA = cert, CertSHA256(cert.Certificate[0])
	}
	s.publicURL = publicURL(o)
	feed, err := NewFeed(ctx, FeedOptions{
		DB: o.DB, Bus: o.Bus, Writer: o.Writer, Clock: o.Clock, Horizon: o.Horizon,
		HubInfo:  hubproto.HubInfo{Name: o.Name, Version: o.Version},
		OnReport: s.onReport, Logf: o.Logf,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.feed = feed
	s.handler = s.buildMux()
	return s, nil
}

// Handler returns the server's routes as one handler, without TLS: Run
// serves it over TLS, tests over httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// CertSHA256 returns the hex SHA-256 of the hub's TLS certificate, the pin
// kiosks keep; it is empty with TLSOff.
func (s *Server) CertSHA256() string { return s.certSHA }

// PublicURL returns the URL kiosks and Exchange reach the hub at, without
// a trailing slash; the EWS push callback is PublicURL() +
// hubproto.PathEWSPush.
func (s *Server) PublicURL() string { return s.publicURL }

// Run listens on Options.Listen and serves until ctx is done; see Serve.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (over TLS unless TLSOff) and runs the feed until ctx
// is done or either fails, then shuts down gracefully, waiting at most
// Options.ShutdownTimeout for requests in flight. It closes ln. A shutdown
// because ctx ended returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(logWriter(s.logf), "server: ", 0),
	}
	if s.cert != nil {
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*s.cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	feedErr := make(chan error, 1)
	wg.Go(func() { feedErr <- s.feed.Run(runCtx) })
	serveErr := make(chan error, 1)
	wg.Go(func() { serveErr <- hs.Serve(ln) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("server: serve: %w", err)
	case err = <-feedErr:
		if err != nil {
			err = fmt.Errorf("server: feed: %w", err)
		} else {
			err = errors.New("server: feed stopped")
		}
	}
	if ctx.Err() != nil {
		// The feed or the listener may have noticed the end first; a
		// shutdown that was asked for is not a failure.
		err = nil
	}
	// The feed ends its WebSockets when runCtx ends: http.Server.Shutdown
	// does not track hijacked connections.
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownWait)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("server: shutdown: %w", serr)
	}
	wg.Wait()
	return err
}

// publicURL is Options.PublicURL without a trailing slash, or one made up
// from the host name and the listen port.
func publicURL(o Options) string {
	if o.PublicURL != "" {
		return strings.TrimRight(o.PublicURL, "/")
	}
	scheme := "https"
	if o.TLS.Mode == TLSOff {
		scheme = "http"
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	_, port, err := net.SplitHostPort(o.Listen)
	if err != nil || port == "" {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// hostsOf is what the self-signed certificate names: the configured hosts
// and the public URL's host.
func hostsOf(o Options) []string {
	hosts := append([]string(nil), o.TLS.Hosts...)
	if o.PublicURL != "" {
		if u, err := parseHost(o.PublicURL); err == nil && u != "" {
			hosts = append(hosts, u)
		}
	}
	return hosts
}

// logWriter sends http.Server's own log lines (TLS handshake errors and
// the like) to Logf.
type logWriter func(string, ...any)

func (l logWriter) Write(p []byte) (int, error) {
	l("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
