package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

// access is the credential a route needs.
type access int

const (
	// public routes need no token; some carry a credential of their own
	// (the pairing secret, a feed token in the URL, Exchange's push
	// subscription).
	public access = iota
	// device routes need a paired, unrevoked device token.
	device
	// viewer routes need an operator session of any role.
	viewer
	// admin routes need an operator session with RoleAdmin.
	admin
)

func (a access) String() string {
	return [...]string{"public", "device", "viewer", "admin"}[a]
}

// route is one line of the route table.
type route struct {
	pattern string // http.ServeMux pattern: method and path
	access  access
	handler http.HandlerFunc
	// maxBody caps the request body; zero means hubproto.MaxClientBytes.
	maxBody int64
}

// maxPushBody bounds an Exchange push notification, which may batch many
// events; larger than what kiosks may send.
const maxPushBody = 1 << 20

// routes is every route of the hub, in one place.
func (s *Server) routes() []route {
	const a = hubproto.PathAdmin
	return []route{
		// Health and monitoring.
		{"GET " + hubproto.PathHealthz, public, s.getHealthz, 0}, // "ok" when the database passes its check
		{"GET " + hubproto.PathMetrics, public, s.getMetrics, 0}, // Prometheus text

		// Pairing: a kiosk asks for a code and polls with its secret.
		{"POST " + hubproto.PathPair, public, s.postPair, 0},               // PairRequest → PairResponse
		{"GET " + hubproto.PathPairState + "{id}", public, s.getPair, 0},   // header PairSecretHdr → PairStatus
		{"GET /pair/{code}", public, s.getPairPage, 0},                     // the page the QR code opens
		{"POST " + a + "pairings/{code}/approve", admin, s.postApprove, 0}, // ApproveRequest → Device
		{"POST " + a + "pairings/{code}/deny", admin, s.postDeny, 0},
		{"GET " + a + "pairings", viewer, s.getPairings, 0}, // → []Pairing

		// Kiosks: the live feed (feed.go) and who they are.
		{"GET " + hubproto.PathSnapshot, device, s.getSnapshot, 0}, // → Snapshot
		{"GET " + hubproto.PathStream, device, s.getStream, 0},     // WebSocket; since=SEQ
		{"POST " + hubproto.PathActions, device, s.postAction, 0},  // ActionRequest → ActionResult
		{"GET " + hubproto.PathDeviceMe, device, s.getDeviceMe, 0}, // → Device

		// Operators.
		{"POST " + hubproto.PathLogin, public, s.postLogin, 0}, // LoginRequest → LoginResponse
		{"POST " + hubproto.PathLogout, viewer, s.postLogout, 0},
		{"GET " + hubproto.PathAdminOperators, viewer, s.getOperators, 0},            // → []OperatorInfo
		{"PUT " + hubproto.PathAdminOperators + "/{login}", admin, s.putOperator, 0}, // OperatorRequest → OperatorInfo

		// Admin API.
		{"GET " + hubproto.PathAdminIntegrations, viewer, s.getIntegrations, 0},        // → []Integration
		{"GET " + hubproto.PathAdminScope, viewer, s.getScope, 0},                      // → []IntegrationScope
		{"GET " + hubproto.PathAdminRooms, viewer, s.getRooms, 0},                      // → []AdminRoom
		{"PUT " + hubproto.PathAdminRooms + "/{id}/policy", admin, s.putPolicy, 0},     // RoomPolicy → AdminRoom
		{"POST " + hubproto.PathAdminRooms + "/{id}/feed", admin, s.postFeed, 0},       // → FeedToken
		{"DELETE " + hubproto.PathAdminRooms + "/{id}/feed", admin, s.deleteFeed, 0},   // revokes the feed token
		{"GET " + hubproto.PathAdminDevices, viewer, s.getDevices, 0},                  // → []Device
		{"POST " + hubproto.PathAdminDevices + "/{id}/revoke", admin, s.postRevoke, 0}, // → Device
		{"DELETE " + hubproto.PathAdminDevices + "/{id}", admin, s.deleteDevice, 0},
		{"GET " + hubproto.PathAdminSync, viewer, s.getSync, 0},   // → []MailboxSync
		{"GET " + hubproto.PathAdminAudit, viewer, s.getAudit, 0}, // ?before=ID&limit=N&actor=&target= → AuditPage

		// Outside the API.
		{"GET " + hubproto.PathICalFeed + "{file}", public, s.getICal, 0},    // {token}.ics
		{"POST " + hubproto.PathEWSPush, public, s.postEWSPush, maxPushBody}, // Exchange's SendNotification
	}
}

// buildMux registers the route table, each route behind its credential
// check, body limit and request counter.
func (s *Server) buildMux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	return mux
}

type ctxKey int

const (
	deviceKey ctxKey = iota
	operatorKey
)

// guard wraps a route's handler: it counts the request, caps the body and
// checks the credential the route needs before the handler runs.
func (s *Server) guard(rt route) http.Handler {
	limit := rt.maxBody
	if limit == 0 {
		limit = hubproto.MaxClientBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() { s.metrics.request(rt.pattern, rec.status()) }()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, limit)
		}
		switch rt.access {
		case device:
			dev, ok := s.authDevice(rec, r)
			if !ok {
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), deviceKey, dev))
		case viewer, admin:
			op, ok := s.authOperator(rec, r, rt.access)
			if !ok {
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), operatorKey, op))
		}
		rt.handler(rec, r)
	})
}

// deviceFrom returns the device guard authenticated.
func deviceFrom(r *http.Request) hubproto.Device {
	d, _ := r.Context().Value(deviceKey).(hubproto.Device)
	return d
}

// operatorFrom returns the operator guard authenticated.
func operatorFrom(r *http.Request) Operator {
	o, _ := r.Context().Value(operatorKey).(Operator)
	return o
}

// writeJSON is the only writer of JSON bodies.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers a hubproto.Error with the status that goes with code.
func writeError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, statusOf(code), &hubproto.Error{Code: code, Message: msg})
}

// writeRetry answers ErrorCodeRateLimited with Retry-After.
func writeRetry(w http.ResponseWriter, wait time.Duration, msg string) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, &hubproto.Error{Code: hubproto.ErrorCodeRateLimited, Message: msg, RetryAfter: secs})
}

// writeInternal logs err and answers ErrorCodeInternal without details.
func (s *Server) writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.logf("server: %s %s: %v", r.Method, r.URL.Path, err)
	writeError(w, hubproto.ErrorCodeInternal, "the hub failed; details are in its log")
}

// writeBadBody answers a body that did not decode: too large or invalid.
func writeBadBody(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, hubproto.ErrTooLarge) {
		writeJSON(w, http.StatusRequestEntityTooLarge, &hubproto.Error{Code: hubproto.ErrorCodeInvalid, Message: "request body too large"})
		return
	}
	writeError(w, hubproto.ErrorCodeInvalid, err.Error())
}

func statusOf(code string) int {
	switch code {
	case hubproto.ErrorCodeUnauthorized:
		return http.StatusUnauthorized
	case hubproto.ErrorCodeForbidden:
		return http.StatusForbidden
	case hubproto.ErrorCodeNotFound:
		return http.StatusNotFound
	case hubproto.ErrorCodeInvalid:
		return http.StatusBadRequest
	case hubproto.ErrorCodeConflict, hubproto.ErrorCodeDeclined:
		return http.StatusConflict
	case hubproto.ErrorCodeRateLimited:
		return http.StatusTooManyRequests
	case hubproto.ErrorCodeUnavailable:
		return http.StatusServiceUnavailable
	case hubproto.ErrorCodeUpgrade:
		return http.StatusUpgradeRequired
	case hubproto.ErrorCodeExpired:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// recorder remembers the status a handler wrote, for the request metrics.
// It passes Hijack and Flush through, so WebSocket upgrades work behind
// it.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("server: %T cannot hijack", r.ResponseWriter)
	}
	c, rw, err := h.Hijack()
	if err == nil && r.code == 0 {
		r.code = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// clientIP is the TCP peer's address; proxy headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// The live feed's routes: the feed serves them for the authenticated
// device.

func (s *Server) getSnapshot(w http.ResponseWriter, r *http.Request) {
	s.feed.ServeSnapshot(w, r, deviceFrom(r))
}

func (s *Server) getStream(w http.ResponseWriter, r *http.Request) {
	s.feed.ServeStream(w, r, deviceFrom(r))
}

func (s *Server) postAction(w http.ResponseWriter, r *http.Request) {
	s.feed.ServeAction(w, r, deviceFrom(r))
}

func (s *Server) getDeviceMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, deviceFrom(r))
}
