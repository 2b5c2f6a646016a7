package hubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"

	"github.com/roomboard/roomboard/core/hubproto"
)

// Pair asks the hub for a pairing code to show as text and QR code. With
// neither a pin nor a CA it trusts the hub's certificate on first use: it
// records the certificate, refuses it when the hub advertises a different
// one (a machine in the middle), and pins it for WaitPaired and later
// calls unless the system roots vouch for it.
func (c *Client) Pair(ctx context.Context, name string) (hubproto.PairResponse, error) {
	c.mu.Lock()
	tofu := c.pin == "" && c.o.CA == nil && c.base.Scheme == "https"
	c.tofu, c.seen, c.seenTrusted = tofu, "", false
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.tofu = false
		c.mu.Unlock()
	}()
	req := hubproto.PairRequest{Name: name, Platform: runtime.GOOS + "/" + runtime.GOARCH, Version: c.o.Version, Protocol: hubproto.Version}
	var resp hubproto.PairResponse
	if err := c.call(ctx, request{method: http.MethodPost, path: hubproto.PathPair, body: req}, maxSmallBody, &resp); err != nil {
		return hubproto.PairResponse{}, fmt.Errorf("hubclient: pair: %w", err)
	}
	if resp.ID == "" || resp.Secret == "" || resp.Code == "" {
		return hubproto.PairResponse{}, fmt.Errorf("hubclient: pair: %w: answer without id, code or secret", hubproto.ErrInvalid)
	}
	if !tofu {
		return resp, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == "" {
		// A pooled connection from an earlier call carried the request;
		// its certificate was checked then.
		return resp, nil
	}
	if resp.CertSHA256 != "" && normalisePin(resp.CertSHA256) != c.seen {
		return hubproto.PairResponse{}, fmt.Errorf("hubclient: pair: %w: the hub says %s, the connection shows %s", ErrPinMismatch, resp.CertSHA256, c.seen)
	}
	if !c.seenTrusted {
		c.pin = c.seen
	}
	return resp, nil
}

// WaitPaired polls the pairing until an operator approves or denies it or
// it expires, with growing intervals (Options.PairPoll up to five times
// that). On approval the Client adopts the token; the caller stores token
// (in the keyring) and certPin (the pin for Options.PinSHA256; empty for a
// plain-HTTP hub or one whose certificate the system trusts).
func (c *Client) WaitPaired(ctx context.Context, resp hubproto.PairResponse) (token string, dev hubproto.Device, certPin string, err error) {
	delay := c.o.PairPoll
	for {
		st, err := c.pollPair(ctx, resp)
		var herr *hubproto.Error
		switch {
		case err == nil && st.State == hubproto.PairApproved:
			if st.Token == "" || st.Device == nil {
				return "", hubproto.Device{}, "", fmt.Errorf("hubclient: pairing approved but %w: no token or device (already fetched?)", hubproto.ErrInvalid)
			}
			c.mu.Lock()
			c.token = st.Token
			pin := c.pin
			c.mu.Unlock()
			return st.Token, *st.Device, pin, nil
		case err == nil && st.State == hubproto.PairDenied:
			return "", hubproto.Device{}, "", ErrPairDenied
		case err == nil && st.State == hubproto.PairExpired:
			return "", hubproto.Device{}, "", ErrPairExpired
		case err == nil && st.State == hubproto.PairPending:
		case err == nil:
			return "", hubproto.Device{}, "", fmt.Errorf("hubclient: pairing: %w: state %q", hubproto.ErrInvalid, st.State)
		case ctx.Err() != nil:
			return "", hubproto.Device{}, "", ctx.Err()
		case errors.As(err, &herr):
			switch herr.Code {
			case hubproto.ErrorCodePending:
			case hubproto.ErrorCodeDenied:
				return "", hubproto.Device{}, "", fmt.Errorf("%w: %w", ErrPairDenied, herr)
			case hubproto.ErrorCodeExpired, hubproto.ErrorCodeNotFound, hubproto.ErrorCodeUnauthorized:
				// Gone, unknown, or discarded after wrong secrets: start over.
				return "", hubproto.Device{}, "", fmt.Errorf("%w: %w", ErrPairExpired, herr)
			case hubproto.ErrorCodeRateLimited, hubproto.ErrorCodeUnavailable, hubproto.ErrorCodeInternal:
				c.o.Logf("hubclient: pairing poll: %v", err)
			default:
				return "", hubproto.Device{}, "", fmt.Errorf("hubclient: pairing: %w", err)
			}
		case errors.Is(err, ErrPinMismatch):
			return "", hubproto.Device{}, "", err
		default:
			// Transport errors: the hub may be restarting; keep polling.
			c.o.Logf("hubclient: pairing poll: %v", err)
		}
		d := delay
		if herr != nil && herr.RetryAfter > 0 {
			d = max(d, secs(herr.RetryAfter))
		}
		if err := wait(ctx, d); err != nil {
			return "", hubproto.Device{}, "", err
		}
		delay = min(delay*3/2+1, 5*c.o.PairPoll)
	}
}

// pollPair asks once for the pairing's state.
func (c *Client) pollPair(ctx context.Context, resp hubproto.PairResponse) (hubproto.PairStatus, error) {
	var st hubproto.PairStatus
	err := c.call(ctx, request{method: http.MethodGet, path: hubproto.PathPairState + url.PathEscape(resp.ID),
		header: http.Header{hubproto.PairSecretHdr: {resp.Secret}}}, maxSmallBody, &st)
	return st, err
}
