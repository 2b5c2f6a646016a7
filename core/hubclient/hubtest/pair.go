package hubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/roomboard/roomboard/core/hubproto"
)

// PendingCodes returns the codes of pairings waiting for an operator.
func (h *Hub) PendingCodes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, p := range h.pairings {
		if p.state == hubproto.PairPending && h.o.Now().Before(p.expires) {
			out = append(out, p.code)
		}
	}
	slices.Sort(out)
	return out
}

// Approve approves a pending pairing by its code, as an operator does in
// the console, making a device that sees rooms.
func (h *Hub) Approve(code string, rooms ...string) (hubproto.Device, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pairingByCode(code)
	if p == nil {
		return hubproto.Device{}, fmt.Errorf("hubtest: no pending pairing with code %q", code)
	}
	tok, dev := h.addDevice(p.req.Name, rooms)
	p.state, p.token, p.deviceID = hubproto.PairApproved, tok, dev.ID
	h.notify()
	return dev, nil
}

// Deny denies a pending pairing.
func (h *Hub) Deny(code string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pairingByCode(code)
	if p == nil {
		return fmt.Errorf("hubtest: no pending pairing with code %q", code)
	}
	p.state = hubproto.PairDenied
	h.notify()
	return nil
}

func (h *Hub) pairingByCode(code string) *pairing {
	for _, p := range h.pairings {
		if p.code == code && p.state == hubproto.PairPending && h.o.Now().Before(p.expires) {
			return p
		}
	}
	return nil
}

func (h *Hub) postPair(w http.ResponseWriter, r *http.Request) {
	req, err := hubproto.DecodePairRequest(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, hubproto.ErrorCodeInvalid, err.Error())
		return
	}
	secret := randomString(16)
	h.mu.Lock()
	h.nextID++
	p := &pairing{id: "pair-" + strconv.Itoa(h.nextID), code: randomCode(), secretHash: hashToken(secret), req: req,
		expires: h.o.Now().Add(h.o.PairTTL).UTC(), state: hubproto.PairPending}
	h.pairings[p.id] = p
	h.notify()
	h.mu.Unlock()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, hubproto.PairResponse{ID: p.id, Code: p.code, Secret: secret, ExpiresAt: p.expires,
		QR: scheme + "://" + r.Host + "/pair?code=" + url.QueryEscape(p.code), CertSHA256: h.o.CertSHA256})
}

func (h *Hub) getPairState(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, hubproto.PathPairState)
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.notify()
	p, ok := h.pairings[id]
	if !ok {
		writeError(w, http.StatusNotFound, hubproto.ErrorCodeNotFound, "no such pairing")
		return
	}
	if p.secretHash != hashToken(r.Header.Get(hubproto.PairSecretHdr)) {
		writeError(w, http.StatusUnauthorized, hubproto.ErrorCodeUnauthorized, "wrong pairing secret")
		return
	}
	st := hubproto.PairStatus{State: p.state}
	switch {
	case p.state == hubproto.PairPending && !h.o.Now().Before(p.expires):
		p.state, st.State = hubproto.PairExpired, hubproto.PairExpired
	case p.state == hubproto.PairApproved:
		d := h.devices[p.deviceID].dev
		st.Device = &d
		// The token leaves the hub once.
		st.Token, p.token = p.token, ""
	}
	writeJSON(w, http.StatusOK, st)
}
