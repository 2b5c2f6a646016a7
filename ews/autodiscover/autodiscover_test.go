package autodiscover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews"
)

// hit is one request a scripted server saw.
type hit struct {
	Method, Path string
	Auth         bool // an Authorization header was sent
}

// scripted is a loopback server answering each path with a handler; any
// other path is a 404. Every domain's candidates live under /<domain>/.
type scripted struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newScripted(t *testing.T, tls bool, routes map[string]http.HandlerFunc) *scripted {
	t.Helper()
	s := &scripted{}
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, hit{r.Method, r.URL.Path, r.Header.Get("Authorization") != ""})
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) Hits() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// endpoints maps every domain onto paths of s, in the default order.
func (s *scripted) endpoints(domain string) []Endpoint {
	b := s.URL + "/" + domain
	return []Endpoint{
		{b + "/autodiscover/autodiscover.svc", SOAP},
		{b + "/autodiscover/autodiscover.xml", POX},
		{b + "/probe", HTTPRedirect},
	}
}

func (s *scripted) client(c Client) *Client {
	c.HTTPClient = s.Client()
	c.Endpoints = s.endpoints
	return &c
}

// Handlers.

func selfURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func xmlBody(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprint(w, body)
}

func raw(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { xmlBody(w, body) }
}

func fixture(t *testing.T, name string) http.HandlerFunc { return raw(string(readFixture(t, name))) }

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="autodiscover.contoso.com"`)
		}
		http.Error(w, http.StatusText(code), code)
	}
}

func httpRedirect(code int, path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, path, code) }
}

const poxOpen = `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">` +
	`<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account>`
const poxClose = `</Account></Response></Autodiscover>`

func poxSettings(internal, external string) http.HandlerFunc {
	return raw(poxOpen + `<AccountType>email</AccountType><Action>settings</Action>` +
		`<Protocol><Type>EXCH</Type><EwsUrl>` + internal + `</EwsUrl></Protocol>` +
		`<Protocol><Type>EXPR</Type><EwsUrl>` + external + `</EwsUrl></Protocol>` + poxClose)
}

func poxRedirectAddr(addr string) http.HandlerFunc {
	return raw(poxOpen + `<Action>redirectAddr</Action><RedirectAddr>` + addr + `</RedirectAddr>` + poxClose)
}

func poxRedirectURL(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		xmlBody(w, poxOpen+`<Action>redirectUrl</Action><RedirectUrl>`+selfURL(r, path)+`</RedirectUrl>`+poxClose)
	}
}

func soapUser(inner string) string {
	return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
		`<GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Response>` +
		`<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses><UserResponse>` + inner +
		`</UserResponse></UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`
}

func soapSettings(internal, external string) http.HandlerFunc {
	return raw(soapUser(`<ErrorCode>NoError</ErrorCode><UserSettings>` +
		`<UserSetting><Name>InternalEwsUrl</Name><Value>` + internal + `</Value></UserSetting>` +
		`<UserSetting><Name>ExternalEwsUrl</Name><Value>` + external + `</Value></UserSetting></UserSettings>`))
}

func soapError(code string) http.HandlerFunc {
	return raw(soapUser(`<ErrorCode>` + code + `</ErrorCode><ErrorMessage>` + code + `.</ErrorMessage>`))
}

func soapRedirectAddr(addr string) http.HandlerFunc {
	return raw(soapUser(`<ErrorCode>RedirectAddress</ErrorCode><RedirectTarget>` + addr + `</RedirectTarget>`))
}

func soapRedirectURL(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		xmlBody(w, soapUser(`<ErrorCode>RedirectUrl</ErrorCode><RedirectTarget>`+selfURL(r, path)+`</RedirectTarget>`))
	}
}

// hops answers /hop/<n> with a POX redirectUrl to /hop/<n+1>, for ever.
func hops(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
	poxRedirectURL("/hop/"+strconv.Itoa(n+1))(w, r)
}

const (
	ewsInternal = "https://mbx01.corp.contoso.com/EWS/Exchange.asmx"
	ewsExternal = "https://mail.contoso.com/EWS/Exchange.asmx"
)

func TestDiscover(t *testing.T) {
	big := poxOpen + "<Action>settings</Action><!--" + strings.Repeat("x", DefaultMaxResponseBytes) + "-->" + poxClose
	tests := []struct {
		name   string
		email  string
		routes map[string]http.HandlerFunc
		max    int
		// want is the Result with "{srv}" standing for the server URL.
		want *Result
		// check inspects the error when want is nil.
		check func(t *testing.T, err error)
	}{{
		name:  "soap",
		email: "room.taipei-101@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room.taipei-101@contoso.com",
			Endpoint: "{srv}/contoso.com/autodiscover/autodiscover.svc", Method: SOAP},
	}, {
		name:  "pox after soap 404",
		email: "room.taipei-101@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": fixture(t, "pox-settings-ewsurl.response.xml"),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room.taipei-101@contoso.com",
			Endpoint: "{srv}/contoso.com/autodiscover/autodiscover.xml", Method: POX},
	}, {
		name:  "internal only",
		email: "raum.zuerich@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapSettings(ewsInternal, ""),
		},
		want: &Result{EWSURL: ewsInternal, InternalEWSURL: ewsInternal, Email: "raum.zuerich@contoso.com",
			Endpoint: "{srv}/contoso.com/autodiscover/autodiscover.svc", Method: SOAP},
	}, {
		name:  "redirectAddr chain across both dialects",
		email: "room@fabrikam.com",
		routes: map[string]http.HandlerFunc{
			"/fabrikam.com/autodiscover/autodiscover.svc": soapRedirectAddr("Besprechung.Köln@contoso.de"),
			"/contoso.de/autodiscover/autodiscover.xml":   poxRedirectAddr("会议室.上海@contoso.com"),
			"/contoso.com/autodiscover/autodiscover.svc":  soapSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "会议室.上海@contoso.com",
			Endpoint: "{srv}/contoso.com/autodiscover/autodiscover.svc", Method: SOAP,
			Redirects: []string{"Besprechung.Köln@contoso.de", "会议室.上海@contoso.com"}},
	}, {
		name:  "pox redirectUrl",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": poxRedirectURL("/eu/autodiscover/autodiscover.xml"),
			"/eu/autodiscover/autodiscover.xml":          poxSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room@contoso.com",
			Endpoint: "{srv}/eu/autodiscover/autodiscover.xml", Method: POX, Redirects: []string{"{srv}/eu/autodiscover/autodiscover.xml"}},
	}, {
		name:  "soap redirectUrl",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapRedirectURL("/eu/autodiscover/autodiscover.svc"),
			"/eu/autodiscover/autodiscover.svc":          soapSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room@contoso.com",
			Endpoint: "{srv}/eu/autodiscover/autodiscover.svc", Method: SOAP, Redirects: []string{"{srv}/eu/autodiscover/autodiscover.svc"}},
	}, {
		name:  "http 302 on post",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": httpRedirect(http.StatusFound, "/eu/autodiscover/autodiscover.svc"),
			"/eu/autodiscover/autodiscover.svc":          soapSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room@contoso.com",
			Endpoint: "{srv}/eu/autodiscover/autodiscover.svc", Method: SOAP, Redirects: []string{"{srv}/eu/autodiscover/autodiscover.svc"}},
	}, {
		name:  "http redirect method",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/probe":                httpRedirect(http.StatusFound, "/ad/autodiscover/autodiscover.xml"),
			"/ad/autodiscover/autodiscover.xml": poxSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room@contoso.com",
			Endpoint: "{srv}/ad/autodiscover/autodiscover.xml", Method: POX, Redirects: []string{"{srv}/ad/autodiscover/autodiscover.xml"}},
	}, {
		name:  "redirect to the same address fails only that endpoint",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapRedirectAddr("ROOM@contoso.com"),
			"/contoso.com/autodiscover/autodiscover.xml": poxSettings(ewsInternal, ewsExternal),
		},
		want: &Result{EWSURL: ewsExternal, InternalEWSURL: ewsInternal, ExternalEWSURL: ewsExternal, Email: "room@contoso.com",
			Endpoint: "{srv}/contoso.com/autodiscover/autodiscover.xml", Method: POX},
	}, {
		name:  "server busy and answers without EWS URL fail only that endpoint",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapError("ServerBusy"),
			"/contoso.com/autodiscover/autodiscover.xml": raw(poxOpen + `<Action>settings</Action>` + poxClose),
			"/contoso.com/probe":                         httpRedirect(http.StatusMovedPermanently, "/ad/autodiscover/autodiscover.svc"),
			"/ad/autodiscover/autodiscover.svc":          fixture(t, "soap-settings.response.xml"),
			"/ad/autodiscover/autodiscover.xml":          fixture(t, "pox-settings.response.xml"),
		},
		want: &Result{EWSURL: "https://mail.contoso.com/ews/exchange.asmx", InternalEWSURL: "https://mail.contoso.com/ews/exchange.asmx",
			ExternalEWSURL: "https://mail.contoso.com/ews/exchange.asmx", Email: "room@contoso.com",
			Endpoint: "{srv}/ad/autodiscover/autodiscover.xml", Method: POX, Redirects: []string{"{srv}/ad/autodiscover/autodiscover.svc"}},
	}, {
		name:  "invalid user is final",
		email: "müller.jürgen@contoso.de",
		routes: map[string]http.HandlerFunc{
			"/contoso.de/autodiscover/autodiscover.svc": fixture(t, "soap-invaliduser.response.xml"),
			"/contoso.de/autodiscover/autodiscover.xml": poxSettings(ewsInternal, ewsExternal),
		},
		check: func(t *testing.T, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Code != "InvalidUser" || errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want *ResponseError InvalidUser", err)
			}
		},
	}, {
		name:  "pox error 500 is final",
		email: "nobody@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": fixture(t, "pox-error-500.response.xml"),
		},
		check: func(t *testing.T, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Code != "500" {
				t.Errorf("err = %v, want *ResponseError 500", err)
			}
		},
	}, {
		name:  "address loop",
		email: "a@fabrikam.com",
		routes: map[string]http.HandlerFunc{
			"/fabrikam.com/autodiscover/autodiscover.svc": soapRedirectAddr("b@contoso.com"),
			"/contoso.com/autodiscover/autodiscover.xml":  poxRedirectAddr("A@fabrikam.com"),
		},
		check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrRedirectLoop) || errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrRedirectLoop", err)
			}
		},
	}, {
		name:  "url loop",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": poxRedirectURL("/b/autodiscover/autodiscover.xml"),
			"/b/autodiscover/autodiscover.xml":           poxRedirectURL("/contoso.com/autodiscover/autodiscover.xml"),
		},
		check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrRedirectLoop) {
				t.Errorf("err = %v, want ErrNotFound wrapping ErrRedirectLoop", err)
			}
		},
	}, {
		name:  "redirect limit",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": poxRedirectURL("/hop/1"),
			"/hop/": hops,
		},
		check: func(t *testing.T, err error) {
			var le *RedirectLimitError
			if !errors.As(err, &le) || le.Limit != DefaultMaxRedirects || len(le.Redirects) != DefaultMaxRedirects {
				t.Fatalf("err = %v, want *RedirectLimitError after %d redirects", err, DefaultMaxRedirects)
			}
			if !strings.HasSuffix(le.Redirects[9], "/hop/10") {
				t.Errorf("last redirect = %s, want /hop/10", le.Redirects[9])
			}
		},
	}, {
		name:  "redirect limit set by caller counts address redirects too",
		email: "a@fabrikam.com",
		max:   2,
		routes: map[string]http.HandlerFunc{
			"/fabrikam.com/autodiscover/autodiscover.svc": soapRedirectAddr("b@contoso.com"),
			"/contoso.com/autodiscover/autodiscover.svc":  httpRedirect(http.StatusTemporaryRedirect, "/eu/autodiscover/autodiscover.svc"),
			"/eu/autodiscover/autodiscover.svc":           soapRedirectURL("/ch/autodiscover/autodiscover.svc"),
		},
		check: func(t *testing.T, err error) {
			var le *RedirectLimitError
			if !errors.As(err, &le) || le.Limit != 2 || len(le.Redirects) != 2 || le.Redirects[0] != "b@contoso.com" {
				t.Errorf("err = %v, want *RedirectLimitError{2, [b@contoso.com .../eu/...]}", err)
			}
		},
	}, {
		name:  "malformed xml",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": raw("<html><body>It works!</body></html>"),
			"/contoso.com/autodiscover/autodiscover.xml": raw(poxOpen + "<Action>settings</Action><Protocol><Type>EXPR"),
		},
		check: func(t *testing.T, err error) {
			var nf *NotFoundError
			if !errors.As(err, &nf) || !errors.Is(err, ews.ErrMalformed) || len(nf.Attempts) != 3 {
				t.Errorf("err = %v, want *NotFoundError with 3 attempts wrapping ews.ErrMalformed", err)
			}
		},
	}, {
		name:  "oversized body",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": raw(big),
		},
		check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, ews.ErrTooLarge) {
				t.Errorf("err = %v, want ErrNotFound wrapping ews.ErrTooLarge", err)
			}
		},
	}, {
		name:  "401 everywhere",
		email: "room@contoso.com",
		routes: map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": status(http.StatusUnauthorized),
			"/contoso.com/autodiscover/autodiscover.xml": status(http.StatusUnauthorized),
			"/contoso.com/probe":                         status(http.StatusNotFound),
		},
		check: func(t *testing.T, err error) {
			var he *ews.HTTPError
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, ews.ErrUnauthorized) || !errors.As(err, &he) || he.StatusCode != 401 {
				t.Errorf("err = %v, want ErrNotFound wrapping a 401 *ews.HTTPError", err)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, false, tt.routes)
			c := srv.client(Client{AllowHTTP: true, MaxRedirects: tt.max, Credentials: ews.BasicAuth("svc-roomboard@contoso.com", "Pässwörd")})
			got, err := c.Discover(context.Background(), tt.email)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("Discover = %+v, want an error", got)
				}
				if !strings.HasPrefix(err.Error(), "autodiscover: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := *tt.want
			want.Endpoint = strings.ReplaceAll(want.Endpoint, "{srv}", srv.URL)
			for i, r := range want.Redirects {
				want.Redirects[i] = strings.ReplaceAll(r, "{srv}", srv.URL)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDiscoverCredentials checks that every POST carries the credentials,
// the redirect probe carries none, and candidates are tried in order.
func TestDiscoverCredentials(t *testing.T) {
	srv := newScripted(t, false, map[string]http.HandlerFunc{
		"/contoso.com/autodiscover/autodiscover.svc": status(http.StatusInternalServerError),
		"/contoso.com/probe":                         httpRedirect(http.StatusFound, "/ad/autodiscover/autodiscover.xml"),
		"/ad/autodiscover/autodiscover.svc":          soapSettings(ewsInternal, ewsExternal),
	})
	c := srv.client(Client{AllowHTTP: true, Credentials: ews.BasicAuth("svc-roomboard@contoso.com", "Pässwörd")})
	if _, err := c.Discover(context.Background(), "room@contoso.com"); err != nil {
		t.Fatal(err)
	}
	want := []hit{
		{"POST", "/contoso.com/autodiscover/autodiscover.svc", true},
		{"POST", "/contoso.com/autodiscover/autodiscover.xml", true},
		{"GET", "/contoso.com/probe", false},
		{"POST", "/ad/autodiscover/autodiscover.svc", true},
	}
	if diff := cmp.Diff(want, srv.Hits()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestDiscoverHTTPSOnly runs without AllowHTTP against a TLS server.
func TestDiscoverHTTPSOnly(t *testing.T) {
	tests := []struct {
		name    string
		routes  map[string]http.HandlerFunc
		wantErr error
	}{
		{"redirectUrl to http", map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": raw(soapUser(`<ErrorCode>RedirectUrl</ErrorCode><RedirectTarget>http://autodiscover.contoso.com/autodiscover/autodiscover.svc</RedirectTarget>`)),
		}, ErrInsecureURL},
		{"302 to http", map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.xml": httpRedirect(http.StatusFound, "http://autodiscover.contoso.com/autodiscover/autodiscover.xml"),
		}, ErrInsecureURL},
		{"http EWS URL", map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapSettings("http://mbx01.corp.contoso.com/EWS/Exchange.asmx", ""),
		}, ErrInsecureURL},
		{"https works", map[string]http.HandlerFunc{
			"/contoso.com/autodiscover/autodiscover.svc": soapSettings(ewsInternal, ""),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, true, tt.routes)
			c := srv.client(Client{Credentials: ews.BasicAuth("svc-roomboard@contoso.com", "Pässwörd")})
			res, err := c.Discover(context.Background(), "room@contoso.com")
			if tt.wantErr == nil {
				if err != nil || res.EWSURL != ewsInternal {
					t.Fatalf("Discover = %+v, %v", res, err)
				}
				return
			}
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want ErrNotFound wrapping %v", err, tt.wantErr)
			}
		})
	}
}

// TestDiscoverRefusesHTTPCandidates checks that credentials never go to a
// plain-HTTP candidate without AllowHTTP.
func TestDiscoverRefusesHTTPCandidates(t *testing.T) {
	srv := newScripted(t, false, map[string]http.HandlerFunc{
		"/contoso.com/autodiscover/autodiscover.svc": soapSettings(ewsInternal, ewsExternal),
	})
	c := &Client{HTTPClient: srv.Client(), Credentials: ews.BasicAuth("svc-roomboard@contoso.com", "Pässwörd"),
		Endpoints: func(d string) []Endpoint { return srv.endpoints(d)[:2] }}
	_, err := c.Discover(context.Background(), "room@contoso.com")
	if !errors.Is(err, ErrInsecureURL) {
		t.Errorf("err = %v, want ErrInsecureURL", err)
	}
	if h := srv.Hits(); len(h) != 0 {
		t.Errorf("server saw %v, want no requests", h)
	}
}

type fakeResolver struct {
	name  string
	addrs []*net.SRV
}

func (f *fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	f.name = "_" + service + "._" + proto + "." + name
	return f.name, f.addrs, nil
}

func TestDiscoverSRV(t *testing.T) {
	srv := newScripted(t, true, map[string]http.HandlerFunc{
		"/autodiscover/autodiscover.svc": soapSettings(ewsInternal, ewsExternal),
	})
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	port, _ := strconv.Atoi(portStr)
	res := &fakeResolver{addrs: []*net.SRV{
		// Only the record with the best priority and weight is used.
		{Target: "unreachable.invalid.", Port: 443, Priority: 10, Weight: 100},
		{Target: "127.0.0.1.", Port: uint16(port), Priority: 0, Weight: 50},
		{Target: "other.invalid.", Port: 443, Priority: 0, Weight: 10},
	}}
	c := &Client{HTTPClient: srv.Client(), Resolver: res,
		Endpoints: func(d string) []Endpoint { return srv.endpoints(d)[:2] }}
	got, err := c.Discover(context.Background(), "room@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if res.name != "_autodiscover._tcp.contoso.com" {
		t.Errorf("looked up %q", res.name)
	}
	if want := "https://127.0.0.1:" + portStr + "/autodiscover/autodiscover.svc"; got.Endpoint != want || got.EWSURL != ewsExternal {
		t.Errorf("got endpoint %s URL %s, want %s %s", got.Endpoint, got.EWSURL, want, ewsExternal)
	}
}

func TestDiscoverInvalidAddress(t *testing.T) {
	for _, a := range []string{"", "room", "@contoso.com", "room@", "room@contoso.com/evil", "room@evil.com:8443", "room@exa mple.com"} {
		_, err := (&Client{Endpoints: func(string) []Endpoint { t.Fatal("candidates built for an invalid address"); return nil }}).Discover(context.Background(), a)
		if err == nil {
			t.Errorf("Discover(%q) succeeded", a)
		}
	}
}

func TestDiscoverCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := newScripted(t, false, map[string]http.HandlerFunc{
		"/contoso.com/autodiscover/autodiscover.svc": func(w http.ResponseWriter, r *http.Request) {
			cancel()
			status(http.StatusNotFound)(w, r)
		},
	})
	_, err := srv.client(Client{AllowHTTP: true}).Discover(ctx, "room@contoso.com")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(srv.Hits()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
}

func TestDefaultEndpoints(t *testing.T) {
	want := []Endpoint{
		{"https://contoso.com/autodiscover/autodiscover.svc", SOAP},
		{"https://contoso.com/autodiscover/autodiscover.xml", POX},
		{"https://autodiscover.contoso.com/autodiscover/autodiscover.svc", SOAP},
		{"https://autodiscover.contoso.com/autodiscover/autodiscover.xml", POX},
		{"http://autodiscover.contoso.com/autodiscover/autodiscover.xml", HTTPRedirect},
	}
	if diff := cmp.Diff(want, DefaultEndpoints("contoso.com")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
