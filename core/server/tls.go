package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/roomboard/roomboard/core/config"
)

// TLSMode chooses the hub's certificate.
type TLSMode int

const (
	// TLSSelfSigned, the default, makes a certificate on first start,
	// keeps it in TLSOptions.Dir and reuses it: kiosks pin its SHA-256
	// at pairing, so it must survive restarts.
	TLSSelfSigned TLSMode = iota
	// TLSOperator uses the operator's certificate (CertFile) and key
	// (KeyFile, or the keyring entry KeySecret).
	TLSOperator
	// TLSOff serves plain HTTP, for a reverse proxy on the same host that
	// terminates TLS. Kiosks then cannot pin the hub.
	TLSOff
)

// TLSOptions configures the hub's certificate.
type TLSOptions struct {
	Mode TLSMode
	// Dir holds the self-signed certificate and key (SelfSignedCert,
	// SelfSignedKey); the key is written with mode 0600.
	Dir string
	// Hosts are extra DNS names or IP addresses the self-signed
	// certificate names, besides localhost, this host's name and the
	// public URL's host. They only matter to clients that verify names;
	// kiosks pin the certificate instead.
	Hosts []string
	// CertFile is the operator's PEM certificate chain, leaf first.
	CertFile string
	// KeyFile is the operator's PEM private key, a file only the service
	// account may read (on Unix, mode 0600 or stricter is enforced).
	KeyFile string
	// KeySecret, instead of KeyFile, is the key's entry in the keyring
	// (Options.Secrets), holding the PEM private key.
	KeySecret string
}

// File names of the self-signed certificate in TLSOptions.Dir.
const (
	SelfSignedCert = "hub-cert.pem"
	SelfSignedKey  = "hub-key.pem"
)

// selfSignedLifetime is long because nobody renews a pinned certificate:
// a new one means pairing every kiosk again.
const selfSignedLifetime = 20 * 365 * 24 * time.Hour

// CertSHA256 returns the hex SHA-256 of a DER certificate, the form in
// which kiosks pin the hub and operators compare it.
func CertSHA256(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

func loadCertificate(ctx context.Context, o TLSOptions, secrets config.SecretStore, hosts []string, now time.Time) (*tls.Certificate, error) {
	switch o.Mode {
	case TLSSelfSigned:
		return selfSigned(o.Dir, append(hosts, o.Hosts...), now)
	case TLSOperator:
		return operatorCertificate(ctx, o, secrets)
	}
	return nil, fmt.Errorf("tls: unknown mode %d", o.Mode)
}

// selfSigned loads the certificate in dir, or makes and stores one if
// there is none (or only half of one, after a crash during the first
// start).
func selfSigned(dir string, hosts []string, now time.Time) (*tls.Certificate, error) {
	if dir == "" {
		return nil, errors.New("tls: the self-signed certificate needs a directory")
	}
	certPath, keyPath := filepath.Join(dir, SelfSignedCert), filepath.Join(dir, SelfSignedKey)
	_, certErr := os.Stat(certPath)
	_, keyErr := os.Stat(keyPath)
	if certErr == nil && keyErr == nil {
		return loadPair(certPath, keyPath)
	}
	if certErr != nil && !errors.Is(certErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("tls: %w", certErr)
	}
	if keyErr != nil && !errors.Is(keyErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("tls: %w", keyErr)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	certPEM, keyPEM, err := makeSelfSigned(hosts, now)
	if err != nil {
		return nil, err
	}
	// Key first: a certificate without its key is useless, and a crash
	// between the two leaves a key alone, which the next start replaces.
	if err := writeAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeAtomic(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &cert, nil
}

// makeSelfSigned returns a new ECDSA P-256 certificate and key as PEM.
func makeSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("tls: serial: %w", err)
	}
	name, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Roomboard hub " + name, Organization: []string{"Roomboard"}},
		NotBefore:             now.Add(-time.Hour), // tolerate a kiosk clock slightly behind
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if name != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, name)
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeAtomic writes data to path through a temporary file in the same
// directory, so path is either absent or complete.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing left to remove
	// CreateTemp makes the file 0600, so a key is never readable by others,
	// not even for a moment.
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("tls: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("tls: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tls: write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), mode); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	return nil
}

// loadPair loads a certificate and key file, refusing a key others may
// read.
func loadPair(certPath, keyPath string) (*tls.Certificate, error) {
	if err := checkPrivate(keyPath); err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &cert, nil
}

// checkPrivate refuses a key file that group or others may access. On
// Windows, file modes do not describe ACLs; the installer restricts the
// data directory instead.
func checkPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("tls: key file %s has mode %o; only its owner may read it (chmod 600)", path, fi.Mode().Perm())
	}
	return nil
}

// operatorCertificate loads the operator's certificate with its key from
// a private file or from the keyring.
func operatorCertificate(ctx context.Context, o TLSOptions, secrets config.SecretStore) (*tls.Certificate, error) {
	if o.CertFile == "" || (o.KeyFile == "") == (o.KeySecret == "") {
		return nil, errors.New("tls: an operator certificate needs CertFile and one of KeyFile or KeySecret")
	}
	if o.KeyFile != "" {
		return loadPair(o.CertFile, o.KeyFile)
	}
	if secrets == nil {
		return nil, errors.New("tls: KeySecret is set but there is no secret store")
	}
	keyPEM, err := secrets.Get(ctx, o.KeySecret)
	if err != nil {
		return nil, fmt.Errorf("tls: key from the keyring: %w", err)
	}
	certPEM, err := os.ReadFile(o.CertFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, []byte(keyPEM))
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &cert, nil
}

// parseHost returns the host name of a URL, without the port.
func parseHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	return u.Hostname(), nil
}
