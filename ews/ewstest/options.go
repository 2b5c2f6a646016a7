package ewstest

import (
	"net/http/httptest"
	"time"
)

// Options configure a Server. The zero value is a small organisation with
// no authentication and Exchange's default limits.
type Options struct {
	// Seed makes the generated directory and calendars reproducible.
	Seed int64
	// Rooms, Equipment, Users and Groups are how many mailboxes to generate;
	// zero picks a small default.
	Rooms, Equipment, Users, Groups int
	// Now is the simulator's clock; nil means time.Now. Calendars are
	// generated around Now at creation.
	Now func() time.Time

	// Auth selects how requests are authenticated.
	Auth AuthMode
	// Passwords maps account (SMTP address or DOMAIN\user) to password for
	// AuthBasic.
	Passwords map[string]string
	// TokenTTL is the lifetime of tokens issued by IssueToken (AuthBearer);
	// zero means one hour.
	TokenTTL time.Duration
	// TrustRemoteUserHeader makes the server take the account from
	// X-Remote-User, as set by an authenticating reverse proxy (the NTLM
	// front end in tests). Only for loopback setups.
	TrustRemoteUserHeader bool

	// MaxConcurrency is the per-account concurrent request budget; zero
	// means Exchange's default of 27, negative means unlimited.
	MaxConcurrency int
	// HangingConnections is the per-account limit of open
	// GetStreamingEvents connections; zero means Exchange's default of 10,
	// negative means unlimited.
	HangingConnections int
	// BusyBackOff is the BackOffMilliseconds hint sent with ErrorServerBusy;
	// zero means 500 ms.
	BusyBackOff time.Duration
	// StreamingLifetime caps a GetStreamingEvents connection (ConnectionTimeout
	// is limited to 30 minutes by Exchange); zero means 30 minutes.
	StreamingLifetime time.Duration
	// NotificationMinute is how long one minute lasts for the notification
	// timers that run on real time: streaming ConnectionTimeout and
	// keep-alives, push StatusFrequency and retry back-off. Zero means a
	// minute; tests shorten it. Subscription expiry uses Now instead.
	NotificationMinute time.Duration

	// Validate, if set, is run on every request body before it is handled;
	// an error is answered with an ErrorSchemaValidation fault. Tests plug
	// xmllint in here (see ews/internal/xsdcheck).
	Validate func(envelope []byte) error
	// Logf receives one line per request when set.
	Logf func(format string, args ...any)
}

// AuthMode is how the server authenticates requests.
type AuthMode int

// Authentication modes.
const (
	AuthNone   AuthMode = iota // any request is accepted as "admin@contoso.com"
	AuthBasic                  // HTTP Basic against Options.Passwords
	AuthBearer                 // Bearer tokens from IssueToken; they expire
)

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = 27
	}
	if o.HangingConnections == 0 {
		o.HangingConnections = 10
	}
	if o.BusyBackOff == 0 {
		o.BusyBackOff = 500 * time.Millisecond
	}
	if o.StreamingLifetime == 0 {
		o.StreamingLifetime = 30 * time.Minute
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = time.Hour
	}
}

// New returns a simulator with a generated organisation.
func New(opts Options) *Server {
	opts.defaults()
	s := &Server{opts: opts, handlers: map[string]handlerFunc{}}
	s.org = newOrg(opts)
	s.subs = newSubscriptions(s)
	s.registerDirectory()
	s.registerCalendar()
	s.registerNotifications()
	s.registerCompat() // ops_compat.go: operations only third-party clients need
	return s
}

// NewServer starts a simulator on a loopback httptest.Server. Its EWS
// endpoint is URL + "/EWS/Exchange.asmx". The caller closes the server.
func NewServer(opts Options) (*Server, *httptest.Server) {
	s := New(opts)
	return s, httptest.NewServer(s)
}
