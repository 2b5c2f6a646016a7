package ews

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors callers branch on with [errors.Is].
var (
	// ErrUnauthorized is matched by an [*HTTPError] with status 401: wrong
	// credentials, an expired token, or (on Exchange Online) throttling that
	// presents itself as 401.
	ErrUnauthorized = errors.New("ews: unauthorized")
	// ErrForbidden is matched by an [*HTTPError] with status 403, typically a
	// missing impersonation or mailbox permission.
	ErrForbidden = errors.New("ews: forbidden")
	// ErrMalformed wraps every failure to parse what a server sent.
	ErrMalformed = errors.New("ews: malformed response")
	// ErrTooLarge is returned when a response exceeds Client.MaxResponseBytes.
	ErrTooLarge = errors.New("ews: response too large")
)

// HTTPError is a non-200 HTTP answer that did not carry a SOAP fault.
type HTTPError struct {
	StatusCode int
	Status     string
	// RetryAfter is the server's Retry-After hint, or zero.
	RetryAfter time.Duration
	// Body holds the first few hundred bytes of the answer, for diagnostics.
	Body string
}

func (e *HTTPError) Error() string {
	msg := "ews: http " + strconv.Itoa(e.StatusCode)
	if e.Status != "" {
		msg = "ews: http " + e.Status
	}
	return msg
}

// Is lets errors.Is(err, ErrUnauthorized) and errors.Is(err, ErrForbidden)
// match the corresponding status codes.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	}
	return false
}

// Fault is a SOAP fault. Exchange sends one when it rejects a whole request:
// a schema violation, a bad RequestServerVersion, or throttling
// (ErrorServerBusy with a BackOffMilliseconds hint).
type Fault struct {
	Code         string // faultcode, e.g. "a:ErrorServerBusy" or "soap:Client"
	String       string // faultstring
	ResponseCode string // detail/ResponseCode, e.g. "ErrorServerBusy"
	Message      string // detail/Message
	BackOff      time.Duration
	Values       map[string]string // detail/MessageXml values
}

func (e *Fault) Error() string {
	code := e.ResponseCode
	if code == "" {
		code = e.Code
	}
	return fmt.Sprintf("ews: soap fault %s: %s", code, e.String)
}

// ResponseError is a per-message error: a response message whose
// ResponseClass is "Error".
type ResponseError struct {
	Code    string // ResponseCode, e.g. "ErrorInvalidSyncStateData"
	Message string // MessageText
	BackOff time.Duration
	Values  map[string]string // MessageXml values
}

func (e *ResponseError) Error() string {
	if e.Message == "" {
		return "ews: " + e.Code
	}
	return "ews: " + e.Code + ": " + e.Message
}

// Code returns the EWS response code carried by err (from a [*ResponseError]
// or a [*Fault]), or "".
func Code(err error) string {
	var re *ResponseError
	if errors.As(err, &re) {
		return re.Code
	}
	var f *Fault
	if errors.As(err, &f) {
		if f.ResponseCode != "" {
			return f.ResponseCode
		}
		_, local, _ := strings.Cut(f.Code, ":")
		return local
	}
	return ""
}

// transientCodes are EWS response codes after which the same request may
// succeed later without any change.
var transientCodes = map[string]bool{
	"ErrorServerBusy":                     true,
	"ErrorTimeoutExpired":                 true,
	"ErrorInternalServerTransientError":   true,
	"ErrorMailboxStoreUnavailable":        true,
	"ErrorMailboxMoveInProgress":          true,
	"ErrorConnectionFailed":               true,
	"ErrorBatchProcessingStopped":         true,
	"ErrorExceededConnectionCount":        true,
	"ErrorExceededSubscriptionCount":      false, // needs fewer subscriptions, not patience
	"ErrorInsufficientResources":          true,
	"ErrorCrossSiteRequest":               false,
	"ErrorProxiedSubscriptionCallFailure": true,
}

// IsTransient reports whether err is worth retrying unchanged after a pause:
// throttling and busy codes, HTTP 429/502/503/504, timeouts and connection
// resets. Authentication and validation errors are not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if transientCodes[Code(err)] {
		return true
	}
	var he *HTTPError
	if errors.As(err, &he) {
		switch he.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// BackOff returns the pause the server asked for before the next request,
// from BackOffMilliseconds (faults and response messages) or Retry-After
// (HTTP). ok is false when the server gave no hint.
func BackOff(err error) (d time.Duration, ok bool) {
	var f *Fault
	if errors.As(err, &f) && f.BackOff > 0 {
		return f.BackOff, true
	}
	var re *ResponseError
	if errors.As(err, &re) && re.BackOff > 0 {
		return re.BackOff, true
	}
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		return he.RetryAfter, true
	}
	return 0, false
}

// backOffFrom reads BackOffMilliseconds out of MessageXml values.
func backOffFrom(values map[string]string) time.Duration {
	ms, err := strconv.ParseInt(strings.TrimSpace(values["BackOffMilliseconds"]), 10, 64)
	if err != nil || ms <= 0 {
		return 0
	}
	return saturatingDuration(ms, time.Millisecond)
}

// saturatingDuration returns n units, or the longest Duration when that
// does not fit: a hint wrapped around to a short pause would make the
// client hammer the server that asked it to wait. n must be positive.
func saturatingDuration(n int64, unit time.Duration) time.Duration {
	if n > math.MaxInt64/int64(unit) {
		return math.MaxInt64
	}
	return time.Duration(n) * unit
}

// wrapOp prefixes a per-message error with the operation, once.
func wrapOp(op string, err error) error { return fmt.Errorf("ews: %s: %w", op, err) }

// ErrInvalidRequest is matched (with [errors.Is]) by every
// [*ValidationError]: a request the client refused to send because Exchange
// would reject it or silently cap it.
var ErrInvalidRequest = errors.New("ews: invalid request")

// ValidationError reports a request the client refuses to send because an
// argument is missing, or outside what Microsoft's schema or Exchange's
// documented limits allow. Nothing was sent.
type ValidationError struct {
	Op     string // EWS operation, e.g. "GetUserAvailability"
	Field  string // offending argument, e.g. "Timeout"
	Reason string // what is wrong, e.g. "must be 1 to 1440 minutes, got 0"
}

func (e *ValidationError) Error() string {
	return "ews: " + e.Op + ": invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

func invalid(op, field, format string, args ...any) error {
	return &ValidationError{Op: op, Field: field, Reason: fmt.Sprintf(format, args...)}
}
