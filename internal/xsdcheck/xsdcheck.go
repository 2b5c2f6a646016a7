// Package xsdcheck validates EWS SOAP documents against Microsoft's schema
// (the shared ews-schema folder beside the repository) with xmllint.
//
// Go has no XSD validator, so this shells out; it is meant for tests and for
// the simulator's strict mode, not for production request paths.
package xsdcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EnvDir names an environment variable that overrides where the schema
// folder is looked for.
const EnvDir = "ROOMBOARD_EWS_SCHEMA"

// ErrUnavailable means xmllint or the schema folder could not be found.
var ErrUnavailable = errors.New("xsdcheck: xmllint or ews-schema unavailable")

// Dir returns the ews-schema folder: $ROOMBOARD_EWS_SCHEMA, or
// shared/ews-schema next to any parent of the working directory.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, c := range []string{filepath.Join(d, "shared", "ews-schema"), filepath.Join(d, "..", "shared", "ews-schema")} {
			if _, err := os.Stat(filepath.Join(c, "ews-envelope.xsd")); err == nil {
				return filepath.Clean(c), nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no shared/ews-schema above %s", ErrUnavailable, wd)
		}
	}
}

// Available reports whether validation can run.
func Available() error {
	if _, err := exec.LookPath("xmllint"); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	_, err := Dir()
	return err
}

// Envelope validates a whole SOAP 1.1 envelope carrying EWS.
func Envelope(doc []byte) error { return validate("ews-envelope.xsd", doc) }

// Body validates a bare EWS element (as found inside soap:Body).
func Body(doc []byte) error { return validate("ews-body.xsd", doc) }

// InvalidError carries xmllint's diagnostics for a document that does not
// validate.
type InvalidError struct{ Output string }

func (e *InvalidError) Error() string { return "xsdcheck: invalid: " + e.Output }

func validate(schema string, doc []byte) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xmllint", "--noout", "--nonet", "--schema", schema, "-")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(doc)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && (ee.ExitCode() == 1 || ee.ExitCode() == 3 || ee.ExitCode() == 4) {
		return &InvalidError{Output: strings.TrimSpace(out.String())}
	}
	return fmt.Errorf("xsdcheck: xmllint: %v: %s", err, strings.TrimSpace(out.String()))
}

// TB is the part of testing.TB that Require uses; it keeps this package
// free of the testing import.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Require skips the test when validation is unavailable on a developer
// machine, and fails it under CI (CI set), where skipping would hide a
// missing install step.
func Require(t TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("schema validation required in CI: %v", err)
		}
		t.Skipf("schema validation unavailable: %v", err)
	}
}
