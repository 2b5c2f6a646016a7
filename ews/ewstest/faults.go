package ewstest

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// A Fault is a failure the server injects into matching requests, in place
// of (or, for Delay, before) the normal answer.
type Fault struct {
	// Op limits the fault to one operation ("" matches every operation).
	Op string
	// Times is how many requests it hits; zero means until removed.
	Times int

	// Exactly one of the following is usually set.
	HTTPStatus   int    // answer with this bare HTTP status (401, 403, 500, 503)
	SOAPFault    string // answer with a SOAP fault with this response code, e.g. ErrorServerBusy
	ResponseCode string // let the operation answer with this per-message ResponseCode instead of success
	BackOff      time.Duration
	// Delay holds the request this long before answering normally.
	Delay time.Duration
	// ResetMidStream makes a streaming response close its connection
	// abruptly after the first notification (GetStreamingEvents) or a
	// normal response after half its body.
	ResetMidStream bool
	// ExpireSubscriptions makes GetEvents and GetStreamingEvents answer
	// ErrorSubscriptionNotFound for every subscription they name.
	ExpireSubscriptions bool
}

type faultList []*faultEntry

type faultEntry struct {
	Fault
	left    int // remaining hits when Times > 0
	removed bool
}

// Inject adds f and returns a function that removes it.
func (s *Server) Inject(f Fault) (remove func()) {
	e := &faultEntry{Fault: f, left: f.Times}
	s.mu.Lock()
	s.faults = append(s.faults, e)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		e.removed = true
		s.mu.Unlock()
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first live fault matching op, consuming one of its
// hits, or nil.
func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.faults {
		if e.removed || (e.Op != "" && e.Op != op) {
			continue
		}
		if e.Times > 0 {
			if e.left == 0 {
				continue
			}
			e.left--
		}
		f := e.Fault
		return &f
	}
	return nil
}

// apply carries out the parts of f that replace the normal answer. It
// reports whether the response has been written. Faults that change how an
// operation answers (ResponseCode, ResetMidStream, ExpireSubscriptions) are
// handed to the handler in request.Fault instead.
func (f *Fault) apply(ctx context.Context, w http.ResponseWriter, s *Server) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			// The client gave up; nothing is left to answer.
			return true
		}
	}
	switch {
	case f.HTTPStatus != 0:
		s.mu.Lock()
		s.stats.Faults++
		s.mu.Unlock()
		if f.HTTPStatus == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="ews"`)
		}
		if f.BackOff > 0 && (f.HTTPStatus == http.StatusServiceUnavailable || f.HTTPStatus == http.StatusTooManyRequests) {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(f.BackOff/time.Second))))
		}
		http.Error(w, http.StatusText(f.HTTPStatus), f.HTTPStatus)
		return true
	case f.SOAPFault != "":
		s.writeFault(w, &soapFault{Code: f.SOAPFault, String: "Injected fault " + f.SOAPFault + ".", BackOff: f.BackOff})
		return true
	}
	return false
}
