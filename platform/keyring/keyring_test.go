package keyring_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/platform/keyring"
)

// The go-keyring mock is process-global, so none of these tests is
// parallel.

const (
	keyPassword = "integration/contoso-onprem/password"
	// Not a real secret: a test value with umlauts and CJK, as admins in
	// Taiwan, mainland China and German-speaking Europe type them.
	secretCJK = "Größe-Prüfung 會議室密碼 会议室"
)

func kindOf(t *testing.T, err error) error {
	t.Helper()
	var e *keyring.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *keyring.Error", err, err)
	}
	return e.Kind
}

func TestRoundTripMock(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	s := keyring.New()

	if err := s.Set(ctx, keyPassword, secretCJK); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := s.Get(ctx, keyPassword)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(secretCJK, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if err := s.Set(ctx, keyPassword, "zweites Passwort"); err != nil {
		t.Fatalf("Set (replace): %v", err)
	}
	if got, _ := s.Get(ctx, keyPassword); got != "zweites Passwort" {
		t.Errorf("Get after replace = %q, want the new value", got)
	}
	if err := s.Delete(ctx, keyPassword); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, op := range []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := s.Get(ctx, keyPassword); return err }},
		{"delete", func() error { return s.Delete(ctx, keyPassword) }},
	} {
		err := op.call()
		if !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s after delete: err = %v, want ErrNotFound", op.name, err)
			continue
		}
		var nf interface{ NotFound() bool }
		if !errors.As(err, &nf) || !nf.NotFound() {
			t.Errorf("%s after delete: error has no NotFound() == true", op.name)
		}
	}
}

func TestServiceNamesAreSeparate(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	if err := (&keyring.Store{Service: "Roomboard-test"}).Set(ctx, keyPassword, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.New().Get(ctx, keyPassword); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Get under %q: err = %v, want ErrNotFound", keyring.Service, err)
	}
}

func TestSizeAndKeyChecks(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	s := keyring.New()
	tests := []struct {
		name     string
		key      string
		secret   string
		wantKind error
	}{
		{"limit exactly", keyPassword, strings.Repeat("a", keyring.MaxSecretLen), nil},
		{"one byte over", keyPassword, strings.Repeat("a", keyring.MaxSecretLen+1), keyring.ErrTooBig},
		// 854 × 3 bytes: the limit counts UTF-8 bytes, not characters.
		{"CJK counted in bytes", keyPassword, strings.Repeat("密", 854), keyring.ErrTooBig},
		{"empty key", "", "x", keyring.ErrBadKey},
		{"invalid UTF-8 key", "integration/\xff/password", "x", keyring.ErrBadKey},
		{"long key", "integration/" + strings.Repeat("k", keyring.MaxKeyLen), "x", keyring.ErrTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keyring.MockInit()
			err := s.Set(ctx, tc.key, tc.secret)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("Set: %v", err)
				}
				return
			}
			if got := kindOf(t, err); got != tc.wantKind {
				t.Fatalf("Set: kind %v, want %v (err %v)", got, tc.wantKind, err)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error text contains the secret")
			}
			if tc.key == keyPassword {
				if _, err := s.Get(ctx, tc.key); !errors.Is(err, keyring.ErrNotFound) {
					t.Errorf("refused Set stored something: Get err = %v", err)
				}
			}
		})
	}

	// A too-big Set leaves the previous value alone.
	keyring.MockInit()
	if err := s.Set(ctx, keyPassword, "alt"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, keyPassword, strings.Repeat("b", keyring.MaxSecretLen+1)); !errors.Is(err, keyring.ErrTooBig) {
		t.Fatalf("Set too big: %v", err)
	}
	if got, err := s.Get(ctx, keyPassword); err != nil || got != "alt" {
		t.Errorf("after refused Set: Get = %q, %v; want the old value", got, err)
	}
}

func TestErrorsCarryHintsNotSecrets(t *testing.T) {
	ctx := context.Background()
	keyring.MockInitWithError(errors.New("dbus: couldn't determine address of session bus"))
	err := keyring.New().Set(ctx, keyPassword, secretCJK)
	var e *keyring.Error
	if !errors.As(err, &e) {
		t.Fatalf("Set: %v is not a *keyring.Error", err)
	}
	if strings.Contains(err.Error(), secretCJK) {
		t.Errorf("error text contains the secret: %v", err)
	}
	if !strings.Contains(err.Error(), keyPassword) {
		t.Errorf("error text %q does not name the key", err)
	}
	if e.Hint() != "" && !strings.Contains(err.Error(), e.Hint()) {
		t.Errorf("error text %q lacks the hint %q", err, e.Hint())
	}
}

func TestUnknownErrorsPassThrough(t *testing.T) {
	cause := errors.New("something nobody anticipated")
	keyring.MockInitWithError(cause)
	_, err := keyring.New().Get(context.Background(), keyPassword)
	if !errors.Is(err, cause) {
		t.Fatalf("Get: %v does not wrap the cause", err)
	}
	if k := kindOf(t, err); k != nil {
		t.Errorf("kind = %v, want nil for an unrecognised error", k)
	}
}

func TestCancelledContext(t *testing.T) {
	keyring.MockInit()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := keyring.New()
	if _, err := s.Get(ctx, keyPassword); err != context.Canceled {
		t.Errorf("Get: err = %v, want context.Canceled unwrapped", err)
	}
	if err := s.Set(ctx, keyPassword, "x"); err != context.Canceled {
		t.Errorf("Set: err = %v, want context.Canceled unwrapped", err)
	}
	keyring.MockInit()
	if _, err := s.Get(context.Background(), keyPassword); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Set with a cancelled context stored something: %v", err)
	}
}
