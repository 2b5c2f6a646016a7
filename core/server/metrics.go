package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/store"
)

// metrics counts HTTP requests by route pattern and status. Everything
// else /metrics shows is read when it is scraped.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
}

type requestKey struct {
	route string
	code  int
}

func newMetrics() *metrics { return &metrics{requests: map[requestKey]uint64{}} }

// request counts one answered request. Routes come from the table, never
// from the URL, so the label set stays bounded.
func (m *metrics) request(route string, code int) {
	m.mu.Lock()
	m.requests[requestKey{route, code}]++
	m.mu.Unlock()
}

// staleness is how old a mailbox's cached data is, in whole seconds; -1
// before its first successful sync.
func staleness(st store.SyncState, now time.Time) int64 {
	if st.LastSuccess.IsZero() {
		return -1
	}
	return int64(max(now.Sub(st.LastSuccess), 0) / time.Second)
}

// getMetrics writes the Prometheus text exposition format (version 0.0.4)
// by hand: a handful of gauges and counters do not need a client library.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	devices, err := s.db.PairedDevices(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	syncs, err := s.db.SyncStates(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	now := s.now()
	st := s.feed.Stats()
	active, revoked := 0, 0
	for _, d := range devices {
		if d.RevokedAt.IsZero() {
			active++
		} else {
			revoked++
		}
	}

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	p := &promWriter{w: w}
	p.metric("roomboard_hub_connections", "gauge", "Open WebSocket streams to devices.")
	p.sample("roomboard_hub_connections", nil, float64(st.Connections))
	p.metric("roomboard_hub_frames_sent_total", "counter", "Frames sent to devices.")
	p.sample("roomboard_hub_frames_sent_total", nil, float64(st.FramesSent))
	p.metric("roomboard_hub_evictions_total", "counter", "Slow streams closed for falling behind.")
	p.sample("roomboard_hub_evictions_total", nil, float64(st.Evictions))
	p.metric("roomboard_hub_seq", "gauge", "Last sequence number of the change feed.")
	p.sample("roomboard_hub_seq", nil, float64(st.LastSeq))
	p.metric("roomboard_hub_released_total", "counter", "Bookings auto-released because nobody checked in.")
	p.sample("roomboard_hub_released_total", nil, float64(st.Released))
	p.metric("roomboard_hub_release_errors_total", "counter", "Failed auto-release attempts.")
	p.sample("roomboard_hub_release_errors_total", nil, float64(st.ReleaseErrs))
	p.metric("roomboard_hub_devices", "gauge", "Paired devices by state.")
	p.sample("roomboard_hub_devices", []string{"state", "active"}, float64(active))
	p.sample("roomboard_hub_devices", []string{"state", "revoked"}, float64(revoked))
	p.metric("roomboard_hub_pairings_pending", "gauge", "Pairings waiting for an operator.")
	p.sample("roomboard_hub_pairings_pending", nil, float64(s.pairings.pending(now)))
	p.metric("roomboard_sync_staleness_seconds", "gauge", "Age of each mailbox's cached data; -1 before its first sync.")
	for _, ss := range syncs {
		p.sample("roomboard_sync_staleness_seconds", []string{"mailbox", ss.Mailbox}, float64(staleness(ss, now)))
	}
	p.metric("roomboard_http_requests_total", "counter", "HTTP requests answered, by route and status.")
	s.metrics.mu.Lock()
	keys := make([]requestKey, 0, len(s.metrics.requests))
	for k := range s.metrics.requests {
		keys = append(keys, k)
	}
	counts := make(map[requestKey]uint64, len(keys))
	for _, k := range keys {
		counts[k] = s.metrics.requests[k]
	}
	s.metrics.mu.Unlock()
	slices.SortFunc(keys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		p.sample("roomboard_http_requests_total", []string{"route", k.route, "code", strconv.Itoa(k.code)}, float64(counts[k]))
	}
}

// promWriter writes the text format; write errors (a gone scraper) are
// ignored.
type promWriter struct{ w io.Writer }

func (p *promWriter) metric(name, typ, help string) {
	fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one line; labels are name, value pairs.
func (p *promWriter) sample(name string, labels []string, v float64) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(labelEscaper.Replace(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	b.WriteByte('\n')
	io.WriteString(p.w, b.String())
}

// labelEscaper escapes a label value as the text format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// healthTTL is how long a /healthz result is reused: the database check
// reads the whole file, too much for every probe of a load balancer.
const healthTTL = 30 * time.Second

// healthCache holds the last database check.
type healthCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// getHealthz answers "ok" while the database passes its integrity check.
func (s *Server) getHealthz(w http.ResponseWriter, r *http.Request) {
	h := &s.health
	h.mu.Lock()
	now := s.now()
	if h.at.IsZero() || now.Sub(h.at) >= healthTTL || now.Before(h.at) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		h.err, h.at = s.db.Check(ctx), now
		cancel()
	}
	err := h.err
	h.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		s.logf("server: health check: %v", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database check failed\n")
		return
	}
	io.WriteString(w, "ok")
}
