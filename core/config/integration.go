package config

// Kind says how an integration reaches Exchange.
type Kind string

// Integration kinds. A hybrid organisation configures one of each.
const (
	KindEWS   Kind = "ews"   // Exchange Server on-premises (2013 … SE) through EWS
	KindGraph Kind = "graph" // Exchange Online through Microsoft Graph
)

// Integration is one connection to Exchange and what to sync through it.
// Exactly one of EWS and Graph is set, matching Kind.
type Integration struct {
	// ID is stable, chosen once, and names the integration's secrets in
	// the keyring (see SecretKey): lower-case letters, digits and '-'.
	ID string `json:"id"`
	// Name is shown to admins ("Zentrale Zürich", "台北總部").
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
	Disabled bool   `json:"disabled,omitempty"`
	EWS      *EWS   `json:"ews,omitempty"`
	Graph    *Graph `json:"graph,omitempty"`
	Scope    Scope  `json:"scope"`
}

// AuthMethod is how the EWS service account authenticates.
type AuthMethod string

// EWS authentication methods.
const (
	AuthNTLM  AuthMethod = "ntlm"
	AuthBasic AuthMethod = "basic" // no longer recommended; needs TLS
)

// EWS holds the settings of an on-premises Exchange integration. The
// service account's password is in the keyring under
// SecretKey(id, SecretPassword).
type EWS struct {
	// ServerURL is the EWS endpoint, e.g.
	// https://mail.contoso.com/EWS/Exchange.asmx. Set it or
	// AutodiscoverEmail, not both.
	ServerURL string `json:"serverURL,omitempty"`
	// AutodiscoverEmail is a mailbox address whose Autodiscover answer
	// gives the EWS endpoint.
	AutodiscoverEmail string     `json:"autodiscoverEmail,omitempty"`
	Auth              AuthMethod `json:"auth"`
	// Username is the service account: DOMAIN\user, user@domain or user.
	Username string `json:"username"`
	// Impersonation makes requests act as each room mailbox through
	// ApplicationImpersonation instead of delegate access.
	Impersonation bool `json:"impersonation"`
	// DelegateAddress is the mailbox bookings are made through (seed 000's
	// booking-delegate address). Empty means the service account.
	DelegateAddress string `json:"delegateAddress,omitempty"`
	TLS             TLS    `json:"tls"`
	// Version is the RequestServerVersion to send ("Exchange2016");
	// empty lets the client choose (Exchange2013_SP1). See EWSVersions.
	Version string `json:"version,omitempty"`
}

// EWSVersions are the RequestServerVersion values an EWS integration may
// name, as the ews package knows them.
var EWSVersions = []string{"Exchange2010_SP1", "Exchange2010_SP2", "Exchange2013", "Exchange2013_SP1", "Exchange2016"}

// TLS says how the hub checks the Exchange server's certificate.
type TLS struct {
	// SkipVerify turns chain and host-name verification off. Only for
	// labs; with PinSHA256 set the pin still applies.
	SkipVerify bool `json:"skipVerify,omitempty"`
	// CA is an extra trusted CA for an internal PKI: either PEM text
	// ("-----BEGIN CERTIFICATE-----…") or the absolute path of a PEM file.
	CA string `json:"ca,omitempty"`
	// PinSHA256 is the SHA-256 fingerprint of the server's certificate
	// (hex, colons allowed), which must match exactly.
	PinSHA256 string `json:"pinSHA256,omitempty"`
}

// Cloud names a Microsoft cloud instance.
type Cloud string

// Microsoft clouds Exchange Online runs in.
const (
	CloudGlobal   Cloud = "global"
	CloudChina    Cloud = "china"    // operated by 21Vianet
	CloudUSGov    Cloud = "usgov"    // GCC High (L4)
	CloudUSGovDoD Cloud = "usgovdod" // DoD (L5)
)

// Endpoints are the roots a Graph integration talks to in one cloud.
type Endpoints struct {
	// Authority is the Microsoft Entra ID (login) root; the token
	// endpoint is Authority + "/" + tenant + "/oauth2/v2.0/token".
	Authority string
	// Graph is the Microsoft Graph service root; the client-credentials
	// scope is Graph + "/.default".
	Graph string
}

// CloudEndpoints maps each cloud to its endpoints, from "Microsoft Graph
// national cloud deployments", https://learn.microsoft.com/graph/deployments.
var CloudEndpoints = map[Cloud]Endpoints{
	CloudGlobal:   {Authority: "https://login.microsoftonline.com", Graph: "https://graph.microsoft.com"},
	CloudChina:    {Authority: "https://login.chinacloudapi.cn", Graph: "https://microsoftgraph.chinacloudapi.cn"},
	CloudUSGov:    {Authority: "https://login.microsoftonline.us", Graph: "https://graph.microsoft.us"},
	CloudUSGovDoD: {Authority: "https://login.microsoftonline.us", Graph: "https://dod-graph.microsoft.us"},
}

// CredentialKind is how a Graph app proves its identity.
type CredentialKind string

// Graph app credential kinds.
const (
	CredentialSecret      CredentialKind = "secret"      // client secret in the keyring
	CredentialCertificate CredentialKind = "certificate" // certificate file + private key in the keyring
)

// Graph holds the settings of an Exchange Online integration through an
// app registration with application permissions (client credentials).
type Graph struct {
	Cloud Cloud `json:"cloud"`
	// TenantID is the directory's GUID or one of its domains
	// (contoso.onmicrosoft.com, contoso.partner.onmschina.cn).
	TenantID   string         `json:"tenantID"`
	AppID      string         `json:"appID"` // application (client) ID, a GUID
	Credential CredentialKind `json:"credential"`
	// CertificatePath is the absolute path of the app's certificate (PEM,
	// public part only) when Credential is "certificate". Its private key
	// is in the keyring under SecretKey(id, SecretCertificateKey).
	CertificatePath string `json:"certificatePath,omitempty"`
}

// Endpoints returns the endpoints of g's cloud; ok is false for an unknown
// cloud.
func (g *Graph) Endpoints() (e Endpoints, ok bool) {
	e, ok = CloudEndpoints[g.Cloud]
	return e, ok
}

// Scope is what an integration syncs, with the choices of seed 000.
type Scope struct {
	Rooms     Selection `json:"rooms"`
	Equipment Selection `json:"equipment"`
	Users     UserScope `json:"users"`
}

// SelectMode chooses all resources of a kind or a list of them.
type SelectMode string

// Selection modes.
const (
	SelectAll      SelectMode = "all"
	SelectSelected SelectMode = "selected"
)

// Selection is all rooms (or equipment), or the listed mailboxes.
type Selection struct {
	Mode SelectMode `json:"mode"`
	// Selected holds SMTP addresses. It is kept when Mode is "all", so
	// switching back restores the admin's list.
	Selected []string `json:"selected,omitempty"`
}

// UserMode chooses which people (and groups) are synced.
type UserMode string

// User sync modes.
const (
	UsersNone      UserMode = "none"
	UsersAll       UserMode = "all"
	UsersAllGroups UserMode = "all+groups" // all users and the groups they are in
	UsersGroups    UserMode = "groups"     // members of the listed groups only
)

// UserScope is which users are synced.
type UserScope struct {
	Mode UserMode `json:"mode"`
	// Groups holds the SMTP addresses of the groups whose members are
	// synced when Mode is "groups".
	Groups []string `json:"groups,omitempty"`
}
