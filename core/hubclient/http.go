package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/roomboard/roomboard/core/hubproto"
)

// maxSmallBody bounds answers other than snapshots and action results
// (pairing answers, errors).
const maxSmallBody = 64 << 10

// errResync asks Run for a new snapshot: the hub said so, or what it sent
// no longer fits the state the client has.
var errResync = errors.New("new snapshot needed")

// transportError marks a failure to exchange a request and its answer
// (connection refused, reset, timeout, truncated body) as opposed to an
// answer the hub gave; only these are retried.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// request describes one call of the HTTP API.
type request struct {
	method, path string
	body         any         // JSON-encoded when non-nil
	header       http.Header // extra headers
	auth         bool        // send the device token
}

// do sends r and returns the response; the caller closes its body.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	var body io.Reader
	if r.body != nil {
		data, err := json.Marshal(r.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base.String()+r.path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.o.Version != "" {
		req.Header.Set("User-Agent", "roomboard/"+c.o.Version)
	}
	if r.auth {
		req.Header.Set(hubproto.AuthHeader, hubproto.BearerPrefix+c.Token())
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &transportError{err}
	}
	return resp, nil
}

// readBody reads at most limit bytes of resp's body.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &transportError{fmt.Errorf("read answer: %w", err)}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: answer longer than %d bytes", hubproto.ErrTooLarge, limit)
	}
	return data, nil
}

// decodeJSON parses one JSON value from data into v, refusing invalid
// UTF-8 and trailing data, like hubproto's decoders.
func decodeJSON(data []byte, v any) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not UTF-8", hubproto.ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", hubproto.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", hubproto.ErrInvalid)
	}
	return nil
}

// statusError turns a non-2xx answer into an error: *hubproto.Error,
// joined with ErrRevoked for 401 and errResync for a since that is too
// old.
func statusError(status int, herr *hubproto.Error) error {
	switch {
	case status == http.StatusUnauthorized || herr.Code == hubproto.ErrorCodeUnauthorized:
		return fmt.Errorf("%w: %w", ErrRevoked, herr)
	case herr.Code == hubproto.ErrorCodeTooOld:
		return fmt.Errorf("%w: %w", errResync, herr)
	}
	return herr
}

// call sends r and decodes a 2xx answer of at most limit bytes into out.
func (c *Client) call(ctx context.Context, r request, limit int64, out any) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp.StatusCode, hubproto.DecodeError(resp.Body, resp.StatusCode))
	}
	data, err := readBody(resp, limit)
	if err != nil {
		return err
	}
	return decodeJSON(data, out)
}

// Snapshot fetches the whole state the device may see. A refused token
// gives an error matching ErrRevoked.
func (c *Client) Snapshot(ctx context.Context) (hubproto.Snapshot, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: hubproto.PathSnapshot, auth: true})
	if err != nil {
		return hubproto.Snapshot{}, fmt.Errorf("hubclient: snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hubproto.Snapshot{}, fmt.Errorf("hubclient: snapshot: %w", statusError(resp.StatusCode, hubproto.DecodeError(resp.Body, resp.StatusCode)))
	}
	s, err := hubproto.DecodeSnapshot(resp.Body)
	if err != nil {
		return hubproto.Snapshot{}, fmt.Errorf("hubclient: snapshot: %w", err)
	}
	// Zero is tolerated: it only means the hub did not say.
	if s.Protocol != 0 && s.Protocol != hubproto.Version {
		return hubproto.Snapshot{}, fmt.Errorf("hubclient: snapshot: hub speaks protocol %d, this build %d", s.Protocol, hubproto.Version)
	}
	return s, nil
}

// Act sends a kiosk action. It fills RequestID when empty and repeats the
// request with the same RequestID after transport errors only (the hub
// answers a repeated ID with its first answer, so nothing is booked
// twice). A refusal (conflict, declined, forbidden…) comes back as a
// *hubproto.Error, together with the result the hub sent.
func (c *Client) Act(ctx context.Context, req hubproto.ActionRequest) (hubproto.ActionResult, error) {
	if req.RequestID == "" {
		req.RequestID = newRequestID()
	}
	if err := req.Check(); err != nil {
		return hubproto.ActionResult{}, fmt.Errorf("hubclient: action: %w", err)
	}
	b := backoff{base: c.o.BackoffBase, max: c.o.BackoffMax}
	for attempt := 0; ; attempt++ {
		res, err := c.act(ctx, req)
		var te *transportError
		if err == nil || !errors.As(err, &te) || attempt >= c.o.ActRetries {
			if err != nil {
				err = fmt.Errorf("hubclient: action %s %s: %w", req.Kind, req.RequestID, err)
			}
			return res, err
		}
		c.o.Logf("hubclient: action %s %s: %v; retrying", req.Kind, req.RequestID, err)
		if err := wait(ctx, b.next()); err != nil {
			return hubproto.ActionResult{}, err
		}
	}
}

// act sends req once.
func (c *Client) act(ctx context.Context, req hubproto.ActionRequest) (hubproto.ActionResult, error) {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: hubproto.PathActions, body: req, auth: true,
		header: http.Header{hubproto.RequestIDHdr: {req.RequestID}}})
	if err != nil {
		return hubproto.ActionResult{}, err
	}
	defer resp.Body.Close()
	// An action result carries the room's new view, so it may be as large
	// as a frame.
	data, err := readBody(resp, hubproto.MaxFrameBytes)
	if err != nil {
		return hubproto.ActionResult{}, err
	}
	var res hubproto.ActionResult
	if resp.StatusCode/100 == 2 {
		if err := decodeJSON(data, &res); err != nil {
			return hubproto.ActionResult{}, err
		}
		if !res.OK {
			if res.Error == nil {
				return res, &hubproto.Error{Code: hubproto.ErrorCodeInternal, Message: "action not done and no reason given"}
			}
			return res, statusError(resp.StatusCode, res.Error)
		}
		return res, nil
	}
	// Refusals are an ActionResult with Error; errors from outside the
	// action handler (authentication, rate limits) are a bare Error.
	if decodeJSON(data, &res) == nil && res.Error != nil && res.Error.Code != "" {
		return res, statusError(resp.StatusCode, res.Error)
	}
	return hubproto.ActionResult{}, statusError(resp.StatusCode, hubproto.DecodeError(bytes.NewReader(data), resp.StatusCode))
}
