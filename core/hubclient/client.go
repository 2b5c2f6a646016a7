// Package hubclient is the typed client of the hub's device API, used by
// kiosks (room and floor players) and the console: pairing, the snapshot,
// the live WebSocket stream with resume by sequence number, kiosk actions
// and health reports. Run keeps a kiosk's view current across hub restarts
// and network failures: it starts from an offline cache, reconnects with
// exponential backoff and full jitter, resumes with since=SEQ and takes a
// new snapshot when the hub asks for one.
//
// It speaks the wire format of core/hubproto and nothing else. It
// deliberately does not render, compute room status (core/room does, from
// the views it delivers), store the device token (the caller keeps it in
// the OS keyring) or implement the cache (core/store/devicecache does,
// behind the Cache interface declared here). It must not depend on the
// engine (core/store, core/syncer, core/server), so a kiosk can use it
// alone.
package hubclient

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomboard/roomboard/core/hubproto"
)

// Errors callers branch on with errors.Is. Errors the hub sent come as
// *hubproto.Error (errors.As), often together with one of these.
var (
	// ErrRevoked means the hub refused the device token (revoked, unknown
	// or expired): the kiosk must pair again. Run stops with it.
	ErrRevoked = errors.New("hubclient: device token refused (revoked or unknown)")
	// ErrPinMismatch means the hub's TLS certificate is not the pinned one.
	ErrPinMismatch = errors.New("hubclient: hub certificate does not match the pinned SHA-256")
	// ErrNotConnected is returned by Report when no stream is open.
	ErrNotConnected = errors.New("hubclient: no open stream")
	// ErrPairDenied means an operator denied the pairing.
	ErrPairDenied = errors.New("hubclient: pairing denied")
	// ErrPairExpired means the pairing is gone: it expired before approval,
	// or the hub no longer knows it (or refuses its secret); the kiosk
	// starts over with Pair.
	ErrPairExpired = errors.New("hubclient: pairing code expired")
	// ErrRunning is returned by a second concurrent Run on one Client.
	ErrRunning = errors.New("hubclient: Run is already running")
)

// Cache is the offline store Run reads at start and writes after every
// applied change, so that a restarted kiosk shows the last state at once.
// core/store/devicecache implements it. Methods are called from Run's
// goroutine only.
type Cache interface {
	// Load returns the cached state; its GeneratedAt is the moment the
	// data was last known current. The zero Snapshot means "nothing
	// cached".
	Load(ctx context.Context) (hubproto.Snapshot, error)
	// SaveSnapshot replaces the whole cache.
	SaveSnapshot(ctx context.Context, s hubproto.Snapshot) error
	// SaveRoom stores one room's new view with its sequence number,
	// atomically.
	SaveRoom(ctx context.Context, v hubproto.RoomView, seq uint64) error
	// RemoveRoom forgets a room that left the device's view.
	RemoveRoom(ctx context.Context, roomID string, seq uint64) error
	// Touch records that the cached data is current now.
	Touch(ctx context.Context) error
}

// Options configure a Client. Only HubURL is required.
type Options struct {
	// HubURL is the hub's base URL, e.g. "https://hub.example.com:8443".
	HubURL string
	// Token is the device token from pairing; empty before pairing.
	Token string
	// PinSHA256 is the hex SHA-256 of the hub's certificate (its DER
	// bytes). When set, the certificate is checked against it alone, which
	// is how kiosks trust a hub's self-signed certificate.
	PinSHA256 string
	// CA verifies an operator's certificate; nil means the system roots.
	CA *x509.CertPool
	// Cache is the offline cache; nil means none.
	Cache Cache
	// Clock gives the time for data ages and reports; default time.Now.
	// Network deadlines always use the real clock.
	Clock func() time.Time
	// Logf receives diagnostics (never tokens); default discards them.
	Logf func(format string, args ...any)
	// DialContext opens TCP connections; default a net.Dialer with a
	// 10 s timeout.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// HTTPTimeout bounds one HTTP request including its body; default 60 s.
	HTTPTimeout time.Duration
	// HandshakeTimeout bounds the TLS and WebSocket handshakes; default 15 s.
	HandshakeTimeout time.Duration
	// PongWait is how long the stream may be silent (no frame, no ping)
	// before it counts as dead; default 60 s. The hub pings more often.
	PongWait time.Duration
	// WriteWait bounds one write to the stream; default 10 s.
	WriteWait time.Duration
	// BackoffBase and BackoffMax shape reconnect delays: full jitter over
	// BackoffBase·2ⁿ, capped at BackoffMax; defaults 500 ms and 30 s.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// ActRetries is how often Act repeats a request after a transport
	// error; default 3. Negative means never.
	ActRetries int
	// PairPoll is the first interval between pairing polls; it grows to
	// five times that. Default 2 s.
	PairPoll time.Duration
	// Version is the roomboard version sent when pairing.
	Version string
}

// Client talks to one hub as one device. It is safe for concurrent use;
// Run may run once at a time.
type Client struct {
	o       Options
	base    *url.URL
	hc      *http.Client
	dialer  *websocket.Dialer
	running atomic.Bool

	mu    sync.Mutex
	token string
	pin   string // normalised; "" means verify by CA or system roots
	// tofu is set while Pair talks to a hub nobody vouched for yet (no pin,
	// no CA): any certificate is accepted and recorded in seen.
	tofu        bool
	seen        string
	seenTrusted bool // seen verified against the roots
	conn        *websocket.Conn
	seq         uint64

	writeMu sync.Mutex // serialises data writes to conn (Report)
}

// New checks o and returns a Client. It does not contact the hub.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.HubURL)
	if err != nil {
		return nil, fmt.Errorf("hubclient: hub URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("hubclient: hub URL %q: want https://host[:port]", o.HubURL)
	}
	u.Path, u.RawQuery, u.Fragment = strings.TrimSuffix(u.Path, "/"), "", ""
	pin := normalisePin(o.PinSHA256)
	if o.PinSHA256 != "" && len(pin) != sha256.Size*2 {
		return nil, fmt.Errorf("hubclient: pin %q is not a hex SHA-256", o.PinSHA256)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.DialContext == nil {
		o.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HTTPTimeout, 60*time.Second)
	def(&o.HandshakeTimeout, 15*time.Second)
	def(&o.PongWait, 60*time.Second)
	def(&o.WriteWait, 10*time.Second)
	def(&o.BackoffBase, 500*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.PairPoll, 2*time.Second)
	if o.ActRetries == 0 {
		o.ActRetries = 3
	}
	c := &Client{o: o, base: u, token: o.Token, pin: pin}
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verification is done in verify, which knows the pin; the
		// standard verification cannot express "this one certificate".
		InsecureSkipVerify: true,
		VerifyConnection:   c.verify,
	}
	c.hc = &http.Client{
		Timeout: o.HTTPTimeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           o.DialContext,
			TLSClientConfig:       tc,
			TLSHandshakeTimeout:   o.HandshakeTimeout,
			ResponseHeaderTimeout: o.HTTPTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		// The API never redirects; following one would send the token
		// elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.dialer = &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		NetDialContext:   o.DialContext,
		TLSClientConfig:  tc,
		HandshakeTimeout: o.HandshakeTimeout,
	}
	return c, nil
}

// Close releases idle connections. A running Run stops with its context.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// CertSHA256 returns the hex SHA-256 of a certificate's DER bytes, the
// form of Options.PinSHA256 and hubproto.PairResponse.CertSHA256.
func CertSHA256(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// normalisePin accepts upper case and colon-separated fingerprints.
func normalisePin(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
}

// verify checks the hub's certificate: against the pin when there is one,
// otherwise against Options.CA or the system roots, except during pairing
// without any trust anchor, when it only records what it saw.
func (c *Client) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("hubclient: hub sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	sum := CertSHA256(leaf)
	c.mu.Lock()
	pin, tofu := c.pin, c.tofu
	c.mu.Unlock()
	if pin != "" {
		if sum != pin {
			return fmt.Errorf("%w: got %s", ErrPinMismatch, sum)
		}
		return nil
	}
	inter := x509.NewCertPool()
	for _, ic := range cs.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	_, chainErr := leaf.Verify(x509.VerifyOptions{Roots: c.o.CA, Intermediates: inter, DNSName: c.base.Hostname()})
	if tofu {
		c.mu.Lock()
		c.seen, c.seenTrusted = sum, chainErr == nil
		c.mu.Unlock()
		return nil
	}
	return chainErr
}

// Token returns the device token in use: Options.Token or the one
// WaitPaired received.
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

func (c *Client) now() time.Time { return c.o.Clock() }

// newRequestID returns a random action request ID.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// wait sleeps for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
