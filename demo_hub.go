package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/hubclient"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/server"
)

// demoHub is the hub of `roomboard demo`: the real server over the demo's
// cache and syncer. Kiosks pair with it the way they do with a real hub:
// each asks for a code, and the demo signs in to the admin API as an
// operator and approves it.
type demoHub struct {
	srv   *server.Server
	url   string
	pin   string
	admin string // operator session token
	hc    *http.Client
	done  chan error
}

// startDemoHub serves the hub on addr (TLS with a self-signed certificate
// kept in dir) until ctx ends.
func startDemoHub(ctx context.Context, sess *syncSession, dir, addr string, logf func(string, ...any)) (*demoHub, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the hub: %w (try -hub-addr 127.0.0.1:0)", err)
	}
	url := "https://" + ln.Addr().String()
	srv, err := server.New(ctx, server.Options{DB: sess.db, Bus: sess.bus, Writer: sess.syncer, Listen: ln.Addr().String(),
		PublicURL: url, TLS: server.TLSOptions{Mode: server.TLSSelfSigned, Dir: dir}, Name: "Roomboard demo hub",
		Version: version, Logf: logf})
	if err != nil {
		ln.Close()
		return nil, err
	}
	return serveLocalHub(ctx, srv, ln)
}

// serveLocalHub serves srv on ln until ctx ends and signs in to its admin
// API as a local operator with a one-time password, so that this process
// can approve its own kiosks (the demo, a standalone kiosk).
func serveLocalHub(ctx context.Context, srv *server.Server, ln net.Listener) (*demoHub, error) {
	url := "https://" + ln.Addr().String()
	h := &demoHub{srv: srv, url: url, pin: srv.CertSHA256(), hc: pinnedHTTPClient(srv.CertSHA256()), done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ctx, ln) }()

	password := rand.Text()
	if err := srv.EnsureAdmin(ctx, localOperator, password); err != nil {
		return nil, err
	}
	var login hubproto.LoginResponse
	if err := h.call(ctx, http.MethodPost, hubproto.PathLogin, "", hubproto.LoginRequest{User: localOperator, Password: password}, &login); err != nil {
		return nil, fmt.Errorf("sign in to the local hub: %w", err)
	}
	h.admin = login.Token
	return h, nil
}

// localOperator is the account this process uses on a hub it runs itself.
const localOperator = "local-roomboard"

// pinnedHTTPClient trusts exactly the certificate with SHA-256 pin, as a
// paired kiosk does.
func pinnedHTTPClient(pin string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != pin {
				return errors.New("the hub's certificate does not match the pinned one")
			}
			return nil
		}}}}
}

// call sends a JSON request to the hub and decodes the answer into out.
func (h *demoHub) call(ctx context.Context, method, path, token string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, h.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set(hubproto.AuthHeader, hubproto.BearerPrefix+token)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return hubproto.DecodeError(resp.Body, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// pair pairs a kiosk named name the real way and returns its token and
// device ID.
func (h *demoHub) pair(ctx context.Context, name string, approve hubproto.ApproveRequest) (token, deviceID string, err error) {
	c, err := hubclient.New(hubclient.Options{HubURL: h.url, PinSHA256: h.pin, Version: version, PairPoll: 100 * time.Millisecond})
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	resp, err := c.Pair(ctx, name)
	if err != nil {
		return "", "", fmt.Errorf("ask for a pairing code: %w", err)
	}
	path := hubproto.PathAdminPairings + "/" + strings.ReplaceAll(resp.Code, "/", "") + "/approve"
	if err := h.call(ctx, http.MethodPost, path, h.admin, approve, nil); err != nil {
		return "", "", fmt.Errorf("approve pairing code %s: %w", resp.Code, err)
	}
	token, dev, _, err := c.WaitPaired(ctx, resp)
	if err != nil {
		return "", "", fmt.Errorf("wait for the pairing: %w", err)
	}
	return token, dev.ID, nil
}
