package ewstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// defaultAccount is who unauthenticated requests act as under AuthNone.
const defaultAccount = "svc-roomboard@contoso.com"

// IssueToken returns a new bearer token for account, valid for
// Options.TokenTTL from the simulator's clock.
func (s *Server) IssueToken(account string) string {
	var b [16]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]token{}
	}
	s.tokens[tok] = token{account: strings.ToLower(account), expires: s.opts.Now().Add(s.opts.TokenTTL)}
	return tok
}

type token struct {
	account string
	expires time.Time
}

// authenticate returns the account a request acts for, or writes a 401 the
// way Exchange does and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.opts.TrustRemoteUserHeader {
		if u := r.Header.Get("X-Remote-User"); u != "" && u != "(null)" {
			return strings.ToLower(u), true
		}
	}
	switch s.opts.Auth {
	case AuthBasic:
		user, pass, ok := r.BasicAuth()
		if ok {
			if want, found := s.opts.Passwords[user]; found && want == pass {
				return strings.ToLower(user), true
			}
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="ews.contoso.com"`)
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return "", false
	case AuthBearer:
		h := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if ok {
			s.mu.Lock()
			t, found := s.tokens[strings.TrimSpace(tok)]
			now := s.opts.Now()
			s.mu.Unlock()
			if found && now.Before(t.expires) {
				return t.account, true
			}
			if found {
				// Exchange Online signals an expired token in this header.
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The token has expired"`)
				http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
				return "", false
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer client_id="00000002-0000-0ff1-ce00-000000000000"`)
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return "", false
	}
	return defaultAccount, true
}

// serveToken is a minimal OAuth 2.0 token endpoint (client credentials
// grant) shaped like Microsoft identity platform's
// /{tenant}/oauth2/v2.0/token, so that `roomboard simulate -auth bearer`
// can be used with an OAuth client. The client secret is checked against
// Options.Passwords[client_id]; the token acts as client_id.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "token endpoint accepts POST", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Only client_credentials is supported.")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	want, found := s.opts.Passwords[id]
	if !found || id == "" || want != secret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	tok := s.IssueToken(id)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":%d,"ext_expires_in":%d,"access_token":%q}`,
		int(s.opts.TokenTTL.Seconds()), int(s.opts.TokenTTL.Seconds()), tok)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"error_description":%q}`, code, desc)
}
