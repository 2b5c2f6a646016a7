package ews

import (
	"context"
	"errors"
	"net/http"
)

// Credentials authenticate a request. Implementations are [BasicAuth],
// [NTLMAuth] and [BearerAuth].
type Credentials interface {
	apply(ctx context.Context, req *http.Request) error
}

// BasicAuth sends user and password with every request (HTTP Basic). Only
// use it over TLS; Microsoft no longer recommends it.
func BasicAuth(user, password string) Credentials { return basicCredentials{user, password} }

type basicCredentials struct{ user, password string }

func (b basicCredentials) apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(b.user, b.password)
	return nil
}

// String and GoString hide the password from every fmt verb, %#v
// included, so that printing a Client or its Credentials cannot leak it.
func (b basicCredentials) String() string   { return "basic(" + b.user + ")" }
func (b basicCredentials) GoString() string { return b.String() }

// NTLMAuth authenticates with NTLM as user ("DOMAIN\user" or
// "user@domain"). The Client's transport must be wrapped with
// [NTLMTransport]; [New] does that.
func NTLMAuth(user, password string) Credentials { return ntlmCredentials{user, password} }

type ntlmCredentials struct{ user, password string }

// The NTLM negotiator reads the user and password from a Basic header and
// replaces it with the NTLM handshake; the password never goes on the wire.
func (n ntlmCredentials) apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(n.user, n.password)
	return nil
}

func (n ntlmCredentials) String() string   { return "ntlm(" + n.user + ")" }
func (n ntlmCredentials) GoString() string { return n.String() }

// A TokenSource returns a current OAuth access token. It is called before
// every request, so it should cache and refresh tokens itself.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// BearerAuth sends an OAuth access token from ts.
func BearerAuth(ts TokenSource) Credentials { return bearerCredentials{ts} }

type bearerCredentials struct{ ts TokenSource }

func (b bearerCredentials) apply(ctx context.Context, req *http.Request) error {
	tok, err := b.ts.Token(ctx)
	if err != nil {
		return err
	}
	if tok == "" {
		return errors.New("empty access token")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// The token source may be a StaticToken, which fmt would print verbatim.
func (b bearerCredentials) String() string   { return "bearer" }
func (b bearerCredentials) GoString() string { return b.String() }

// StaticToken is a TokenSource that always returns the same token.
type StaticToken string

// Token implements TokenSource.
func (s StaticToken) Token(context.Context) (string, error) { return string(s), nil }

// String hides the token from fmt; use string(s) to get it.
func (s StaticToken) String() string { return "StaticToken(redacted)" }

// GoString hides the token from %#v.
func (s StaticToken) GoString() string { return s.String() }

// ApplyCredentials authenticates req with c, exactly as [Client] does for
// its own requests. It exists for sibling packages such as autodiscover that
// send requests to other endpoints with the same credentials; a nil c leaves
// req unchanged.
func ApplyCredentials(ctx context.Context, c Credentials, req *http.Request) error {
	if c == nil {
		return nil
	}
	return c.apply(ctx, req)
}
