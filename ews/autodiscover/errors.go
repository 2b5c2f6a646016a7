package autodiscover

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on with [errors.Is]. Failures of single
// endpoints also match package ews's sentinels (ews.ErrUnauthorized for a
// 401, ews.ErrMalformed, ews.ErrTooLarge), so that one classification works
// for both packages.
var (
	// ErrNotFound is matched by a [*NotFoundError]: no candidate endpoint
	// gave a usable answer.
	ErrNotFound = errors.New("autodiscover: no autodiscover endpoint answered")
	// ErrRedirectLoop means a redirect led back to an address, or a URL,
	// that had already been tried.
	ErrRedirectLoop = errors.New("autodiscover: redirect loop")
	// ErrInsecureURL means a server redirected to, or named as EWS
	// endpoint, a plain-HTTP URL while Client.AllowHTTP is false.
	ErrInsecureURL = errors.New("autodiscover: refusing non-HTTPS URL")
	// ErrNoEWSURL means a server answered but named no EWS endpoint, as
	// an ActiveSync-only or third-party Autodiscover service does.
	ErrNoEWSURL = errors.New("autodiscover: response names no EWS URL")
)

// NotFoundError reports that every candidate failed, with why each failed.
// It matches [ErrNotFound], and through Unwrap any error of an attempt, so
// errors.Is(err, ews.ErrUnauthorized) tells that at least one server refused
// the credentials (Microsoft suggests asking for the password again only
// when several do).
type NotFoundError struct {
	// Email is the address whose candidates ran out; after a redirectAddr
	// it differs from the one passed to Discover.
	Email    string
	Attempts []error // one per endpoint tried, each naming its URL
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("no autodiscover endpoint answered")
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(a.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns the failures of the single attempts.
func (e *NotFoundError) Unwrap() []error { return e.Attempts }

// RedirectLimitError is returned when following one more redirect would
// exceed the limit (Client.MaxRedirects).
type RedirectLimitError struct {
	Limit     int
	Redirects []string // the redirects followed, in order
}

func (e *RedirectLimitError) Error() string {
	return fmt.Sprintf("more than %d redirects (%s)", e.Limit, strings.Join(e.Redirects, " -> "))
}

// ResponseError is an error an Autodiscover server reported in its answer:
// a POX Error element (Code "500", "600", ...) or a SOAP ErrorCode
// ("InvalidUser", "InvalidRequest", ...). Discover returns it at once for
// errors about the request or the address, since another endpoint of the
// same organisation would say the same; server-side trouble (POX 601/603,
// SOAP ServerBusy/InternalServerError) only fails that endpoint.
type ResponseError struct {
	Code    string
	Message string
}

func (e *ResponseError) Error() string {
	if e.Message == "" {
		return "server error " + e.Code
	}
	return "server error " + e.Code + ": " + e.Message
}

// endpointOnly reports whether the error code concerns only the server that
// sent it, so that the next candidate deserves a try.
func (e *ResponseError) endpointOnly() bool {
	switch e.Code {
	case "601", "603", "ServerBusy", "InternalServerError":
		return true
	}
	return false
}

// attemptError is the failure of one endpoint; Discover moves on to the next
// candidate after it.
type attemptError struct {
	URL string
	Err error
}

func (e *attemptError) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *attemptError) Unwrap() error { return e.Err }
