package config

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FieldError is one problem with one setting. Field is the JSON path of
// the value ("integrations[0].ews.serverURL"); Message says what is wrong
// and what to enter instead, in words an admin can act on.
type FieldError struct {
	Field   string
	Message string
}

// Error returns "field: message".
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Errors is every problem Validate found, in field order. It is never
// returned empty: no problems means a nil error.
type Errors []FieldError

// Error joins the problems, one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Limits on free-text fields.
const (
	MaxIDLen   = 63
	MaxNameLen = 100 // characters, not bytes: names are often CJK
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dnsLabel    = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`)
	winAbsPath  = regexp.MustCompile(`^([A-Za-z]:[\\/]|\\\\)`)
)

// checker collects FieldErrors under a path prefix.
type checker struct {
	errs   *Errors
	prefix string
}

func (c checker) add(field, format string, args ...any) {
	*c.errs = append(*c.errs, FieldError{Field: c.prefix + field, Message: fmt.Sprintf(format, args...)})
}

func (c checker) sub(prefix string) checker { return checker{c.errs, c.prefix + prefix} }

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Validate checks the whole configuration and returns Errors listing
// every problem, or nil.
func (c *Config) Validate() error {
	var errs Errors
	ck := checker{errs: &errs}
	if c.Version != Version {
		ck.add("version", "must be %d; this file was written by a different Roomboard release", Version)
	}
	c.Hub.check(ck.sub("hub."))
	seen := map[string]int{}
	for i := range c.Integrations {
		in := &c.Integrations[i]
		ick := ck.sub(fmt.Sprintf("integrations[%d].", i))
		in.check(ick)
		if in.ID == "" {
			continue
		}
		if j, dup := seen[in.ID]; dup {
			ick.add("id", "%q is already used by integrations[%d]; each integration needs its own ID", in.ID, j)
		} else {
			seen[in.ID] = i
		}
	}
	return errs.err()
}

// Validate checks the hub settings alone; Field paths are relative
// ("listenAddr").
func (h *Hub) Validate() error {
	var errs Errors
	h.check(checker{errs: &errs})
	return errs.err()
}

func (h *Hub) check(ck checker) {
	if h.DataDir != "" && !isAbs(h.DataDir) {
		ck.add("dataDir", "must be an absolute path, or empty for the default")
	}
	checkListenAddr(ck, "listenAddr", h.ListenAddr)
	if h.PublicURL != "" {
		if checkURL(ck, "publicURL", h.PublicURL) {
			if u, _ := url.Parse(h.PublicURL); u.RawQuery != "" || u.Fragment != "" {
				ck.add("publicURL", "must not have a query or fragment; give the base URL Exchange should reach, e.g. https://roomboard.contoso.com")
			}
		}
	}
	if w := h.SyncWindow; w.DaysBack < 0 || w.DaysBack > MaxDaysBack {
		ck.add("syncWindow.daysBack", "must be between 0 and %d days (default %d: from yesterday)", MaxDaysBack, DefaultDaysBack)
	}
	if w := h.SyncWindow; w.DaysAhead < 1 || w.DaysAhead > MaxDaysAhead {
		ck.add("syncWindow.daysAhead", "must be between 1 and %d days (default %d)", MaxDaysAhead, DefaultDaysAhead)
	}
	if p := h.PollInterval.Duration; p < MinPollInterval || p > MaxPollInterval {
		ck.add("pollInterval", "must be between %v and %v (default %v); shorter intervals use up Exchange's throttling budget", MinPollInterval, MaxPollInterval, DefaultPollInterval)
	}
	if n := h.ConcurrencyPerAccount; n < 1 || n > MaxConcurrencyPerAccount {
		ck.add("concurrencyPerAccount", "must be between 1 and %d (Exchange throttles at %d concurrent requests per account; default %d)", MaxConcurrencyPerAccount, MaxConcurrencyPerAccount, DefaultConcurrencyPerAccount)
	}
}

// Validate checks one integration alone; Field paths are relative
// ("ews.serverURL"), for the integration form.
func (in *Integration) Validate() error {
	var errs Errors
	in.check(checker{errs: &errs})
	return errs.err()
}

func (in *Integration) check(ck checker) {
	switch {
	case in.ID == "":
		ck.add("id", "is required: a short name such as \"contoso-onprem\" (lower-case letters, digits, '-')")
	case len(in.ID) > MaxIDLen || !idPattern.MatchString(in.ID):
		ck.add("id", "%q: use 1 to %d lower-case letters, digits and '-', starting with a letter or digit", in.ID, MaxIDLen)
	}
	switch name := strings.TrimSpace(in.Name); {
	case name == "":
		ck.add("name", "is required: the name admins see, e.g. \"Zentrale Zürich\" or \"台北總部\"")
	case utf8.RuneCountInString(in.Name) > MaxNameLen:
		ck.add("name", "is too long: at most %d characters", MaxNameLen)
	}
	switch in.Kind {
	case KindEWS:
		if in.EWS == nil {
			ck.add("ews", "is required for kind \"ews\": the Exchange server settings")
		} else {
			in.EWS.check(ck.sub("ews."))
		}
		if in.Graph != nil {
			ck.add("graph", "must be empty for kind \"ews\"; for a hybrid organisation add a second integration of kind \"graph\"")
		}
	case KindGraph:
		if in.Graph == nil {
			ck.add("graph", "is required for kind \"graph\": the Microsoft Graph app settings")
		} else {
			in.Graph.check(ck.sub("graph."))
		}
		if in.EWS != nil {
			ck.add("ews", "must be empty for kind \"graph\"; for a hybrid organisation add a second integration of kind \"ews\"")
		}
	default:
		ck.add("kind", "%q: choose \"ews\" (Exchange Server on-premises) or \"graph\" (Exchange Online)", in.Kind)
	}
	in.Scope.check(ck.sub("scope."))
}

func (e *EWS) check(ck checker) {
	switch {
	case e.ServerURL == "" && e.AutodiscoverEmail == "":
		ck.add("serverURL", "enter the EWS URL (https://mail.contoso.com/EWS/Exchange.asmx) or an Autodiscover e-mail address")
	case e.ServerURL != "" && e.AutodiscoverEmail != "":
		ck.add("autodiscoverEmail", "set either the server URL or the Autodiscover e-mail address, not both")
	case e.ServerURL != "":
		checkURL(ck, "serverURL", e.ServerURL)
	default:
		checkEmail(ck, "autodiscoverEmail", e.AutodiscoverEmail)
	}
	switch e.Auth {
	case AuthNTLM, AuthBasic:
	default:
		ck.add("auth", "%q: choose \"ntlm\" (recommended) or \"basic\"", e.Auth)
	}
	switch {
	case strings.TrimSpace(e.Username) == "":
		ck.add("username", "enter the service account as DOMAIN\\user or user@contoso.com")
	case strings.ContainsAny(e.Username, " \t\r\n:"):
		ck.add("username", "must not contain spaces or ':'; enter DOMAIN\\user or user@contoso.com (the password goes into the keyring, not here)")
	}
	if e.DelegateAddress != "" {
		checkEmail(ck, "delegateAddress", e.DelegateAddress)
	}
	if e.Version != "" && !slices.Contains(EWSVersions, e.Version) {
		ck.add("version", "%q is not a known Exchange version; choose one of %s, or leave it empty", e.Version, strings.Join(EWSVersions, ", "))
	}
	e.TLS.check(ck.sub("tls."))
	if e.Auth == AuthBasic && e.TLS.SkipVerify && e.TLS.PinSHA256 == "" {
		ck.add("tls.skipVerify", "Basic authentication sends the password to whoever answers; turn verification on or pin the server's certificate")
	}
}

func (t *TLS) check(ck checker) {
	if t.CA != "" {
		if t.SkipVerify {
			ck.add("ca", "has no effect while verification is off; turn verification on or remove the CA")
		}
		checkCA(ck, "ca", t.CA)
	}
	if t.PinSHA256 != "" {
		if _, err := ParsePin(t.PinSHA256); err != nil {
			ck.add("pinSHA256", "must be the certificate's SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:…)")
		}
	}
}

// ParsePin decodes a SHA-256 fingerprint written as hex, with or without
// colons or spaces between the bytes.
func ParsePin(s string) ([]byte, error) {
	clean := strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s))
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("config: %q is not a SHA-256 fingerprint", s)
	}
	return b, nil
}

func checkCA(ck checker, field, ca string) {
	text := strings.TrimSpace(ca)
	if !strings.HasPrefix(text, "-----BEGIN") {
		if !isAbs(text) {
			ck.add(field, "paste the CA certificate in PEM form or give the absolute path of a PEM file")
		}
		return
	}
	rest, certs := []byte(text), 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case strings.Contains(block.Type, "PRIVATE KEY"):
			// Name no key material in the message.
			ck.add(field, "contains a private key; remove it: only the CA's certificate belongs here, keys are kept in the keyring")
			return
		case block.Type == "CERTIFICATE":
			if _, err := x509.ParseCertificate(block.Bytes); err != nil {
				ck.add(field, "certificate %d does not parse (%v); paste it again in PEM form", certs+1, err)
				return
			}
			certs++
		}
	}
	if certs == 0 {
		ck.add(field, "has no PEM CERTIFICATE block; paste the CA certificate including the BEGIN and END lines")
	}
}

func (g *Graph) check(ck checker) {
	if _, ok := CloudEndpoints[g.Cloud]; !ok {
		ck.add("cloud", "%q: choose \"global\", \"china\" (21Vianet), \"usgov\" (GCC High) or \"usgovdod\" (DoD)", g.Cloud)
	}
	if !guidPattern.MatchString(g.TenantID) && !isDomain(g.TenantID) {
		ck.add("tenantID", "enter the directory (tenant) ID, a GUID, or a domain of the tenant such as contoso.onmicrosoft.com")
	}
	if !guidPattern.MatchString(g.AppID) {
		ck.add("appID", "enter the application (client) ID from the app registration, a GUID like 00000000-0000-0000-0000-000000000000")
	}
	switch g.Credential {
	case CredentialSecret:
		if g.CertificatePath != "" {
			ck.add("certificatePath", "is only used with credential \"certificate\"; remove it or switch the credential")
		}
	case CredentialCertificate:
		if !isAbs(g.CertificatePath) {
			ck.add("certificatePath", "give the absolute path of the app's certificate (PEM, public part only); its private key goes into the keyring")
		}
	default:
		ck.add("credential", "%q: choose \"secret\" (client secret) or \"certificate\"", g.Credential)
	}
}

func (s *Scope) check(ck checker) {
	s.Rooms.check(ck.sub("rooms."), "room")
	s.Equipment.check(ck.sub("equipment."), "equipment")
	switch s.Users.Mode {
	case UsersNone, UsersAll, UsersAllGroups:
	case UsersGroups:
		if len(s.Users.Groups) == 0 {
			ck.add("users.groups", "add at least one group address, or choose another user option")
		}
	default:
		ck.add("users.mode", "%q: choose \"none\", \"all\", \"all+groups\" or \"groups\"", s.Users.Mode)
	}
	checkAddresses(ck, "users.groups", s.Users.Groups)
}

func (sel *Selection) check(ck checker, what string) {
	switch sel.Mode {
	case SelectAll:
	case SelectSelected:
		if len(sel.Selected) == 0 {
			ck.add("selected", "select at least one %s mailbox, or choose \"all\"", what)
		}
	default:
		ck.add("mode", "%q: choose \"all\" or \"selected\"", sel.Mode)
	}
	checkAddresses(ck, "selected", sel.Selected)
}

func checkAddresses(ck checker, field string, addrs []string) {
	seen := map[string]bool{}
	for i, a := range addrs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !checkEmail(ck, f, a) {
			continue
		}
		if k := strings.ToLower(a); seen[k] {
			ck.add(f, "%q is listed twice", a)
		} else {
			seen[k] = true
		}
	}
}

// checkEmail reports whether s is a bare SMTP address.
func checkEmail(ck checker, field, s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || strings.Count(s, "@") != 1 {
		ck.add(field, "%q is not an e-mail address; enter it as name@contoso.com", s)
		return false
	}
	return true
}

// checkURL accepts https URLs, and http ones only on loopback (the
// simulator and tests), and reports whether the URL is acceptable.
func checkURL(ck checker, field, raw string) bool {
	// Look for user info before parsing: url.Parse rejects some passwords
	// (non-ASCII ones), and its error and ours would then echo the URL,
	// password included.
	if hasUserInfo(raw) {
		ck.add(field, "must not contain a user name or password; the account goes into its own field and the password into the keyring")
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		ck.add(field, "%q is not a URL; enter it as https://host/path", raw)
		return false
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		ck.add(field, "must use https:// (plain http is only allowed for localhost)")
		return false
	}
	return true
}

// hasUserInfo reports whether raw has an '@' in its authority, as in
// https://user:password@host/.
func hasUserInfo(raw string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest = raw
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

func checkListenAddr(ck checker, field, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		ck.add(field, "%q: enter host:port, e.g. \":8443\" for all interfaces or \"127.0.0.1:8443\"", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		ck.add(field, "port %q must be a number from 1 to 65535", port)
	}
	if strings.ContainsAny(host, " /") {
		ck.add(field, "host %q must be an IP address or host name", host)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isAbs accepts absolute paths of either OS family: the console may
// validate settings for a hub that runs elsewhere.
func isAbs(p string) bool {
	return strings.HasPrefix(p, "/") || winAbsPath.MatchString(p)
}

func isDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) > 63 || !dnsLabel.MatchString(l) {
			return false
		}
	}
	return true
}
