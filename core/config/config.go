// Package config is Roomboard's settings model: the hub's own settings and
// the Exchange integrations it syncs from (on-premises EWS, Exchange Online
// through Microsoft Graph), with what each integration syncs (its scope).
//
// Validate reports every problem at once as field-level errors ([Errors]
// of [FieldError]) whose Field is the JSON path of the value, so the admin
// console can show each message next to its input and scripted setups can
// print them.
//
// Settings are stored as JSON in a file the caller names ([Load], [Save]):
// bounded reads, unknown fields rejected, atomic replacement, mode 0600.
//
// Secrets are deliberately not part of this model. Passwords, client
// secrets and certificate keys never appear in these structs, in the file
// or in errors: they live in the OS keyring behind the [SecretStore]
// interface (implemented by platform/keyring), under keys made by
// [SecretKey]. The package does no network I/O and does not read the
// certificate or CA files it names; that is the job of the code that
// connects (and of `roomboard doctor`).
package config

import (
	"encoding/json"
	"fmt"
	"time"
)

// Version is the current version of the file format. Load refuses files
// written by a newer Roomboard rather than silently dropping settings.
const Version = 1

// Config is everything the hub needs to know, minus secrets.
type Config struct {
	Version      int           `json:"version"`
	Hub          Hub           `json:"hub"`
	Integrations []Integration `json:"integrations"`
}

// Hub holds the settings of the hub process itself.
type Hub struct {
	// DataDir holds the SQLite cache and the hub's TLS key pair. Empty
	// means the per-OS default chosen by the caller (platform/paths).
	DataDir string `json:"dataDir,omitempty"`
	// ListenAddr is the host:port the hub's HTTPS/WSS server listens on,
	// for kiosks and the console.
	ListenAddr string `json:"listenAddr"`
	// PublicURL is where Exchange and Graph deliver push/change
	// notifications, as seen from Exchange (through a reverse proxy or NAT,
	// often not the listen address). Empty disables push: streaming, pull
	// or polling are used instead.
	PublicURL string `json:"publicURL,omitempty"`
	// SyncWindow is the range of days synced on the first sync of a
	// mailbox.
	SyncWindow SyncWindow `json:"syncWindow"`
	// PollInterval is how often a mailbox is polled when no notification
	// channel works.
	PollInterval Duration `json:"pollInterval"`
	// ConcurrencyPerAccount caps concurrent requests per service account
	// (or per app for Graph). Exchange throttles at 27 per account; 16
	// leaves room for Outlook and scripts using the same account.
	ConcurrencyPerAccount int `json:"concurrencyPerAccount"`
}

// SyncWindow counts calendar days around today, in the hub's time zone,
// rather than a duration, so "yesterday" starts at midnight even across a
// DST change.
type SyncWindow struct {
	DaysBack  int `json:"daysBack"`
	DaysAhead int `json:"daysAhead"`
}

// Range returns the window around now: from midnight DaysBack days before
// now's day to midnight after the day DaysAhead days ahead, in now's
// location.
func (w SyncWindow) Range(now time.Time) (start, end time.Time) {
	y, m, d := now.Date()
	start = time.Date(y, m, d-w.DaysBack, 0, 0, 0, 0, now.Location())
	end = time.Date(y, m, d+w.DaysAhead+1, 0, 0, 0, 0, now.Location())
	return start, end
}

// Defaults and limits of the hub settings.
const (
	DefaultListenAddr            = ":8443"
	DefaultDaysBack              = 1  // yesterday
	DefaultDaysAhead             = 60 // DESIGN.md: yesterday … +60 days
	DefaultPollInterval          = time.Minute
	DefaultConcurrencyPerAccount = 16
	MaxConcurrencyPerAccount     = 27 // EWS throttling policy: 27 concurrent requests per account

	MaxDaysBack     = 365
	MaxDaysAhead    = 730
	MinPollInterval = 10 * time.Second
	MaxPollInterval = 24 * time.Hour
)

// Default returns a valid configuration with no integrations.
func Default() *Config {
	return &Config{
		Version: Version,
		Hub: Hub{
			ListenAddr:            DefaultListenAddr,
			SyncWindow:            SyncWindow{DaysBack: DefaultDaysBack, DaysAhead: DefaultDaysAhead},
			PollInterval:          Duration{DefaultPollInterval},
			ConcurrencyPerAccount: DefaultConcurrencyPerAccount,
		},
		Integrations: []Integration{},
	}
}

// Integration returns a pointer to the integration with the given ID, or
// nil.
func (c *Config) Integration(id string) *Integration {
	for i := range c.Integrations {
		if c.Integrations[i].ID == id {
			return &c.Integrations[i]
		}
	}
	return nil
}

// Duration is a time.Duration that reads and writes as a Go duration
// string ("90s", "5m") in JSON, so the file stays readable.
type Duration struct{ time.Duration }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "90s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"90s\" or \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: write it like \"90s\", \"5m\" or \"1h30m\"", s)
	}
	d.Duration = v
	return nil
}
