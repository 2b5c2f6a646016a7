// Package keyring keeps Roomboard's secrets (Exchange service-account
// passwords, Graph client secrets and certificate keys, the SMTP password)
// in the operating system's credential store, through
// github.com/zalando/go-keyring.
//
// It adds what go-keyring leaves to the caller, the way cli/cli's
// internal/keyring does: every call runs under a timeout, because a locked
// Secret Service may wait for an unlock prompt that nobody on a headless
// hub will ever answer; errors are translated into a few sentinels the
// admin UI can explain ([ErrNotFound], [ErrUnavailable], [ErrLocked],
// [ErrTooBig], [ErrTimeout]); and secrets are size-checked before Set so a
// value that would not fit on Windows is refused on every OS alike.
//
// All items live under one service name, [Service] ("Roomboard"); the key
// is the item's user name and is namespaced by the caller, for example
// "integration/contoso-onprem/password" (see core/config.SecretKey).
//
// Per operating system:
//
//   - Windows: Credential Manager (generic credentials named
//     "Roomboard:<key>"), per user. A Windows service must run under an
//     account whose profile is loaded; otherwise Windows answers
//     ERROR_NO_SUCH_LOGON_SESSION and we return [ErrUnavailable]. The
//     secret is limited to 2,560 bytes ([MaxSecretLen]).
//   - macOS: the login keychain through /usr/bin/security. Over SSH or from
//     a launchd daemon the keychain may be locked; we return [ErrLocked].
//   - Linux and the BSDs: the freedesktop Secret Service (gnome-keyring,
//     KeePassXC, KWallet ≥ 5.97) on the D-Bus session bus. Kiosks and
//     servers without a desktop session usually have neither a session bus
//     nor a Secret Service: we return [ErrUnavailable] and the message says
//     how to provide one. scripts/with-keyring.sh shows a minimal headless
//     setup (dbus-run-session + gnome-keyring-daemon --unlock).
//
// The package deliberately does not fall back to a file, an environment
// variable or any other store when the OS keyring is missing: a secret is
// either in the keyring or nowhere. It does not cache secrets in memory.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	gokeyring "github.com/zalando/go-keyring"
)

// Service is the service name all of Roomboard's items are stored under.
const Service = "Roomboard"

// DefaultTimeout bounds each keyring call when the Store has no Timeout of
// its own. It is long enough for a person at the console to type an unlock
// password, and short enough that a headless hub does not hang for good.
const DefaultTimeout = 30 * time.Second

// MaxSecretLen is the largest secret, in bytes of UTF-8, that Set accepts.
// It is Windows Credential Manager's limit for a credential blob; we apply
// it everywhere so a setup that works on one OS works on all of them.
const MaxSecretLen = 2560

// MaxKeyLen is the longest key Set, Get and Delete accept. It keeps
// "Roomboard:<key>" well inside Windows' target-name limit and the macOS
// security(1) command line inside its 4,096-byte buffer.
const MaxKeyLen = 256

// Sentinel errors. Every error this package returns for a failed keyring
// call is an *Error whose Kind is one of these (or nil for anything
// unrecognised); test with errors.Is.
var (
	// ErrNotFound means no secret is stored under the key.
	ErrNotFound = errors.New("secret not found in the OS keyring")
	// ErrUnavailable means there is no usable OS keyring: no D-Bus session
	// bus, no Secret Service on it, no Windows logon session, or an OS
	// go-keyring does not support.
	ErrUnavailable = errors.New("no OS keyring available")
	// ErrLocked means the keyring exists but is locked and could not be
	// unlocked without a person at the console.
	ErrLocked = errors.New("OS keyring is locked")
	// ErrTooBig means the secret or key is larger than MaxSecretLen or
	// MaxKeyLen.
	ErrTooBig = errors.New("secret too big for the OS keyring")
	// ErrTimeout means the keyring did not answer within the Store's
	// timeout, typically because it waits for an unlock prompt.
	ErrTimeout = errors.New("OS keyring did not answer in time")
	// ErrBadKey means the key is empty or not valid UTF-8.
	ErrBadKey = errors.New("invalid keyring key")
)

// Error describes a failed keyring call.
type Error struct {
	Op   string // "get", "set" or "delete"
	Key  string // the item's key, never the secret
	Kind error  // one of the package's sentinels, or nil
	Err  error  // what go-keyring or the OS said, if anything
}

// Error returns the operation, the key, what went wrong and, for the
// conditions an administrator can fix, what to do next.
func (e *Error) Error() string {
	msg := "keyring: " + e.Op + " " + e.Key
	switch {
	case e.Kind != nil && e.Err != nil:
		msg += ": " + e.Kind.Error() + " (" + e.Err.Error() + ")"
	case e.Kind != nil:
		msg += ": " + e.Kind.Error()
	case e.Err != nil:
		msg += ": " + e.Err.Error()
	}
	if h := e.Hint(); h != "" {
		msg += ". " + h
	}
	return msg
}

// Unwrap returns the sentinel and the underlying cause, so errors.Is works
// for both.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// NotFound reports whether the error means the key has no secret. It lets
// packages that cannot import this one (core/config) recognise the
// condition by behaviour, as net.Error does with Timeout.
func (e *Error) NotFound() bool { return e.Kind == ErrNotFound }

// Hint says what an administrator can do about the error, or "" when
// there is nothing specific to say. The text is OS-specific.
func (e *Error) Hint() string {
	switch e.Kind {
	case ErrUnavailable:
		return hintUnavailable
	case ErrLocked:
		return hintLocked
	case ErrTimeout:
		return hintTimeout
	case ErrTooBig:
		return fmt.Sprintf("Secrets are limited to %d bytes (the Windows Credential Manager limit); for a certificate key use an EC or RSA-2048 key in PEM form", MaxSecretLen)
	}
	return ""
}

// Store reads and writes secrets in the OS keyring. The zero value uses
// [Service] and [DefaultTimeout]; a Store is safe for concurrent use.
type Store struct {
	// Service overrides the service name; tests use it to keep their items
	// apart from real ones.
	Service string
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// New returns a Store for the Roomboard service with the default timeout.
func New() *Store { return &Store{} }

func (s *Store) service() string {
	if s == nil || s.Service == "" {
		return Service
	}
	return s.Service
}

func (s *Store) timeout() time.Duration {
	if s == nil || s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

// Get returns the secret stored under key. A missing item gives an *Error
// with Kind ErrNotFound. If ctx ends first, Get returns ctx.Err().
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	if err := checkKey("get", key); err != nil {
		return "", err
	}
	svc := s.service()
	var secret string
	err := s.run(ctx, "get", key, func() error {
		var err error
		secret, err = gokeyring.Get(svc, key)
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Set stores secret under key, replacing any previous value. Secrets
// longer than MaxSecretLen bytes give ErrTooBig before the keyring is
// touched. If ctx ends first, Set returns ctx.Err(); the write may still
// complete in the background.
func (s *Store) Set(ctx context.Context, key, secret string) error {
	if err := checkKey("set", key); err != nil {
		return err
	}
	if len(secret) > MaxSecretLen {
		return &Error{Op: "set", Key: key, Kind: ErrTooBig,
			Err: fmt.Errorf("%d bytes, limit %d", len(secret), MaxSecretLen)}
	}
	svc := s.service()
	return s.run(ctx, "set", key, func() error { return gokeyring.Set(svc, key, secret) })
}

// Delete removes the secret stored under key. A missing item gives an
// *Error with Kind ErrNotFound, which callers removing an integration
// usually ignore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	svc := s.service()
	return s.run(ctx, "delete", key, func() error { return gokeyring.Delete(svc, key) })
}

func checkKey(op, key string) error {
	switch {
	case key == "" || !utf8.ValidString(key):
		return &Error{Op: op, Key: key, Kind: ErrBadKey}
	case len(key) > MaxKeyLen:
		return &Error{Op: op, Key: key[:32] + "…", Kind: ErrTooBig,
			Err: fmt.Errorf("key is %d bytes, limit %d", len(key), MaxKeyLen)}
	}
	return nil
}

// run calls fn in its own goroutine and waits for it, the context or the
// Store's timeout, whichever comes first. go-keyring calls cannot be
// cancelled, so on timeout the goroutine is left to finish on its own; the
// buffered channel lets it exit without a reader.
func (s *Store) run(ctx context.Context, op, key string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	timer := time.NewTimer(s.timeout())
	defer timer.Stop()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		return &Error{Op: op, Key: key, Kind: classify(err), Err: cause(err)}
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return &Error{Op: op, Key: key, Kind: ErrTimeout,
			Err: fmt.Errorf("no answer after %v", s.timeout())}
	}
}

// classify maps a go-keyring error to one of our sentinels; OS-specific
// causes are recognised by classifyOS in the per-OS files.
func classify(err error) error {
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return ErrTooBig
	case errors.Is(err, gokeyring.ErrUnsupportedPlatform):
		return ErrUnavailable
	}
	return classifyOS(err)
}

// cause drops go-keyring's own sentinels from the chain: their text only
// repeats ours.
func cause(err error) error {
	if errors.Is(err, gokeyring.ErrNotFound) || errors.Is(err, gokeyring.ErrSetDataTooBig) {
		return nil
	}
	return err
}

// MockInit replaces the OS keyring with an in-memory one for the whole
// process. Tests call it before using a Store; the mock is global, so
// such tests must not run in parallel.
func MockInit() { gokeyring.MockInit() }

// MockInitWithError replaces the OS keyring with one that fails every call
// with err; the error is classified as a real one would be.
func MockInitWithError(err error) { gokeyring.MockInitWithError(err) }
