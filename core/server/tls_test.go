package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

// pinnedClient trusts exactly the certificate whose SHA-256 is pin, as a
// kiosk does after pairing.
func pinnedClient(pin string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			h := sha256.Sum256(raw[0])
			if hex.EncodeToString(h[:]) != pin {
				return errors.New("certificate does not match the pin")
			}
			return nil
		},
	}}}
}

func TestSelfSignedCertificate(t *testing.T) {
	e := newHubEnv(t)
	tlsDir := filepath.Join(e.dir, "tls")
	keyPath := filepath.Join(tlsDir, SelfSignedKey)
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", fi.Mode().Perm())
	}
	first := e.s.CertSHA256()
	if len(first) != 64 {
		t.Fatalf("CertSHA256 = %q", first)
	}
	keyBefore, _ := os.ReadFile(keyPath)

	// A restart reuses the certificate: kiosks keep their pin.
	s2, err := New(t.Context(), Options{DB: e.db, Clock: e.clock.now, Logf: t.Logf, TLS: TLSOptions{Dir: tlsDir}})
	if err != nil {
		t.Fatal(err)
	}
	if s2.CertSHA256() != first {
		t.Errorf("certificate changed across restarts: %s, then %s", first, s2.CertSHA256())
	}
	if keyAfter, _ := os.ReadFile(keyPath); string(keyAfter) != string(keyBefore) {
		t.Error("key file rewritten on restart")
	}
	certPEM, _ := os.ReadFile(filepath.Join(tlsDir, SelfSignedCert))
	pair, err := tls.X509KeyPair(certPEM, keyBefore)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(leaf.DNSNames, " "), "hub.contoso.test") {
		t.Errorf("certificate names %v, want the public URL's host among them", leaf.DNSNames)
	}

	if runtime.GOOS != "windows" {
		// A key others may read is refused.
		if err := os.Chmod(keyPath, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := New(t.Context(), Options{DB: e.db, Logf: t.Logf, TLS: TLSOptions{Dir: tlsDir}}); err == nil ||
			!strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("New with a readable key: %v", err)
		}
	}
}

// TestServePinned runs the real listener over TLS: a client pinning the
// hub's certificate connects, one pinning another does not, and
// cancelling the context shuts the server down.
func TestServePinned(t *testing.T) {
	e := newHubEnv(t)
	// A second hub on the same files: e.s already runs its feed.
	s, err := New(t.Context(), Options{DB: e.db, Clock: e.clock.now, Logf: t.Logf, TLS: TLSOptions{Dir: filepath.Join(e.dir, "tls")}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "https://" + ln.Addr().String() + hubproto.PathHealthz

	resp, err := pinnedClient(s.CertSHA256()).Get(url)
	if err != nil {
		t.Fatalf("pinned client: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("healthz over TLS: %d %q", resp.StatusCode, body)
	}
	other := strings.Repeat("ab", 32)
	if _, err := pinnedClient(other).Get(url); err == nil || !strings.Contains(err.Error(), "pin") {
		t.Errorf("client pinning another certificate: %v, want a pin error", err)
	}
	// An ordinary client does not trust a self-signed certificate.
	if _, err := (&http.Client{Timeout: 30 * time.Second}).Get(url); err == nil {
		t.Error("an unpinned client trusted the self-signed certificate")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// memSecrets is an in-memory config.SecretStore.
type memSecrets map[string]string

func (m memSecrets) Get(_ context.Context, key string) (string, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	return "", errors.New("not found")
}
func (m memSecrets) Set(_ context.Context, key, v string) error { m[key] = v; return nil }
func (m memSecrets) Delete(_ context.Context, key string) error { delete(m, key); return nil }

func TestOperatorCertificate(t *testing.T) {
	e := newHubEnv(t)
	tlsDir := filepath.Join(e.dir, "tls")
	certFile, keyFile := filepath.Join(tlsDir, SelfSignedCert), filepath.Join(tlsDir, SelfSignedKey)
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tls     TLSOptions
		secrets memSecrets
		wantErr bool
	}{
		{"key file", TLSOptions{Mode: TLSOperator, CertFile: certFile, KeyFile: keyFile}, nil, false},
		{"key in keyring", TLSOptions{Mode: TLSOperator, CertFile: certFile, KeySecret: "hub/tls/key"},
			memSecrets{"hub/tls/key": string(keyPEM)}, false},
		{"key missing from keyring", TLSOptions{Mode: TLSOperator, CertFile: certFile, KeySecret: "hub/tls/key"}, memSecrets{}, true},
		{"no key", TLSOptions{Mode: TLSOperator, CertFile: certFile}, nil, true},
		{"both keys", TLSOptions{Mode: TLSOperator, CertFile: certFile, KeyFile: keyFile, KeySecret: "k"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{DB: e.db, Logf: t.Logf, TLS: tc.tls}
			if tc.secrets != nil {
				o.Secrets = tc.secrets
			}
			s, err := New(t.Context(), o)
			if tc.wantErr {
				if err == nil {
					t.Error("New succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.CertSHA256() != e.s.CertSHA256() {
				t.Errorf("CertSHA256 = %s, want %s", s.CertSHA256(), e.s.CertSHA256())
			}
		})
	}
}
