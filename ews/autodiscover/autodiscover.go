package autodiscover

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/Azure/go-ntlmssp"
	"github.com/roomboard/roomboard/ews"
)

// Limits Microsoft recommends or that suit Autodiscover's small answers.
const (
	// DefaultMaxRedirects bounds the redirects of one Discover call when
	// Client.MaxRedirects is zero; Microsoft's guidance is to give up
	// after ten.
	DefaultMaxRedirects = 10
	// DefaultMaxResponseBytes bounds a response body when
	// Client.MaxResponseBytes is zero. Real answers are a few kilobytes.
	DefaultMaxResponseBytes = 1 << 20
)

// Method is how an endpoint is asked.
type Method string

// Methods of asking an endpoint.
const (
	// SOAP posts GetUserSettings to an autodiscover.svc URL.
	SOAP Method = "soap"
	// POX posts the Outlook request schema to an autodiscover.xml URL.
	POX Method = "pox"
	// HTTPRedirect sends an unauthenticated GET and only uses the URL of
	// a 301/302 answer, which is then asked with SOAP and POX.
	HTTPRedirect Method = "redirect"
)

// An Endpoint is a candidate Autodiscover URL and how to ask it.
type Endpoint struct {
	URL    string
	Method Method
}

// DefaultEndpoints returns the candidates Microsoft documents for an e-mail
// domain, in order: the domain itself, then the autodiscover host, each
// with SOAP first (Microsoft recommends it for Exchange 2010 and later) and
// POX second, then the HTTP redirect method.
func DefaultEndpoints(domain string) []Endpoint {
	a := "https://" + domain + "/autodiscover/autodiscover"
	b := "https://autodiscover." + domain + "/autodiscover/autodiscover"
	return []Endpoint{
		{a + ".svc", SOAP}, {a + ".xml", POX},
		{b + ".svc", SOAP}, {b + ".xml", POX},
		{"http://autodiscover." + domain + "/autodiscover/autodiscover.xml", HTTPRedirect},
	}
}

// A Resolver looks up DNS SRV records; *net.Resolver is one.
type Resolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)
}

// A Client discovers EWS endpoints. Its fields are read-only while Discover
// runs; a Client is safe for concurrent use and keeps no state between
// calls.
type Client struct {
	// HTTPClient sends the requests; its CheckRedirect is ignored because
	// Discover follows redirects itself. Nil means a private client set up
	// for Credentials as ews.New does (with NTLM when needed).
	HTTPClient *http.Client
	// Credentials authenticate the POST requests; nil sends none. They are
	// never sent to a plain-HTTP URL unless AllowHTTP is set.
	Credentials ews.Credentials
	// Endpoints returns the candidates for a domain; nil means
	// DefaultEndpoints. Tests point it at loopback servers.
	Endpoints func(domain string) []Endpoint
	// Resolver, when set, is asked for _autodiscover._tcp.<domain> after
	// every candidate has failed.
	Resolver Resolver
	// MaxRedirects bounds HTTP and Autodiscover redirects together; zero
	// means DefaultMaxRedirects.
	MaxRedirects int
	// MaxResponseBytes bounds each response body; zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// AllowHTTP lets Discover post to, follow redirects to, and return
	// plain-HTTP URLs. Only for tests against loopback servers.
	AllowHTTP bool
	// UserAgent is sent as User-Agent when set.
	UserAgent string
}

// Result is a discovered EWS endpoint.
type Result struct {
	// EWSURL is the endpoint to use: ExternalEWSURL when the server gave
	// one, as the EWS Managed API does, else InternalEWSURL.
	EWSURL         string
	InternalEWSURL string
	ExternalEWSURL string
	// Email is the address the answer is for; it differs from the one
	// passed to Discover after a redirectAddr.
	Email string
	// Endpoint is the Autodiscover URL that answered, and Method how.
	Endpoint string
	Method   Method
	// Redirects lists every redirect followed, in order: URLs for HTTP
	// and redirectUrl redirects, addresses for redirectAddr.
	Redirects []string
}

// Discover finds the EWS endpoint for email. It tries the candidates in
// order until one answers, follows redirects, and returns a
// [*NotFoundError] when none answers, a [*RedirectLimitError] when there
// are too many redirects, an error matching [ErrRedirectLoop] when an
// address redirect comes back to an address already tried, and a
// [*ResponseError] when a server rejects the address or the request.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/autodiscover-for-exchange
func (c *Client) Discover(ctx context.Context, email string) (*Result, error) {
	addr, domain, err := splitAddress(email)
	if err != nil {
		return nil, fmt.Errorf("autodiscover: %w", err)
	}
	r := &run{c: c, hc: c.httpClient(), emails: map[string]bool{}}
	if c.HTTPClient == nil {
		// The transport is this call's own; idle connections left in
		// it would linger, with their goroutines, until its timeout.
		defer closeIdle(r.hc.Transport)
	}
	res, err := r.discover(ctx, addr, domain)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, err
		}
		return nil, fmt.Errorf("autodiscover: %s: %w", addr, err)
	}
	return res, nil
}

func (c *Client) httpClient() *http.Client {
	var hc http.Client
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	} else {
		hc = *ews.New("", c.Credentials).HTTPClient
	}
	// Redirects must be validated (HTTPS, loops, the limit) and the
	// credentials re-applied deliberately, so the http.Client must not
	// follow them on its own.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// closeIdle closes the idle connections of a transport made by ews.New,
// which wraps it for NTLM in a negotiator that does not pass
// CloseIdleConnections on.
func closeIdle(rt http.RoundTripper) {
	if n, ok := rt.(ntlmssp.Negotiator); ok {
		rt = n.RoundTripper
	}
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// run is the state of one Discover call.
type run struct {
	c         *Client
	hc        *http.Client
	emails    map[string]bool // addresses tried, lower-case
	visited   map[string]bool // URLs posted to for the current address
	attempts  []error         // failures for the current address
	redirects []string
}

// outcome is the success of one endpoint: a result, or an address to start
// over with.
type outcome struct {
	result *Result
	next   string
}

func (r *run) discover(ctx context.Context, email, domain string) (*Result, error) {
	for {
		r.emails[strings.ToLower(email)] = true
		r.visited, r.attempts = map[string]bool{}, nil
		eps := DefaultEndpoints
		if r.c.Endpoints != nil {
			eps = r.c.Endpoints
		}
		out, err := r.tryAll(ctx, email, eps(domain))
		if err == nil && out == nil && r.c.Resolver != nil {
			out, err = r.tryAll(ctx, email, r.srvEndpoints(ctx, domain))
		}
		switch {
		case err != nil:
			return nil, err
		case out == nil:
			return nil, &NotFoundError{Email: email, Attempts: r.attempts}
		case out.result != nil:
			out.result.Redirects = r.redirects
			return out.result, nil
		}
		// Microsoft: on a new address, discard the candidate list and
		// build one from the new address's domain.
		email = out.next
		_, domain, _ = splitAddress(email)
	}
}

// tryAll asks eps in order. It returns the first success, or an error that
// ends discovery; failures of single endpoints are collected in r.attempts.
func (r *run) tryAll(ctx context.Context, email string, eps []Endpoint) (*outcome, error) {
	for _, ep := range eps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var (
			out *outcome
			err error
		)
		switch ep.Method {
		case SOAP, POX:
			out, err = r.follow(ctx, email, ep.URL, ep.Method, false)
		case HTTPRedirect:
			out, err = r.probe(ctx, email, ep.URL)
		default:
			r.fail(ep.URL, fmt.Errorf("unknown method %q", ep.Method))
		}
		if err != nil || out != nil {
			return out, err
		}
	}
	return nil, nil
}

func (r *run) fail(u string, err error) {
	r.attempts = append(r.attempts, &attemptError{URL: u, Err: err})
}

// follow asks u with method m and follows URL redirects (HTTP and
// redirectUrl) from there. redirected says that u itself came from a
// redirect, which makes a URL already tried a loop rather than a duplicate.
func (r *run) follow(ctx context.Context, email, u string, m Method, redirected bool) (*outcome, error) {
	for {
		key := strings.ToLower(u)
		if r.visited[key] {
			if redirected {
				r.fail(u, fmt.Errorf("%w: URL already tried", ErrRedirectLoop))
			}
			return nil, nil
		}
		r.visited[key] = true
		if err := r.checkURL(u); err != nil {
			r.fail(u, err)
			return nil, nil
		}
		ans, loc, err := r.post(ctx, email, u, m)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.fail(u, err)
			return nil, nil
		}
		if loc == "" && ans.redirectURL != "" {
			loc = ans.redirectURL
		}
		if loc != "" {
			next, err := r.redirectOrFail(u, loc)
			if next == "" {
				return nil, err
			}
			u, redirected = next, true
			continue
		}
		switch {
		case ans.err != nil && ans.err.endpointOnly():
			r.fail(u, ans.err)
			return nil, nil
		case ans.err != nil:
			return nil, fmt.Errorf("%s: %w", u, ans.err)
		case ans.redirectAddr != "":
			return r.redirectAddr(email, u, ans.redirectAddr)
		}
		res, err := r.result(ans)
		if err != nil {
			r.fail(u, err)
			return nil, nil
		}
		res.Email, res.Endpoint, res.Method = email, u, m
		return &outcome{result: res}, nil
	}
}

// probe carries out the HTTP redirect method: an unauthenticated GET whose
// 301/302 Location is then asked with SOAP and POX.
func (r *run) probe(ctx context.Context, email, u string) (*outcome, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		r.fail(u, err)
		return nil, nil
	}
	r.setHeaders(req)
	res, err := r.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.fail(u, err)
		return nil, nil
	}
	drain(res.Body)
	loc := res.Header.Get("Location")
	if !isRedirect(res.StatusCode) || loc == "" {
		r.fail(u, fmt.Errorf("no redirect (http %d)", res.StatusCode))
		return nil, nil
	}
	next, err := r.redirectOrFail(u, loc)
	if next == "" {
		return nil, err
	}
	for _, ep := range variants(next) {
		out, err := r.follow(ctx, email, ep.URL, ep.Method, true)
		if err != nil || out != nil {
			return out, err
		}
	}
	return nil, nil
}

// variants turns the URL a redirect probe pointed at into SOAP and POX
// endpoints on the same server.
func variants(u string) []Endpoint {
	l := strings.ToLower(u)
	switch {
	case strings.HasSuffix(l, "/autodiscover.xml"):
		return []Endpoint{{u[:len(u)-len(".xml")] + ".svc", SOAP}, {u, POX}}
	case strings.HasSuffix(l, "/autodiscover.svc"):
		return []Endpoint{{u, SOAP}, {u[:len(u)-len(".svc")] + ".xml", POX}}
	}
	return []Endpoint{{u, POX}}
}

// redirectTo validates a redirect from base to loc and counts it.
func (r *run) redirectTo(base, loc string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	l, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		return "", fmt.Errorf("%w: redirect URL: %v", ews.ErrMalformed, err)
	}
	next := b.ResolveReference(l).String()
	if err := r.checkURL(next); err != nil {
		return "", err
	}
	if err := r.count(next); err != nil {
		return "", err
	}
	return next, nil
}

// redirectOrFail validates a redirect from u to loc. A bad redirect fails
// only endpoint u and returns "" and nil; reaching the redirect limit
// returns "" and the error that ends discovery.
func (r *run) redirectOrFail(u, loc string) (string, error) {
	next, err := r.redirectTo(u, loc)
	if err != nil {
		var le *RedirectLimitError
		if errors.As(err, &le) {
			return "", err
		}
		r.fail(u, err)
		return "", nil
	}
	return next, nil
}

// redirectAddr handles an answer that names another address.
func (r *run) redirectAddr(email, u, addr string) (*outcome, error) {
	a, _, err := splitAddress(addr)
	switch {
	case err != nil:
		r.fail(u, fmt.Errorf("%w: %v", ews.ErrMalformed, err))
		return nil, nil
	case strings.EqualFold(a, email):
		// Microsoft: a redirect to the address just asked for makes
		// the endpoint that sent it invalid, not the address.
		r.fail(u, fmt.Errorf("%w: redirected to the same address", ErrRedirectLoop))
		return nil, nil
	case r.emails[strings.ToLower(a)]:
		return nil, fmt.Errorf("%s: %w: back to %s", u, ErrRedirectLoop, a)
	}
	if err := r.count(a); err != nil {
		return nil, err
	}
	return &outcome{next: a}, nil
}

func (r *run) count(to string) error {
	limit := r.c.MaxRedirects
	if limit <= 0 {
		limit = DefaultMaxRedirects
	}
	if len(r.redirects) >= limit {
		return &RedirectLimitError{Limit: limit, Redirects: slices.Clone(r.redirects)}
	}
	r.redirects = append(r.redirects, to)
	return nil
}

// checkURL accepts absolute HTTPS URLs, and HTTP ones under AllowHTTP.
func (r *run) checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: %v", ews.ErrMalformed, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%w: URL %q is not absolute", ews.ErrMalformed, s)
	case strings.EqualFold(u.Scheme, "https"):
		return nil
	case strings.EqualFold(u.Scheme, "http") && r.c.AllowHTTP:
		return nil
	case strings.EqualFold(u.Scheme, "http"):
		return ErrInsecureURL
	}
	return fmt.Errorf("%w: unsupported URL scheme %q", ews.ErrMalformed, u.Scheme)
}

// result turns a settings answer into a Result, dropping EWS URLs that
// checkURL rejects.
func (r *run) result(a *answer) (*Result, error) {
	var firstErr error
	valid := func(s string) string {
		if s == "" {
			return ""
		}
		if err := r.checkURL(s); err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("EWS URL %q: %w", s, err))
			return ""
		}
		return s
	}
	res := &Result{InternalEWSURL: valid(a.internal), ExternalEWSURL: valid(a.external)}
	res.EWSURL = cmp.Or(res.ExternalEWSURL, res.InternalEWSURL)
	if res.EWSURL == "" {
		return nil, cmp.Or(firstErr, ErrNoEWSURL)
	}
	return res, nil
}

// post sends one Autodiscover request. It returns the parsed answer, or the
// Location of an HTTP redirect, or the failure.
func (r *run) post(ctx context.Context, email, u string, m Method) (*answer, string, error) {
	var body []byte
	if m == SOAP {
		body = marshalSOAP(email, u)
	} else {
		body = marshalPOX(email)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	r.setHeaders(req)
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if m == SOAP {
		req.Header.Set("SOAPAction", `"`+ActionGetUserSettings+`"`)
	}
	if err := ews.ApplyCredentials(ctx, r.c.Credentials, req); err != nil {
		return nil, "", fmt.Errorf("credentials: %w", err)
	}
	res, err := r.hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	switch {
	case isRedirect(res.StatusCode):
		drain(res.Body)
		loc := res.Header.Get("Location")
		if loc == "" {
			return nil, "", fmt.Errorf("%w: http %d without Location", ews.ErrMalformed, res.StatusCode)
		}
		return nil, loc, nil
	case res.StatusCode != http.StatusOK:
		snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return nil, "", &ews.HTTPError{StatusCode: res.StatusCode, Status: res.Status, Body: string(snippet)}
	}
	limit := cmp.Or(r.c.MaxResponseBytes, DefaultMaxResponseBytes)
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(b)) > limit {
		return nil, "", fmt.Errorf("%w: more than %d bytes", ews.ErrTooLarge, limit)
	}
	var a *answer
	if m == SOAP {
		a, err = parseSOAP(b)
	} else {
		a, err = parsePOX(b)
	}
	return a, "", err
}

func (r *run) setHeaders(req *http.Request) {
	if r.c.UserAgent != "" {
		req.Header.Set("User-Agent", r.c.UserAgent)
	}
}

// srvEndpoints looks up _autodiscover._tcp.<domain> and returns SOAP and
// POX endpoints on the records with the highest priority and weight, as
// Microsoft directs. The scheme is always HTTPS.
func (r *run) srvEndpoints(ctx context.Context, domain string) []Endpoint {
	name := "_autodiscover._tcp." + domain
	_, addrs, err := r.c.Resolver.LookupSRV(ctx, "autodiscover", "tcp", domain)
	if err != nil {
		r.fail(name, err)
		return nil
	}
	var recs []*net.SRV
	for _, a := range addrs {
		if a != nil && strings.TrimSuffix(a.Target, ".") != "" {
			recs = append(recs, a)
		}
	}
	if len(recs) == 0 {
		r.fail(name, errors.New("no SRV records"))
		return nil
	}
	// Lowest Priority value first, then highest Weight.
	slices.SortStableFunc(recs, func(a, b *net.SRV) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(b.Weight, a.Weight))
	})
	var eps []Endpoint
	for _, a := range recs {
		if a.Priority != recs[0].Priority || a.Weight != recs[0].Weight {
			break
		}
		host := strings.TrimSuffix(a.Target, ".")
		if a.Port != 443 {
			host = net.JoinHostPort(host, strconv.Itoa(int(a.Port)))
		}
		base := "https://" + host + "/autodiscover/autodiscover"
		eps = append(eps, Endpoint{base + ".svc", SOAP}, Endpoint{base + ".xml", POX})
	}
	return eps
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(rc io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(rc, 4<<10))
	rc.Close()
}

// splitAddress checks an e-mail address and returns it trimmed, with its
// domain in lower case. The domain ends up in URLs, so anything that could
// change a URL's meaning is rejected.
func splitAddress(email string) (addr, domain string, err error) {
	addr = strings.TrimSpace(email)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", fmt.Errorf("invalid e-mail address %q", email)
	}
	domain = strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	if domain == "" || strings.ContainsAny(domain, "/\\?#@:[]%") || strings.Contains(domain, "..") ||
		strings.HasPrefix(domain, ".") || strings.IndexFunc(domain, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "", "", fmt.Errorf("invalid e-mail domain in %q", email)
	}
	return addr, domain, nil
}
