package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/go-ntlmssp"
)

// DefaultMaxResponseBytes bounds a response body when Client.MaxResponseBytes
// is zero. A 1,000-item CalendarView with all calendar fields is about 2 MB.
const DefaultMaxResponseBytes = 64 << 20

// A Client sends EWS requests to one endpoint. Its fields are read-only
// after the first request. A Client is safe for concurrent use by multiple
// goroutines; copies made with [Client.Impersonating] share its HTTP client
// and its record of the server version.
type Client struct {
	// URL is the EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx.
	URL string
	// HTTPClient sends the requests. TLS settings belong in its transport.
	// New sets one up that suits the credentials; it is never
	// http.DefaultClient, so nothing here changes global state.
	HTTPClient *http.Client
	// Credentials authenticate each request; nil sends none.
	Credentials Credentials
	// Version is sent as RequestServerVersion.
	Version Version
	// TimeZone is the Windows time zone ID sent in TimeZoneContext ("" omits
	// the header). Requests always carry UTC times; the zone decides how
	// Exchange interprets all-day and recurring items.
	TimeZone string
	// Impersonate, when set, is sent as ExchangeImpersonation/SmtpAddress.
	Impersonate string
	// AnchorMailbox, when set, is sent as X-AnchorMailbox so that Exchange
	// routes the request to the server holding that mailbox.
	AnchorMailbox string
	// MaxResponseBytes bounds every response body; zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// UserAgent is sent as User-Agent.
	UserAgent string
	// Logf, if set, receives one line per request (operation, status,
	// duration). Bodies and headers are never logged.
	Logf func(format string, args ...any)

	sv *versionRecord
}

type versionRecord struct {
	mu sync.Mutex
	v  ServerVersionInfo
}

// New returns a Client for url with a private HTTP client suited to cred:
// NTLM credentials get a transport that keeps the connection alive across
// the three-leg handshake, as NTLM is connection-bound.
func New(url string, cred Credentials) *Client {
	var base http.RoundTripper = newTransport()
	if _, ok := cred.(ntlmCredentials); ok {
		base = ntlmssp.Negotiator{RoundTripper: base}
	}
	return &Client{
		URL:         url,
		HTTPClient:  &http.Client{Transport: base},
		Credentials: cred,
		TimeZone:    "UTC",
		UserAgent:   "Roomboard",
		sv:          &versionRecord{},
	}
}

// NewTransport returns the HTTP transport New uses, for callers that want
// to add TLS settings and then wrap it with [NTLMTransport].
func NewTransport() *http.Transport { return newTransport() }

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// EWS on-premises is plain HTTP/1.1 behind IIS; NTLM is tied to one
	// connection and does not survive an HTTP/2 upgrade.
	t.ForceAttemptHTTP2 = false
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 2 * time.Minute
	return t
}

// NTLMTransport wraps rt so that requests carrying user/password credentials
// negotiate NTLM when the server asks for it.
func NTLMTransport(rt http.RoundTripper) http.RoundTripper {
	return ntlmssp.Negotiator{RoundTripper: rt}
}

// Impersonating returns a copy of c that acts as the mailbox smtp through
// ExchangeImpersonation, with X-AnchorMailbox set to the same address as
// Microsoft recommends for impersonated requests.
func (c *Client) Impersonating(smtp string) *Client {
	c2 := *c
	c2.Impersonate = smtp
	c2.AnchorMailbox = smtp
	return &c2
}

// ServerVersion returns the ServerVersionInfo of the most recent response
// that carried one.
func (c *Client) ServerVersion() ServerVersionInfo {
	if c.sv == nil {
		return ServerVersionInfo{}
	}
	c.sv.mu.Lock()
	defer c.sv.mu.Unlock()
	return c.sv.v
}

func (c *Client) header() header {
	return header{Version: c.Version, Impersonate: c.Impersonate, TimeZone: c.TimeZone}
}

// call marshals body, posts it, and decodes the response body element into
// resp. op is the SOAPAction name and appears in errors.
func (c *Client) call(ctx context.Context, op string, body, resp any) error {
	payload, err := marshalEnvelope(c.header(), body)
	if err != nil {
		return err
	}
	rc, err := c.post(ctx, op, payload)
	if err != nil {
		return err
	}
	defer rc.Close()
	sv, err := parseEnvelope(rc, resp)
	c.recordVersion(sv)
	if err != nil {
		if errors.Is(err, ErrMalformed) && errors.Is(rc.err, ErrTooLarge) {
			return fmt.Errorf("ews: %s: %w", op, rc.err)
		}
		return fmt.Errorf("ews: %s: %w", op, err)
	}
	return nil
}

func (c *Client) recordVersion(sv ServerVersionInfo) {
	if sv.IsZero() || c.sv == nil {
		return
	}
	c.sv.mu.Lock()
	c.sv.v = sv
	c.sv.mu.Unlock()
}

// post sends one SOAP request and returns the response body of a 200, or of
// a 500 that carries a SOAP fault (Exchange answers faults with 500). Any
// other status becomes an [*HTTPError].
func (c *Client) post(ctx context.Context, op string, payload []byte) (*limitedBody, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("ews: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("SOAPAction", `"http://schemas.microsoft.com/exchange/services/2006/messages/`+op+`"`)
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.AnchorMailbox != "" {
		req.Header.Set("X-AnchorMailbox", c.AnchorMailbox)
	}
	if c.Credentials != nil {
		if err := c.Credentials.apply(ctx, req); err != nil {
			return nil, fmt.Errorf("ews: %s: credentials: %w", op, err)
		}
	}
	hc := c.HTTPClient
	if hc == nil {
		// A transport made for one request must not keep its
		// connection: nothing would reuse or close it, and it would
		// hold a socket and two goroutines until the idle timeout.
		t := newTransport()
		t.DisableKeepAlives = true
		hc = &http.Client{Transport: t}
	}
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ews: %s: %w", op, err)
	}
	if c.Logf != nil {
		c.Logf("ews: %s %s in %v", op, res.Status, time.Since(start).Round(time.Millisecond))
	}
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	body := &limitedBody{rc: res.Body, left: limit}
	switch {
	case res.StatusCode == http.StatusOK:
		return body, nil
	case res.StatusCode == http.StatusInternalServerError && isXML(res.Header.Get("Content-Type")):
		// A fault travels as 500; the caller's parseEnvelope turns it
		// into a *Fault.
		return body, nil
	}
	defer body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(body, 512))
	return nil, fmt.Errorf("ews: %s: %w", op, &HTTPError{
		StatusCode: res.StatusCode,
		Status:     res.Status,
		RetryAfter: parseRetryAfter(res.Header.Get("Retry-After")),
		Body:       string(snippet),
	})
}

func isXML(ct string) bool {
	return strings.Contains(ct, "xml")
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s > 0 {
		return saturatingDuration(s, time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// limitedBody reads at most left bytes and then fails with ErrTooLarge, so a
// hostile or broken server cannot make the client buffer without bound.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.err = ErrTooLarge
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
