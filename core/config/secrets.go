package config

import (
	"context"
	"errors"
	"fmt"
)

// SecretStore keeps secrets outside the configuration, in the OS keyring.
// platform/keyring's *Store implements it; tests may use an in-memory map.
//
// Get of a key that has no secret must return an error that has a
// NotFound() bool method reporting true (as platform/keyring's errors do),
// so this package can tell "not set yet" from "keyring unavailable"
// without importing the implementation.
type SecretStore interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, secret string) error
	Delete(ctx context.Context, key string) error
}

// SecretKind names one secret of an integration.
type SecretKind string

// Secret kinds.
const (
	// SecretPassword is the EWS service account's password.
	SecretPassword SecretKind = "password"
	// SecretClientSecret is a Graph app's client secret.
	SecretClientSecret SecretKind = "client-secret"
	// SecretCertificateKey is the PEM private key of a Graph app's
	// certificate; the certificate itself is a file (Graph.CertificatePath).
	SecretCertificateKey SecretKind = "certificate-key"
)

// SMTPPasswordKey is the keyring key of the hub's SMTP password, which
// belongs to the hub rather than to an integration.
const SMTPPasswordKey = "hub/smtp/password"

// SecretKey returns the keyring key of an integration's secret, e.g.
// "integration/contoso-onprem/password". Validate keeps integration IDs to
// lower-case letters, digits and '-', so keys never collide or nest.
func SecretKey(integrationID string, kind SecretKind) string {
	return "integration/" + integrationID + "/" + string(kind)
}

// RequiredSecrets returns the kinds of secret the integration needs in
// the keyring with its current settings, or nil when its settings do not
// say (unknown kind, no credential chosen yet).
func (in *Integration) RequiredSecrets() []SecretKind {
	switch in.Kind {
	case KindEWS:
		return []SecretKind{SecretPassword}
	case KindGraph:
		if in.Graph == nil {
			return nil
		}
		switch in.Graph.Credential {
		case CredentialSecret:
			return []SecretKind{SecretClientSecret}
		case CredentialCertificate:
			return []SecretKind{SecretCertificateKey}
		}
	}
	return nil
}

// SetSecret stores one secret of an integration. It refuses an invalid
// integration ID, an unknown kind and an empty secret before touching the
// store; store errors are wrapped with the integration and kind, never
// the secret.
func SetSecret(ctx context.Context, store SecretStore, integrationID string, kind SecretKind, secret string) error {
	switch {
	case len(integrationID) > MaxIDLen || !idPattern.MatchString(integrationID):
		return fmt.Errorf("set secret: integration ID %q: use lower-case letters, digits and '-'", integrationID)
	case secretNoun(kind) == string(kind):
		return fmt.Errorf("set secret: unknown secret kind %q", kind)
	case secret == "":
		return fmt.Errorf("set %s of integration %s: the secret is empty", secretNoun(kind), integrationID)
	}
	if err := store.Set(ctx, SecretKey(integrationID, kind), secret); err != nil {
		return fmt.Errorf("set %s of integration %s: %w", secretNoun(kind), integrationID, err)
	}
	return nil
}

// IsSecretNotFound reports whether err, from a SecretStore, means the key
// has no secret.
func IsSecretNotFound(err error) bool {
	var nf interface{ NotFound() bool }
	return errors.As(err, &nf) && nf.NotFound()
}

// MissingSecrets checks that every enabled integration's secrets are in
// store. Missing ones come back as field-level errors on the integration;
// any other failure (keyring unavailable or locked) is returned as err,
// because it says nothing about the configuration itself.
func MissingSecrets(ctx context.Context, store SecretStore, c *Config) (Errors, error) {
	var errs Errors
	for i := range c.Integrations {
		in := &c.Integrations[i]
		if in.Disabled {
			continue
		}
		for _, kind := range in.RequiredSecrets() {
			_, err := store.Get(ctx, SecretKey(in.ID, kind))
			switch {
			case err == nil:
			case IsSecretNotFound(err):
				errs = append(errs, FieldError{
					Field:   fmt.Sprintf("integrations[%d]", i),
					Message: fmt.Sprintf("the %s of %q is not in the OS keyring; set it with `roomboard config integration add` or in the console", secretNoun(kind), in.Name),
				})
			default:
				return errs, fmt.Errorf("read %s of integration %s: %w", kind, in.ID, err)
			}
		}
	}
	return errs, nil
}

// DeleteSecrets removes every kind of secret an integration may have had,
// for when it is removed or its credential kind changes. Secrets that are
// not there are not an error.
func DeleteSecrets(ctx context.Context, store SecretStore, integrationID string) error {
	for _, kind := range []SecretKind{SecretPassword, SecretClientSecret, SecretCertificateKey} {
		if err := store.Delete(ctx, SecretKey(integrationID, kind)); err != nil && !IsSecretNotFound(err) {
			return fmt.Errorf("delete %s of integration %s: %w", kind, integrationID, err)
		}
	}
	return nil
}

func secretNoun(k SecretKind) string {
	switch k {
	case SecretPassword:
		return "service account password"
	case SecretClientSecret:
		return "client secret"
	case SecretCertificateKey:
		return "certificate private key"
	}
	return string(k)
}
