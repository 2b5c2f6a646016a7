package keyring

import (
	"context"
	"errors"
	"testing"

	gokeyring "github.com/zalando/go-keyring"
)

// TestRunTimeout drives run with a call that never returns, as a Secret
// Service waiting for an unlock prompt does.
func TestRunTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	block := func() error { <-release; return nil }

	s := &Store{Timeout: 1} // 1ns: the timer fires before the blocked call can return
	err := s.run(context.Background(), "get", "integration/x/password", block)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrTimeout {
		t.Fatalf("run: err = %v, want an *Error with Kind ErrTimeout", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	s = &Store{} // default timeout: only the context can end the wait
	go cancel()
	if err := s.run(ctx, "get", "integration/x/password", block); err != context.Canceled {
		t.Errorf("run with cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func TestClassifyGoKeyringSentinels(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{gokeyring.ErrNotFound, ErrNotFound},
		{gokeyring.ErrSetDataTooBig, ErrTooBig},
		{gokeyring.ErrUnsupportedPlatform, ErrUnavailable},
		{errors.New("other"), nil},
	}
	for _, tc := range tests {
		if got := classify(tc.in); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestZeroStoreDefaults(t *testing.T) {
	var s *Store
	if s.service() != Service || s.timeout() != DefaultTimeout {
		t.Errorf("nil Store: service %q timeout %v", s.service(), s.timeout())
	}
}
