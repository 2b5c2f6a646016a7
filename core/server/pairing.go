package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
)

// Pairing: a kiosk POSTs PathPair and gets a short code to show, plus an
// ID and secret to poll with. An operator approves the code through the
// admin API, which creates the device and its token; the kiosk's next poll
// carries the token, once. Pending pairings live in memory only.
const (
	pairTTL       = 10 * time.Minute // how long a code can be approved, and an approved token collected
	pairKeep      = 10 * time.Minute // how long an expired or finished pairing still answers polls
	maxPairings   = 200              // pairings held at once, whatever their state
	maxSecretFail = 5                // wrong secrets before a pairing is discarded
	codeAlphabet  = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	codeLen       = 6
)

// pairing is one kiosk's pairing attempt.
type pairing struct {
	id, code   string
	secretHash []byte
	req        hubproto.PairRequest
	remote     string
	created    time.Time
	expires    time.Time
	state      string // hubproto.PairPending, PairApproved, PairDenied
	failures   int
	// token is the device token between approval and the poll that
	// collects it; then it is cleared and never shown again.
	token  string
	device *hubproto.Device
}

// stateAt is the pairing's state at now: a pending one past its expiry is
// expired.
func (p *pairing) stateAt(now time.Time) string {
	if p.state == hubproto.PairPending && !now.Before(p.expires) {
		return hubproto.PairExpired
	}
	return p.state
}

// pairings holds the pairings in memory, by ID and by code.
type pairings struct {
	mu     sync.Mutex
	byID   map[string]*pairing
	byCode map[string]*pairing
}

func newPairings() *pairings {
	return &pairings{byID: map[string]*pairing{}, byCode: map[string]*pairing{}}
}

// sweepLocked drops pairings that ended more than pairKeep ago.
func (ps *pairings) sweepLocked(now time.Time) {
	for id, p := range ps.byID {
		if now.After(p.expires.Add(pairKeep)) {
			ps.dropLocked(id)
		}
	}
}

func (ps *pairings) dropLocked(id string) {
	if p, ok := ps.byID[id]; ok {
		delete(ps.byCode, p.code)
		delete(ps.byID, id)
	}
}

// pending counts pairings waiting for an operator at now.
func (ps *pairings) pending(now time.Time) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := 0
	for _, p := range ps.byID {
		if p.stateAt(now) == hubproto.PairPending {
			n++
		}
	}
	return n
}

// newCode returns a random "K7Q-4MX" code from an alphabet without 0/O
// and 1/I, which people misread.
func newCode() string {
	b := make([]byte, codeLen)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b[:3]) + "-" + string(b[3:])
}

// normalizeCode accepts what an operator types: any case, with or without
// the dash or spaces.
func normalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != codeLen {
		return "", false
	}
	for _, c := range s {
		if !strings.ContainsRune(codeAlphabet, c) {
			return "", false
		}
	}
	return s[:3] + "-" + s[3:], true
}

// newID returns a random identifier with prefix, e.g. "dev-4kq7…".
func newID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// postPair starts a pairing.
func (s *Server) postPair(w http.ResponseWriter, r *http.Request) {
	if wait := s.pairLimit.take("ip:" + clientIP(r)); wait > 0 {
		writeRetry(w, wait, "too many pairing requests")
		return
	}
	req, err := hubproto.DecodePairRequest(r.Body)
	if err != nil {
		writeBadBody(w, err)
		return
	}
	if req.Protocol != 0 && req.Protocol != hubproto.Version {
		writeError(w, hubproto.ErrorCodeUpgrade, fmt.Sprintf("this hub speaks protocol %d", hubproto.Version))
		return
	}
	now := s.now()
	secret, secretHash := newToken()
	p := &pairing{id: newID("pair-"), secretHash: secretHash, req: req, remote: clientIP(r), created: now,
		expires: now.Add(pairTTL), state: hubproto.PairPending}
	ps := s.pairings
	ps.mu.Lock()
	ps.sweepLocked(now)
	if len(ps.byID) >= maxPairings {
		ps.mu.Unlock()
		writeRetry(w, pairTTL, "too many pairings are waiting")
		return
	}
	for p.code = newCode(); ps.byCode[p.code] != nil; p.code = newCode() {
	}
	ps.byID[p.id], ps.byCode[p.code] = p, p
	ps.mu.Unlock()
	writeJSON(w, http.StatusOK, hubproto.PairResponse{ID: p.id, Code: p.code, Secret: secret, ExpiresAt: p.expires,
		QR: s.publicURL + "/pair/" + p.code, CertSHA256: s.certSHA})
}

// getPair answers a kiosk polling its pairing with its secret.
func (s *Server) getPair(w http.ResponseWriter, r *http.Request) {
	ipKey := "ip:" + clientIP(r)
	if wait := s.pairFails.wait(ipKey); wait > 0 {
		writeRetry(w, wait, "too many wrong pairing attempts")
		return
	}
	now := s.now()
	ps := s.pairings
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.sweepLocked(now)
	p, ok := ps.byID[r.PathValue("id")]
	if !ok {
		s.pairFails.take(ipKey)
		writeError(w, hubproto.ErrorCodeNotFound, "no such pairing")
		return
	}
	secret := r.Header.Get(hubproto.PairSecretHdr)
	if subtle.ConstantTimeCompare(hashToken(secret), p.secretHash) != 1 {
		s.pairFails.take(ipKey)
		p.failures++
		if p.failures >= maxSecretFail {
			// Someone is guessing: the pairing is gone, and the kiosk
			// that owns it starts over with a new code.
			ps.dropLocked(p.id)
			writeRetry(w, time.Minute, "too many wrong secrets; the pairing was discarded")
			return
		}
		writeError(w, hubproto.ErrorCodeUnauthorized, "wrong pairing secret")
		return
	}
	st := hubproto.PairStatus{State: p.stateAt(now)}
	if st.State == hubproto.PairApproved {
		st.Device = p.device
		if p.token != "" {
			st.Token, p.token = p.token, ""
		}
	}
	writeJSON(w, http.StatusOK, st)
}

// getPairPage is what the QR code opens: the code and the certificate's
// fingerprint, for an operator to compare with the console. It shows
// nothing the kiosk's screen does not already.
func (s *Server) getPairPage(w http.ResponseWriter, r *http.Request) {
	code, ok := normalizeCode(r.PathValue("code"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Roomboard pairing code %s\n\nApprove it in the Roomboard console under Devices.\n", code)
	if s.certSHA != "" {
		fmt.Fprintf(w, "Hub certificate SHA-256: %s\n", s.certSHA)
	}
}

// getPairings lists the pairings waiting for an operator.
func (s *Server) getPairings(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	ps := s.pairings
	ps.mu.Lock()
	out := []hubproto.Pairing{}
	for _, p := range ps.byID {
		if st := p.stateAt(now); st == hubproto.PairPending {
			out = append(out, hubproto.Pairing{Code: p.code, Name: p.req.Name, Platform: p.req.Platform, Version: p.req.Version,
				RemoteAddr: p.remote, State: st, Created: p.created, ExpiresAt: p.expires})
		}
	}
	ps.mu.Unlock()
	slices.SortFunc(out, func(a, b hubproto.Pairing) int { return a.Created.Compare(b.Created) })
	writeJSON(w, http.StatusOK, out)
}

// pendingByCode finds the pending pairing of an operator's code, or
// answers why there is none. ps.mu must be held.
func (s *Server) pendingByCode(w http.ResponseWriter, r *http.Request, now time.Time) *pairing {
	code, ok := normalizeCode(r.PathValue("code"))
	var p *pairing
	if ok {
		p = s.pairings.byCode[code]
	}
	switch {
	case p == nil:
		writeError(w, hubproto.ErrorCodeNotFound, "no such pairing code")
	case p.stateAt(now) == hubproto.PairExpired:
		writeError(w, hubproto.ErrorCodeExpired, "the pairing code expired; the kiosk shows a new one")
	case p.state != hubproto.PairPending:
		writeError(w, hubproto.ErrorCodeConflict, "the pairing was already "+p.state)
	default:
		return p
	}
	return nil
}

// postApprove approves a pairing: the device is created with a new token,
// which the kiosk collects with its next poll.
func (s *Server) postApprove(w http.ResponseWriter, r *http.Request) {
	req, err := hubproto.DecodeApproveRequest(r.Body)
	if err != nil {
		writeBadBody(w, err)
		return
	}
	ctx := r.Context()
	if msg, err := s.checkScope(ctx, req); err != nil {
		s.writeInternal(w, r, err)
		return
	} else if msg != "" {
		writeError(w, hubproto.ErrorCodeInvalid, msg)
		return
	}
	now := s.now()
	ps := s.pairings
	// The lock is held across the write so that one code cannot be
	// approved twice; approvals are rare and quick.
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := s.pendingByCode(w, r, now)
	if p == nil {
		return
	}
	name := req.Name
	if name == "" {
		name = p.req.Name
	}
	tok, hash := newToken()
	pd := store.PairedDevice{
		Device: store.Device{ID: newID("dev-"), Name: name, TokenHash: hash, Rooms: req.Rooms, Created: now},
		Mode:   req.Mode, Floors: req.Floors, Version: p.req.Version,
	}
	if err := s.db.PutPairedDevice(ctx, pd); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	dev, err := s.deviceView(ctx, pd)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	p.state, p.token, p.device, p.expires = hubproto.PairApproved, tok, &dev, now.Add(pairTTL)
	op := operatorFrom(r)
	s.audit(ctx, "operator:"+op.Login, "device.pair", pd.ID, map[string]any{"code": p.code, "name": name, "mode": req.Mode,
		"rooms": req.Rooms, "floors": req.Floors, "remote": p.remote})
	writeJSON(w, http.StatusOK, dev)
}

// checkScope returns a message for rooms or floors that do not exist.
func (s *Server) checkScope(ctx context.Context, req hubproto.ApproveRequest) (string, error) {
	for _, id := range req.Rooms {
		if _, err := s.db.Room(ctx, id); errors.Is(err, store.ErrNotFound) {
			return fmt.Sprintf("no room %q", id), nil
		} else if err != nil {
			return "", err
		}
	}
	if len(req.Floors) == 0 {
		return "", nil
	}
	lists, err := s.db.RoomLists(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range req.Floors {
		if !slices.ContainsFunc(lists, func(l room.RoomList) bool { return l.ID == f }) {
			return fmt.Sprintf("no floor (room list) %q", f), nil
		}
	}
	return "", nil
}

// postDeny denies a pairing; the kiosk's next poll says so.
func (s *Server) postDeny(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	ps := s.pairings
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := s.pendingByCode(w, r, now)
	if p == nil {
		return
	}
	p.state = hubproto.PairDenied
	s.audit(r.Context(), "operator:"+operatorFrom(r).Login, "device.pair-deny", p.code,
		map[string]any{"name": p.req.Name, "remote": p.remote})
	w.WriteHeader(http.StatusNoContent)
}
