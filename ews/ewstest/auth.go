package ewstest

import (
	"crypto/rand"
	"encoding/hex"
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
