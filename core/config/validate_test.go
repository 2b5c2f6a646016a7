package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// validConfig returns a configuration that passes Validate, with one
// integration of each kind, for the rule tests to break one field at a
// time.
func validConfig() *Config {
	c := Default()
	c.Hub.DataDir = "/var/lib/roomboard"
	c.Hub.PublicURL = "https://roomboard.contoso.com"
	c.Integrations = []Integration{
		{
			ID: "taipei-onprem", Name: "台北總部", Kind: KindEWS,
			EWS: &EWS{
				ServerURL: "https://mail.contoso.com.tw/EWS/Exchange.asmx",
				Auth:      AuthNTLM, Username: `CONTOSO\svc-roomboard`, Impersonation: true,
				DelegateAddress: "booking@contoso.com.tw",
			},
			Scope: Scope{
				Rooms:     Selection{Mode: SelectSelected, Selected: []string{"room-101@contoso.com.tw", "會議室-大@contoso.com.tw"}},
				Equipment: Selection{Mode: SelectAll},
				Users:     UserScope{Mode: UsersAll},
			},
		},
		{
			ID: "muenchen-online", Name: "Büro München", Kind: KindGraph,
			Graph: &Graph{
				Cloud: CloudGlobal, TenantID: "contoso.onmicrosoft.com",
				AppID: "6f1c2a9e-4b7d-4c1e-9a3f-2d8b5e7c0a14", Credential: CredentialSecret,
			},
			Scope: Scope{
				Rooms:     Selection{Mode: SelectAll},
				Equipment: Selection{Mode: SelectAll},
				Users:     UserScope{Mode: UsersGroups, Groups: []string{"alle@contoso.de"}},
			},
		},
	}
	return c
}

func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Contoso Root CA"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0), IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestValidConfigs(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	if err := validConfig().Validate(); err != nil {
		t.Errorf("validConfig().Validate() = %v", err)
	}
	c := validConfig()
	e := c.Integrations[0].EWS
	e.ServerURL, e.AutodiscoverEmail = "", "admin@contoso.com.tw"
	e.Auth = AuthBasic
	e.TLS = TLS{CA: testCertPEM(t), PinSHA256: strings.Repeat("ab:", 31) + "ab"}
	e.Version = "Exchange2013_SP1"
	g := c.Integrations[1].Graph
	g.Cloud, g.TenantID, g.Credential, g.CertificatePath = CloudUSGovDoD, "0f8c9a3e-1b2d-4e5f-8a7b-9c0d1e2f3a4b", CredentialCertificate, `C:\ProgramData\Roomboard\app.pem`
	c.Hub.ListenAddr = "127.0.0.1:8099"
	c.Hub.PublicURL = "http://localhost:8099/push"
	if err := c.Validate(); err != nil {
		t.Errorf("variant Validate() = %v", err)
	}
}

// TestValidateRules breaks one rule per case and expects exactly the
// matching field error.
func TestValidateRules(t *testing.T) {
	const (
		ews   = "integrations[0].ews."
		graph = "integrations[1].graph."
		scope = "integrations[0].scope."
	)
	keyPEM := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   Errors
	}{
		{"version", func(c *Config) { c.Version = 2 },
			Errors{{"version", "must be 1; this file was written by a different Roomboard release"}}},
		{"duplicate id", func(c *Config) { c.Integrations[1].ID = "taipei-onprem" },
			Errors{{"integrations[1].id", `"taipei-onprem" is already used by integrations[0]; each integration needs its own ID`}}},

		// hub
		{"dataDir relative", func(c *Config) { c.Hub.DataDir = "data" },
			Errors{{"hub.dataDir", "must be an absolute path, or empty for the default"}}},
		{"listenAddr no port", func(c *Config) { c.Hub.ListenAddr = "0.0.0.0" },
			Errors{{"hub.listenAddr", `"0.0.0.0": enter host:port, e.g. ":8443" for all interfaces or "127.0.0.1:8443"`}}},
		{"listenAddr port range", func(c *Config) { c.Hub.ListenAddr = ":70000" },
			Errors{{"hub.listenAddr", `port "70000" must be a number from 1 to 65535`}}},
		{"listenAddr bad host", func(c *Config) { c.Hub.ListenAddr = "my host:8443" },
			Errors{{"hub.listenAddr", `host "my host" must be an IP address or host name`}}},
		{"publicURL http", func(c *Config) { c.Hub.PublicURL = "http://roomboard.contoso.com" },
			Errors{{"hub.publicURL", "must use https:// (plain http is only allowed for localhost)"}}},
		{"publicURL not a URL", func(c *Config) { c.Hub.PublicURL = "roomboard.contoso.com" },
			Errors{{"hub.publicURL", `"roomboard.contoso.com" is not a URL; enter it as https://host/path`}}},
		{"publicURL query", func(c *Config) { c.Hub.PublicURL = "https://roomboard.contoso.com/?a=b" },
			Errors{{"hub.publicURL", "must not have a query or fragment; give the base URL Exchange should reach, e.g. https://roomboard.contoso.com"}}},
		{"daysBack", func(c *Config) { c.Hub.SyncWindow.DaysBack = -1 },
			Errors{{"hub.syncWindow.daysBack", "must be between 0 and 365 days (default 1: from yesterday)"}}},
		{"daysAhead", func(c *Config) { c.Hub.SyncWindow.DaysAhead = 0 },
			Errors{{"hub.syncWindow.daysAhead", "must be between 1 and 730 days (default 60)"}}},
		{"pollInterval", func(c *Config) { c.Hub.PollInterval = Duration{time.Second} },
			Errors{{"hub.pollInterval", "must be between 10s and 24h0m0s (default 1m0s); shorter intervals use up Exchange's throttling budget"}}},
		{"concurrency above 27", func(c *Config) { c.Hub.ConcurrencyPerAccount = 28 },
			Errors{{"hub.concurrencyPerAccount", "must be between 1 and 27 (Exchange throttles at 27 concurrent requests per account; default 16)"}}},
		{"concurrency zero", func(c *Config) { c.Hub.ConcurrencyPerAccount = 0 },
			Errors{{"hub.concurrencyPerAccount", "must be between 1 and 27 (Exchange throttles at 27 concurrent requests per account; default 16)"}}},

		// integration
		{"id missing", func(c *Config) { c.Integrations[0].ID = "" },
			Errors{{"integrations[0].id", `is required: a short name such as "contoso-onprem" (lower-case letters, digits, '-')`}}},
		{"id format", func(c *Config) { c.Integrations[0].ID = "Taipei/1" },
			Errors{{"integrations[0].id", `"Taipei/1": use 1 to 63 lower-case letters, digits and '-', starting with a letter or digit`}}},
		{"id too long", func(c *Config) { c.Integrations[0].ID = strings.Repeat("a", 64) },
			Errors{{"integrations[0].id", `"` + strings.Repeat("a", 64) + `": use 1 to 63 lower-case letters, digits and '-', starting with a letter or digit`}}},
		{"name missing", func(c *Config) { c.Integrations[0].Name = "  " },
			Errors{{"integrations[0].name", `is required: the name admins see, e.g. "Zentrale Zürich" or "台北總部"`}}},
		{"name too long", func(c *Config) { c.Integrations[0].Name = strings.Repeat("會", 101) },
			Errors{{"integrations[0].name", "is too long: at most 100 characters"}}},
		{"kind unknown", func(c *Config) { c.Integrations[0].Kind = "imap" },
			Errors{{"integrations[0].kind", `"imap": choose "ews" (Exchange Server on-premises) or "graph" (Exchange Online)`}}},
		{"ews section missing", func(c *Config) { c.Integrations[0].EWS = nil },
			Errors{{"integrations[0].ews", `is required for kind "ews": the Exchange server settings`}}},
		{"graph section on ews", func(c *Config) { c.Integrations[0].Graph = &Graph{} },
			Errors{{"integrations[0].graph", `must be empty for kind "ews"; for a hybrid organisation add a second integration of kind "graph"`}}},
		{"graph section missing", func(c *Config) { c.Integrations[1].Graph = nil },
			Errors{{"integrations[1].graph", `is required for kind "graph": the Microsoft Graph app settings`}}},
		{"ews section on graph", func(c *Config) { c.Integrations[1].EWS = &EWS{} },
			Errors{{"integrations[1].ews", `must be empty for kind "graph"; for a hybrid organisation add a second integration of kind "ews"`}}},

		// ews
		{"no server", func(c *Config) { c.Integrations[0].EWS.ServerURL = "" },
			Errors{{ews + "serverURL", "enter the EWS URL (https://mail.contoso.com/EWS/Exchange.asmx) or an Autodiscover e-mail address"}}},
		{"server and autodiscover", func(c *Config) { c.Integrations[0].EWS.AutodiscoverEmail = "a@contoso.com" },
			Errors{{ews + "autodiscoverEmail", "set either the server URL or the Autodiscover e-mail address, not both"}}},
		{"server http", func(c *Config) { c.Integrations[0].EWS.ServerURL = "http://mail.contoso.com/EWS/Exchange.asmx" },
			Errors{{ews + "serverURL", "must use https:// (plain http is only allowed for localhost)"}}},
		{"server with password", func(c *Config) {
			c.Integrations[0].EWS.ServerURL = "https://svc:Geheim-密碼@mail.contoso.com/EWS/Exchange.asmx"
		}, Errors{{ews + "serverURL", "must not contain a user name or password; the account goes into its own field and the password into the keyring"}}},
		{"autodiscover email", func(c *Config) {
			c.Integrations[0].EWS.ServerURL, c.Integrations[0].EWS.AutodiscoverEmail = "", "Admin <admin@contoso.com>"
		}, Errors{{ews + "autodiscoverEmail", `"Admin <admin@contoso.com>" is not an e-mail address; enter it as name@contoso.com`}}},
		{"auth", func(c *Config) { c.Integrations[0].EWS.Auth = "kerberos" },
			Errors{{ews + "auth", `"kerberos": choose "ntlm" (recommended) or "basic"`}}},
		{"username missing", func(c *Config) { c.Integrations[0].EWS.Username = "" },
			Errors{{ews + "username", `enter the service account as DOMAIN\user or user@contoso.com`}}},
		{"username with password", func(c *Config) { c.Integrations[0].EWS.Username = "svc:Geheim" },
			Errors{{ews + "username", `must not contain spaces or ':'; enter DOMAIN\user or user@contoso.com (the password goes into the keyring, not here)`}}},
		{"delegate", func(c *Config) { c.Integrations[0].EWS.DelegateAddress = "booking" },
			Errors{{ews + "delegateAddress", `"booking" is not an e-mail address; enter it as name@contoso.com`}}},
		{"version", func(c *Config) { c.Integrations[0].EWS.Version = "Exchange2019" },
			Errors{{ews + "version", `"Exchange2019" is not a known Exchange version; choose one of Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2016, or leave it empty`}}},
		{"basic without verification", func(c *Config) {
			c.Integrations[0].EWS.Auth, c.Integrations[0].EWS.TLS.SkipVerify = AuthBasic, true
		}, Errors{{ews + "tls.skipVerify", "Basic authentication sends the password to whoever answers; turn verification on or pin the server's certificate"}}},

		// tls
		{"ca with skipVerify", func(c *Config) {
			c.Integrations[0].EWS.TLS = TLS{SkipVerify: true, CA: "/etc/ssl/contoso-ca.pem"}
		}, Errors{{ews + "tls.ca", "has no effect while verification is off; turn verification on or remove the CA"}}},
		{"ca relative path", func(c *Config) { c.Integrations[0].EWS.TLS.CA = "ca.pem" },
			Errors{{ews + "tls.ca", "paste the CA certificate in PEM form or give the absolute path of a PEM file"}}},
		{"ca PEM without certificate", func(c *Config) {
			c.Integrations[0].EWS.TLS.CA = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
		}, Errors{{ews + "tls.ca", "has no PEM CERTIFICATE block; paste the CA certificate including the BEGIN and END lines"}}},
		{"ca PEM garbage certificate", func(c *Config) {
			c.Integrations[0].EWS.TLS.CA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}, Errors{{ews + "tls.ca", "certificate 1 does not parse (x509: malformed certificate); paste it again in PEM form"}}},
		{"ca with private key", func(c *Config) { c.Integrations[0].EWS.TLS.CA = keyPEM },
			Errors{{ews + "tls.ca", "contains a private key; remove it: only the CA's certificate belongs here, keys are kept in the keyring"}}},
		{"pin", func(c *Config) { c.Integrations[0].EWS.TLS.PinSHA256 = "abcd" },
			Errors{{ews + "tls.pinSHA256", "must be the certificate's SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:…)"}}},

		// graph
		{"cloud", func(c *Config) { c.Integrations[1].Graph.Cloud = "germany" },
			Errors{{graph + "cloud", `"germany": choose "global", "china" (21Vianet), "usgov" (GCC High) or "usgovdod" (DoD)`}}},
		{"tenant", func(c *Config) { c.Integrations[1].Graph.TenantID = "contoso" },
			Errors{{graph + "tenantID", "enter the directory (tenant) ID, a GUID, or a domain of the tenant such as contoso.onmicrosoft.com"}}},
		{"app id", func(c *Config) { c.Integrations[1].Graph.AppID = "roomboard" },
			Errors{{graph + "appID", "enter the application (client) ID from the app registration, a GUID like 00000000-0000-0000-0000-000000000000"}}},
		{"credential", func(c *Config) { c.Integrations[1].Graph.Credential = "password" },
			Errors{{graph + "credential", `"password": choose "secret" (client secret) or "certificate"`}}},
		{"certificate path missing", func(c *Config) { c.Integrations[1].Graph.Credential = CredentialCertificate },
			Errors{{graph + "certificatePath", "give the absolute path of the app's certificate (PEM, public part only); its private key goes into the keyring"}}},
		{"certificate path with secret", func(c *Config) { c.Integrations[1].Graph.CertificatePath = "/etc/roomboard/app.pem" },
			Errors{{graph + "certificatePath", `is only used with credential "certificate"; remove it or switch the credential`}}},

		// scope
		{"rooms mode", func(c *Config) { c.Integrations[0].Scope.Rooms.Mode = "some" },
			Errors{{scope + "rooms.mode", `"some": choose "all" or "selected"`}}},
		{"rooms selected empty", func(c *Config) { c.Integrations[0].Scope.Rooms.Selected = nil },
			Errors{{scope + "rooms.selected", `select at least one room mailbox, or choose "all"`}}},
		{"rooms bad address", func(c *Config) { c.Integrations[0].Scope.Rooms.Selected[1] = "會議室" },
			Errors{{scope + "rooms.selected[1]", `"會議室" is not an e-mail address; enter it as name@contoso.com`}}},
		{"rooms duplicate", func(c *Config) { c.Integrations[0].Scope.Rooms.Selected[1] = "ROOM-101@contoso.com.tw" },
			Errors{{scope + "rooms.selected[1]", `"ROOM-101@contoso.com.tw" is listed twice`}}},
		{"equipment selected empty", func(c *Config) { c.Integrations[0].Scope.Equipment.Mode = SelectSelected },
			Errors{{scope + "equipment.selected", `select at least one equipment mailbox, or choose "all"`}}},
		{"users mode", func(c *Config) { c.Integrations[0].Scope.Users.Mode = "" },
			Errors{{scope + "users.mode", `"": choose "none", "all", "all+groups" or "groups"`}}},
		{"users groups empty", func(c *Config) { c.Integrations[0].Scope.Users.Mode = UsersGroups },
			Errors{{scope + "users.groups", "add at least one group address, or choose another user option"}}},
		{"users bad group", func(c *Config) { c.Integrations[1].Scope.Users.Groups = []string{"alle"} },
			Errors{{"integrations[1].scope.users.groups[0]", `"alle" is not an e-mail address; enter it as name@contoso.com`}}},

		// several at once, in field order
		{"several", func(c *Config) {
			c.Hub.ConcurrencyPerAccount = 99
			c.Integrations[1].Graph.AppID = ""
		}, Errors{
			{"hub.concurrencyPerAccount", "must be between 1 and 27 (Exchange throttles at 27 concurrent requests per account; default 16)"},
			{graph + "appID", "enter the application (client) ID from the app registration, a GUID like 00000000-0000-0000-0000-000000000000"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(c)
			err := c.Validate()
			got, _ := err.(Errors)
			if err != nil && got == nil {
				t.Fatalf("Validate returned %T, want Errors", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), "Geheim") {
				t.Errorf("error text repeats a secret: %v", err)
			}
		})
	}
}

func TestIntegrationAndHubValidateAlone(t *testing.T) {
	in := validConfig().Integrations[1]
	in.Graph.TenantID = ""
	want := Errors{{"graph.tenantID", "enter the directory (tenant) ID, a GUID, or a domain of the tenant such as contoso.onmicrosoft.com"}}
	if diff := cmp.Diff(want, in.Validate()); diff != "" {
		t.Errorf("Integration.Validate (-want +got):\n%s", diff)
	}
	h := Default().Hub
	h.PollInterval = Duration{48 * time.Hour}
	if err := h.Validate(); err == nil || err.(Errors)[0].Field != "pollInterval" {
		t.Errorf("Hub.Validate = %v, want a pollInterval error", err)
	}
	var nilErr error = Default().Hub.Validate()
	if nilErr != nil {
		t.Errorf("valid hub: %v (a typed nil would show up here)", nilErr)
	}
}

func TestFieldErrorText(t *testing.T) {
	err := Errors{{"hub.listenAddr", "a"}, {"integrations[0].id", "b"}}
	if got, want := err.Error(), "hub.listenAddr: a\nintegrations[0].id: b"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParsePin(t *testing.T) {
	want := make([]byte, 32)
	want[0], want[31] = 0xab, 0x01
	for _, s := range []string{
		"ab" + strings.Repeat("00", 30) + "01",
		"AB:" + strings.Repeat("00:", 30) + "01",
		" ab " + strings.Repeat("00 ", 30) + "01 ",
	} {
		got, err := ParsePin(s)
		if err != nil {
			t.Errorf("ParsePin(%q): %v", s, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParsePin(%q) (-want +got):\n%s", s, diff)
		}
	}
	for _, s := range []string{"", "zz" + strings.Repeat("00", 31), strings.Repeat("00", 31)} {
		if _, err := ParsePin(s); err == nil {
			t.Errorf("ParsePin(%q) succeeded", s)
		}
	}
}

func TestSyncWindowRange(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	// 2026-03-29 is the spring-forward day in Berlin; yesterday still
	// starts at midnight, not 24 h before.
	now := time.Date(2026, 3, 30, 0, 30, 0, 0, berlin)
	start, end := SyncWindow{DaysBack: 1, DaysAhead: 60}.Range(now)
	wantStart := time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)
	wantEnd := time.Date(2026, 5, 30, 0, 0, 0, 0, berlin)
	if !start.Equal(wantStart) || !end.Equal(wantEnd) {
		t.Errorf("Range = %v … %v, want %v … %v", start, end, wantStart, wantEnd)
	}
	if d := now.Sub(start); d != 23*time.Hour+30*time.Minute {
		t.Errorf("start is %v before now, want 23h30m across the DST change", d)
	}
}

func TestCloudEndpoints(t *testing.T) {
	want := map[Cloud]Endpoints{
		CloudGlobal:   {"https://login.microsoftonline.com", "https://graph.microsoft.com"},
		CloudChina:    {"https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"},
		CloudUSGov:    {"https://login.microsoftonline.us", "https://graph.microsoft.us"},
		CloudUSGovDoD: {"https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
	}
	if diff := cmp.Diff(want, CloudEndpoints); diff != "" {
		t.Errorf("CloudEndpoints (-want +got):\n%s", diff)
	}
	g := &Graph{Cloud: CloudChina}
	if e, ok := g.Endpoints(); !ok || e.Graph != "https://microsoftgraph.chinacloudapi.cn" {
		t.Errorf("Endpoints() = %v, %v", e, ok)
	}
	if _, ok := (&Graph{Cloud: "mars"}).Endpoints(); ok {
		t.Error("Endpoints() ok for an unknown cloud")
	}
}
