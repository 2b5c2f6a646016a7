package config_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/config"
	"github.com/roomboard/roomboard/platform/keyring"
)

// platform/keyring is the production SecretStore.
var _ config.SecretStore = (*keyring.Store)(nil)

func TestSecretKey(t *testing.T) {
	got := []string{
		config.SecretKey("taipei-onprem", config.SecretPassword),
		config.SecretKey("muenchen-online", config.SecretClientSecret),
		config.SecretKey("beijing-online", config.SecretCertificateKey),
	}
	want := []string{
		"integration/taipei-onprem/password",
		"integration/muenchen-online/client-secret",
		"integration/beijing-online/certificate-key",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SecretKey (-want +got):\n%s", diff)
	}
}

func TestRequiredSecrets(t *testing.T) {
	tests := []struct {
		in   config.Integration
		want []config.SecretKind
	}{
		{config.Integration{Kind: config.KindEWS}, []config.SecretKind{config.SecretPassword}},
		{config.Integration{Kind: config.KindGraph, Graph: &config.Graph{Credential: config.CredentialSecret}}, []config.SecretKind{config.SecretClientSecret}},
		{config.Integration{Kind: config.KindGraph, Graph: &config.Graph{Credential: config.CredentialCertificate}}, []config.SecretKind{config.SecretCertificateKey}},
		{config.Integration{Kind: config.KindGraph}, nil},
		{config.Integration{Kind: "imap"}, nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, tc.in.RequiredSecrets()); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestConfigNeverHoldsSecrets stores an integration's secrets through the
// keyring, saves and reloads the configuration, and scans everything on
// disk for them.
func TestConfigNeverHoldsSecrets(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	store := keyring.New()
	dir := t.TempDir()
	path := filepath.Join(dir, "roomboard.json")

	c := config.Default()
	c.Integrations = append(c.Integrations, config.Integration{
		ID: "zuerich-onprem", Name: "Zentrale Zürich", Kind: config.KindEWS,
		EWS: &config.EWS{ServerURL: "https://mail.contoso.ch/EWS/Exchange.asmx", Auth: config.AuthNTLM, Username: `CONTOSO\svc-roomboard`},
		Scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll}, Equipment: config.Selection{Mode: config.SelectAll},
			Users: config.UserScope{Mode: config.UsersNone}},
	}, config.Integration{
		ID: "beijing-online", Name: "北京办公室", Kind: config.KindGraph,
		Graph: &config.Graph{Cloud: config.CloudChina, TenantID: "contoso.partner.onmschina.cn",
			AppID: "6f1c2a9e-4b7d-4c1e-9a3f-2d8b5e7c0a14", Credential: config.CredentialCertificate, CertificatePath: "/etc/roomboard/app.pem"},
		Scope: config.Scope{Rooms: config.Selection{Mode: config.SelectAll}, Equipment: config.Selection{Mode: config.SelectAll},
			Users: config.UserScope{Mode: config.UsersAll}},
	})
	// Test values, not real secrets.
	secrets := map[string]string{
		"zuerich-onprem": "Passwort-Prüfung-Ä1",
		"beijing-online": "-----BEGIN PRIVATE KEY-----\n测试密钥-not-a-real-key\n-----END PRIVATE KEY-----\n",
	}
	for i := range c.Integrations {
		in := &c.Integrations[i]
		for _, kind := range in.RequiredSecrets() {
			if err := config.SetSecret(ctx, store, in.ID, kind, secrets[in.ID]); err != nil {
				t.Fatalf("SetSecret %s: %v", in.ID, err)
			}
		}
	}
	if err := config.Save(path, c); err != nil {
		t.Fatalf("Save: %v", err)
	}
	loaded, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := config.Save(path, loaded); err != nil {
		t.Fatalf("second Save: %v", err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for id, s := range secrets {
			if bytes.Contains(data, []byte(s)) || bytes.Contains(data, []byte("测试密钥")) {
				t.Errorf("%s contains the secret of %s", e.Name(), id)
			}
		}
	}
	// The secrets are still where they belong.
	got, err := store.Get(ctx, config.SecretKey("zuerich-onprem", config.SecretPassword))
	if err != nil || got != secrets["zuerich-onprem"] {
		t.Errorf("keyring lost the password: %q, %v", got, err)
	}
}

func TestSetSecretChecks(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	store := keyring.New()
	tests := []struct {
		name, id string
		kind     config.SecretKind
		secret   string
	}{
		{"bad id", "Taipei/1", config.SecretPassword, "x"},
		{"unknown kind", "taipei", "pin", "x"},
		{"empty secret", "taipei", config.SecretPassword, ""},
	}
	for _, tc := range tests {
		if err := config.SetSecret(ctx, store, tc.id, tc.kind, tc.secret); err == nil {
			t.Errorf("%s: SetSecret succeeded", tc.name)
		}
	}
	// A keyring failure is passed on, classified, with the integration
	// named and the secret not.
	keyring.MockInitWithError(errors.New("dbus: couldn't determine address of session bus"))
	err := config.SetSecret(ctx, store, "taipei", config.SecretPassword, "Geheim-密碼")
	if !errors.Is(err, keyring.ErrUnavailable) {
		t.Errorf("SetSecret with no keyring: %v, want ErrUnavailable", err)
	}
	if err != nil && bytes.Contains([]byte(err.Error()), []byte("Geheim")) {
		t.Errorf("error repeats the secret: %v", err)
	}
}

func TestDeleteSecrets(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	store := keyring.New()
	if err := config.SetSecret(ctx, store, "taipei", config.SecretPassword, "x"); err != nil {
		t.Fatal(err)
	}
	if err := config.SetSecret(ctx, store, "other", config.SecretPassword, "y"); err != nil {
		t.Fatal(err)
	}
	// Only the password exists; the missing client secret and key are not
	// errors.
	if err := config.DeleteSecrets(ctx, store, "taipei"); err != nil {
		t.Fatalf("DeleteSecrets: %v", err)
	}
	_, err := store.Get(ctx, config.SecretKey("taipei", config.SecretPassword))
	if !config.IsSecretNotFound(err) {
		t.Errorf("password still there: %v", err)
	}
	if _, err := store.Get(ctx, config.SecretKey("other", config.SecretPassword)); err != nil {
		t.Errorf("DeleteSecrets removed another integration's secret: %v", err)
	}

	keyring.MockInitWithError(errors.New("dbus: couldn't determine address of session bus"))
	if err := config.DeleteSecrets(ctx, store, "taipei"); !errors.Is(err, keyring.ErrUnavailable) {
		t.Errorf("DeleteSecrets with no keyring: %v, want ErrUnavailable", err)
	}
}

func TestIsSecretNotFound(t *testing.T) {
	keyring.MockInit()
	_, err := keyring.New().Get(context.Background(), "integration/none/password")
	if !config.IsSecretNotFound(err) {
		t.Errorf("IsSecretNotFound(%v) = false", err)
	}
	for _, e := range []error{nil, errors.New("secret not found"), context.Canceled} {
		if config.IsSecretNotFound(e) {
			t.Errorf("IsSecretNotFound(%v) = true", e)
		}
	}
}

func TestMissingSecrets(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	store := keyring.New()
	c := config.Default()
	c.Integrations = []config.Integration{
		{ID: "zuerich-onprem", Name: "Zentrale Zürich", Kind: config.KindEWS},
		{ID: "beijing-online", Name: "北京办公室", Kind: config.KindGraph, Graph: &config.Graph{Credential: config.CredentialSecret}},
		{ID: "alt", Name: "Alt", Kind: config.KindEWS, Disabled: true},
	}
	if err := config.SetSecret(ctx, store, "zuerich-onprem", config.SecretPassword, "x"); err != nil {
		t.Fatal(err)
	}
	errs, err := config.MissingSecrets(ctx, store, c)
	if err != nil {
		t.Fatalf("MissingSecrets: %v", err)
	}
	if len(errs) != 1 || errs[0].Field != "integrations[1]" || !strings.Contains(errs[0].Message, "client secret") {
		t.Errorf("MissingSecrets = %v, want one client-secret error on integrations[1]", errs)
	}

	keyring.MockInitWithError(errors.New("dbus: couldn't determine address of session bus"))
	if _, err := config.MissingSecrets(ctx, store, c); !errors.Is(err, keyring.ErrUnavailable) {
		t.Errorf("MissingSecrets with no keyring: %v, want ErrUnavailable", err)
	}
}
