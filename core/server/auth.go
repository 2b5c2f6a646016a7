package server

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/store"
)

// Tokens, device and session alike, are 32 random bytes in base64url
// without padding: 43 characters.
const (
	tokenBytes = 32
	tokenLen   = 43
)

// newToken returns a fresh random token and its SHA-256.
func newToken() (string, []byte) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // crypto/rand.Read never fails (Go ≥1.24)
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok)
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// bearer returns the token of "Authorization: Bearer <token>" if it has
// the shape of one of ours; anything else is no token at all.
func bearer(r *http.Request) (string, bool) {
	v := r.Header.Get(hubproto.AuthHeader)
	tok, ok := strings.CutPrefix(v, hubproto.BearerPrefix)
	if !ok || len(tok) != tokenLen {
		return "", false
	}
	return tok, true
}

// authDevice authenticates a device token: unknown, malformed and revoked
// tokens are all "unauthorized", so a client learns nothing about which.
func (s *Server) authDevice(w http.ResponseWriter, r *http.Request) (hubproto.Device, bool) {
	tok, ok := bearer(r)
	if !ok {
		writeError(w, hubproto.ErrorCodeUnauthorized, "a device token is needed")
		return hubproto.Device{}, false
	}
	pd, err := s.db.PairedDeviceByTokenHash(r.Context(), hashToken(tok))
	if errors.Is(err, store.ErrNotFound) || err == nil && !pd.RevokedAt.IsZero() {
		writeError(w, hubproto.ErrorCodeUnauthorized, "unknown or revoked device token")
		return hubproto.Device{}, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return hubproto.Device{}, false
	}
	dev, err := s.deviceView(r.Context(), pd)
	if err != nil {
		s.writeInternal(w, r, err)
		return hubproto.Device{}, false
	}
	s.touch(r.Context(), pd.ID)
	return dev, true
}

// deviceView turns a stored device into the wire's: a floor device sees
// every room now in its floors (room lists), so rooms added to a floor
// later appear without pairing again.
func (s *Server) deviceView(ctx context.Context, pd store.PairedDevice) (hubproto.Device, error) {
	d := hubproto.Device{ID: pd.ID, Name: pd.Name, Mode: pd.Mode, Rooms: pd.Rooms, Floors: pd.Floors, PairedAt: pd.Created,
		LastSeen: pd.LastSeen, Version: pd.Version, Revoked: !pd.RevokedAt.IsZero()}
	if len(pd.Health) > 0 {
		var rep hubproto.Report
		if json.Unmarshal(pd.Health, &rep) == nil {
			d.Health = &rep
		}
	}
	if d.Mode == hubproto.ModeFloor {
		rooms, err := s.db.Rooms(ctx)
		if err != nil {
			return d, err
		}
		d.Rooms = nil
		for _, rm := range rooms {
			if rm.ListID != "" && slices.Contains(pd.Floors, rm.ListID) {
				d.Rooms = append(d.Rooms, rm.ID)
			}
		}
	}
	if d.Rooms == nil {
		d.Rooms = []string{}
	}
	return d, nil
}

// touchEvery throttles last-seen writes: a kiosk that polls every few
// seconds must not turn into a write per request.
const touchEvery = time.Minute

// seenCache remembers when each device's last-seen was last written.
type seenCache struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func newSeenCache() *seenCache { return &seenCache{last: map[string]time.Time{}} }

// due reports whether id's last-seen should be written at now, and if so
// notes that it is.
func (c *seenCache) due(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.last[id]; ok && now.Sub(t) < touchEvery {
		return false
	}
	c.last[id] = now
	return true
}

func (c *seenCache) forget(id string) {
	c.mu.Lock()
	delete(c.last, id)
	c.mu.Unlock()
}

func (s *Server) touch(ctx context.Context, id string) {
	now := s.now()
	if !s.seen.due(id, now) {
		return
	}
	if err := s.db.TouchDevice(ctx, id, now); err != nil && !errors.Is(err, context.Canceled) {
		s.logf("server: last-seen of device %s: %v", id, err)
	}
}

// onReport stores a device's health report; the feed calls it for every
// report a kiosk sends over its stream.
func (s *Server) onReport(deviceID string, rep hubproto.Report) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	health, err := json.Marshal(rep)
	if err == nil {
		err = s.db.RecordDeviceReport(ctx, deviceID, s.now(), rep.Version, health)
	}
	if err != nil {
		s.logf("server: report of device %s: %v", deviceID, err)
	}
}

// Operator is a signed-in operator of the admin API.
type Operator struct {
	Login string
	Role  string // hubproto.RoleViewer or hubproto.RoleAdmin
}

// ErrBadCredentials is returned by an Authenticator for a wrong user or
// password; the hub answers it as "unauthorized" and counts it against
// the login rate limit.
var ErrBadCredentials = errors.New("server: wrong user or password")

// Authenticator checks an operator's credentials. It is the seam for
// single sign-on: the hub itself issues, stores (hashed) and expires the
// session tokens, and checks roles on every request against the
// operator's stored account. An Authenticator only answers "who is this
// and what role do they have" at login. LocalAccounts, the default, checks
// passwords against the store; an SSO implementation (ADFS/WS-Federation,
// a later issue) would verify its own token in the password field, or add
// its own login route, and keep an account per operator with
// store.PutOperator so roles, sessions and the audit log work unchanged.
type Authenticator interface {
	// Authenticate returns the operator user signs in as, or an error
	// wrapping ErrBadCredentials.
	Authenticate(ctx context.Context, user, password string) (Operator, error)
}

// LocalAccounts authenticates operators against their accounts in the
// store: salted PBKDF2-HMAC-SHA-256 hashes, compared in constant time.
type LocalAccounts struct{ s *Server }

// pbkdf2Iterations is OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256.
const (
	pbkdf2Iterations = 600_000
	pbkdf2Prefix     = "pbkdf2-sha256"
	saltBytes        = 16
	keyBytes         = 32
	minPasswordLen   = 10
)

// dummyHash is checked against for unknown users so that a login for a
// user who does not exist takes as long as a wrong password.
func dummyHash(iter int) string {
	return pbkdf2Prefix + "$" + strconv.Itoa(iter) + "$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}

// Authenticate implements Authenticator.
func (l *LocalAccounts) Authenticate(ctx context.Context, user, password string) (Operator, error) {
	o, err := l.s.db.Operator(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		checkPassword(dummyHash(l.s.pbkdf2Iter), password)
		return Operator{}, ErrBadCredentials
	}
	if err != nil {
		return Operator{}, fmt.Errorf("server: authenticate: %w", err)
	}
	ok, iter := checkPassword(o.PasswordHash, password)
	if !ok {
		return Operator{}, ErrBadCredentials
	}
	// Rehash a password stored with fewer iterations than we use now.
	if iter < l.s.pbkdf2Iter {
		o.PasswordHash, o.Updated = hashPassword(password, l.s.pbkdf2Iter), l.s.now()
		if err := l.s.db.PutOperator(ctx, o); err != nil {
			l.s.logf("server: rehash password of %s: %v", o.Login, err)
		}
	}
	return Operator{Login: o.Login, Role: o.Role}, nil
}

// hashPassword returns "pbkdf2-sha256$<iter>$<salt>$<key>".
func hashPassword(password string, iter int) string {
	salt := make([]byte, saltBytes)
	rand.Read(salt)
	key, err := pbkdf2.Key(sha256.New, password, salt, iter, keyBytes)
	if err != nil {
		// Only FIPS-140 mode refuses these parameters.
		panic("server: pbkdf2: " + err.Error())
	}
	enc := base64.RawStdEncoding
	return pbkdf2Prefix + "$" + strconv.Itoa(iter) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key)
}

// checkPassword reports whether password matches the encoded hash, and
// the hash's iteration count.
func checkPassword(encoded, password string) (bool, int) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != pbkdf2Prefix {
		return false, 0
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false, 0
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, 0
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	if err != nil {
		return false, 0
	}
	return subtle.ConstantTimeCompare(got, want) == 1, iter
}

// EnsureAdmin creates the admin account user with password, or, when the
// account exists, resets its password and makes it an admin (the way back
// in for an operator who lost theirs). Its other sessions end.
func (s *Server) EnsureAdmin(ctx context.Context, user, password string) error {
	if err := s.setOperator(ctx, "local", user, password, hubproto.RoleAdmin); err != nil {
		return fmt.Errorf("server: ensure admin: %w", err)
	}
	return nil
}

// setOperator creates or changes an operator account; an empty password
// keeps the current one. Changing anything ends the account's sessions.
func (s *Server) setOperator(ctx context.Context, actor, login, password, role string) error {
	if login == "" || len(login) > hubproto.MaxStringLength || strings.ContainsAny(login, "/$\x00") {
		return fmt.Errorf("%w: bad login %q", store.ErrInvalid, login)
	}
	if role != hubproto.RoleViewer && role != hubproto.RoleAdmin {
		return fmt.Errorf("%w: role %q", store.ErrInvalid, role)
	}
	now := s.now()
	o, err := s.db.Operator(ctx, login)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if password == "" {
			return fmt.Errorf("%w: a new account needs a password", store.ErrInvalid)
		}
		o = store.Operator{Login: login, Created: now}
	case err != nil:
		return err
	}
	if password != "" {
		if len([]rune(password)) < minPasswordLen {
			return fmt.Errorf("%w: a password needs at least %d characters", store.ErrInvalid, minPasswordLen)
		}
		o.PasswordHash = hashPassword(password, s.pbkdf2Iter)
	}
	o.Role, o.Updated = role, now
	if err := s.db.PutOperator(ctx, o); err != nil {
		return err
	}
	if err := s.db.RemoveOperatorSessions(ctx, login); err != nil {
		return err
	}
	s.audit(ctx, actor, "operator.put", login, map[string]any{"role": role, "passwordChanged": password != ""})
	return nil
}

// authOperator authenticates an operator session and checks its role
// against need: no or unknown session is 401, a viewer on an admin route
// 403.
func (s *Server) authOperator(w http.ResponseWriter, r *http.Request, need access) (Operator, bool) {
	tok, ok := bearer(r)
	if !ok {
		writeError(w, hubproto.ErrorCodeUnauthorized, "an operator session is needed")
		return Operator{}, false
	}
	ctx := r.Context()
	sess, err := s.db.SessionByTokenHash(ctx, hashToken(tok))
	if errors.Is(err, store.ErrNotFound) || err == nil && !s.now().Before(sess.Expires) {
		writeError(w, hubproto.ErrorCodeUnauthorized, "unknown or expired session")
		return Operator{}, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return Operator{}, false
	}
	// The role is read on every request, so a demotion takes effect at
	// once.
	acct, err := s.db.Operator(ctx, sess.Login)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeUnauthorized, "unknown or expired session")
		return Operator{}, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return Operator{}, false
	}
	op := Operator{Login: acct.Login, Role: acct.Role}
	if need == admin && op.Role != hubproto.RoleAdmin {
		writeError(w, hubproto.ErrorCodeForbidden, "this needs the admin role")
		return Operator{}, false
	}
	return op, true
}

// postLogin signs an operator in. Failures are limited per user and per
// client address; while either is locked, even the right password is
// refused, so guessing gains nothing.
func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	req, err := hubproto.DecodeLoginRequest(r.Body)
	if err != nil {
		writeBadBody(w, err)
		return
	}
	userKey, ipKey := "user:"+req.User, "ip:"+clientIP(r)
	if wait := max(s.loginFails.wait(userKey), s.loginFails.wait(ipKey)); wait > 0 {
		writeRetry(w, wait, "too many failed logins")
		return
	}
	ctx := r.Context()
	op, err := s.auth.Authenticate(ctx, req.User, req.Password)
	if errors.Is(err, ErrBadCredentials) {
		s.loginFails.take(userKey)
		s.loginFails.take(ipKey)
		s.audit(ctx, "ip:"+clientIP(r), "operator.login-failed", req.User, nil)
		writeError(w, hubproto.ErrorCodeUnauthorized, "wrong user or password")
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.loginFails.reset(userKey)
	tok, hash := newToken()
	now := s.now()
	sess := store.Session{TokenHash: hash, Login: op.Login, Created: now, Expires: now.Add(sessionLifetime)}
	if err := s.db.PutSession(ctx, sess); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// Sign-ins are rare; this keeps the table from growing.
	if _, err := s.db.RemoveExpiredSessions(ctx, now); err != nil {
		s.logf("server: remove expired sessions: %v", err)
	}
	s.audit(ctx, "operator:"+op.Login, "operator.login", op.Login, nil)
	writeJSON(w, http.StatusOK, hubproto.LoginResponse{Token: tok, Role: op.Role, ExpiresAt: sess.Expires})
}

// postLogout ends the caller's session.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	tok, _ := bearer(r)
	if err := s.db.RemoveSession(r.Context(), hashToken(tok)); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// audit appends to the audit log; a failure is logged, never shown to the
// client, because the change itself has happened.
func (s *Server) audit(ctx context.Context, actor, action, target string, detail any) {
	e := store.AuditEntry{At: s.now(), Actor: actor, Action: action, Target: target}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err == nil {
			e.Detail = b
		}
	}
	if _, err := s.db.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		s.logf("server: audit %s %s: %v", action, target, err)
	}
}

// limiter counts events per key in fixed windows: a key that had max
// events in its current window waits until the window ends. It holds at
// most maxKeys keys; when full it drops keys whose window has ended, and
// if none has, refuses new keys until one does, so memory stays bounded
// under a flood of addresses.
type limiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	now     func() time.Time
	maxKeys int
	keys    map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: per, now: now, maxKeys: 10_000, keys: map[string]*window{}}
}

// take records one event for key; it returns zero if that was allowed, or
// how long until key may try again.
func (l *limiter) take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.current(key, now)
	if w == nil {
		return l.window
	}
	if w.n >= l.max {
		return w.start.Add(l.window).Sub(now)
	}
	w.n++
	return 0
}

// wait returns how long key is blocked, without recording anything.
func (l *limiter) wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.keys[key]
	if !ok || !now.Before(w.start.Add(l.window)) || w.n < l.max {
		return 0
	}
	return w.start.Add(l.window).Sub(now)
}

// reset forgets key.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

// current returns key's window at now, starting a new one if needed; nil
// means the table is full.
func (l *limiter) current(key string, now time.Time) *window {
	if w, ok := l.keys[key]; ok {
		if now.Before(w.start.Add(l.window)) {
			return w
		}
		w.start, w.n = now, 0
		return w
	}
	if len(l.keys) >= l.maxKeys {
		for k, w := range l.keys {
			if !now.Before(w.start.Add(l.window)) {
				delete(l.keys, k)
			}
		}
		if len(l.keys) >= l.maxKeys {
			return nil
		}
	}
	w := &window{start: now}
	l.keys[key] = w
	return w
}
