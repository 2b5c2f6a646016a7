package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// MaxFileSize bounds what Load reads. A real configuration with hundreds
// of selected rooms is a few tens of KiB.
const MaxFileSize = 1 << 20

// ErrTooLarge means the configuration is larger than MaxFileSize.
var ErrTooLarge = errors.New("config: file larger than 1 MiB")

// FileError is a configuration file Roomboard cannot use. The file itself
// is left exactly as it was.
type FileError struct {
	Path string
	// Line and Column locate a syntax or type error (1-based), or are 0.
	Line, Column int
	// Field names the offending JSON field when there is one: an unknown
	// field, or a value of the wrong type ("integrations.ews.impersonation").
	Field string
	// Err says what is wrong.
	Err error
}

// Error says which file, where, and what is wrong.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// Load reads the configuration at path. It checks the syntax and the
// version, rejects unknown fields and files over MaxFileSize, and fills
// fields the file leaves out with their defaults; it does not Validate. A
// missing file gives an error matching fs.ErrNotExist; anything else the
// file cannot be used for gives a *FileError. Field names match
// case-insensitively, as encoding/json does; Save writes the canonical
// spelling.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	c, err := Parse(data)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.Path = path
		}
		return nil, err
	}
	return c, nil
}

// Parse decodes a configuration from JSON, with the checks of Load.
// Errors are *FileError without a Path.
func Parse(data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, &FileError{Err: ErrTooLarge}
	}
	c := Default()
	c.Version = 0 // a file must say which version it is
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, decodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, dec.InputOffset())
		return nil, &FileError{Line: line, Column: col, Err: errors.New("unexpected data after the configuration object")}
	}
	switch {
	case c.Version == 0:
		return nil, &FileError{Field: "version", Err: fmt.Errorf("no \"version\" field; this is not a Roomboard configuration file")}
	case c.Version > Version:
		return nil, &FileError{Field: "version", Err: fmt.Errorf("version %d was written by a newer Roomboard (this one reads version %d); upgrade Roomboard", c.Version, Version)}
	case c.Version < 0:
		return nil, &FileError{Field: "version", Err: fmt.Errorf("version %d is not valid", c.Version)}
	}
	if c.Integrations == nil {
		c.Integrations = []Integration{}
	}
	return c, nil
}

// secretFieldNames are JSON names someone might use to put a secret into
// the file by hand; the unknown-field error then says where it belongs.
var secretFieldNames = []string{"password", "secret", "clientsecret", "key", "privatekey", "token", "apikey"}

func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return &FileError{Line: line, Column: col, Err: fmt.Errorf("not valid JSON: %v", syn)}
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		what := fmt.Sprintf("field %q", typ.Field)
		if typ.Field == "" {
			what = "the file"
		}
		return &FileError{Line: line, Column: col, Field: typ.Field,
			Err: fmt.Errorf("%s must be a JSON %s, not %s", what, jsonKind(typ.Type.Kind().String()), typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FileError{Err: errors.New("file is empty or cut short; restore it from a backup or re-create the settings")}
	}
	// encoding/json reports unknown fields only by message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		msg := fmt.Sprintf("unknown field %q; remove it or check its spelling", name)
		if isSecretName(name) {
			msg = fmt.Sprintf("unknown field %q: secrets are never stored in this file; remove it and store the secret with `roomboard config` (it goes into the OS keyring)", name)
		}
		return &FileError{Field: name, Err: errors.New(msg)}
	}
	return &FileError{Err: err}
}

func isSecretName(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	for _, s := range secretFieldNames {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "boolean (true or false)"
	case "string":
		return "string"
	case "slice":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// position turns the offsets encoding/json reports ("after reading off
// bytes") into the 1-based line and column of the last byte read: the
// offending character of a syntax error, the end of a mistyped value.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off > 0 {
		off--
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// Marshal encodes c as the indented JSON Save writes.
func Marshal(c *Config) ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return append(b, '\n'), nil
}

// Save validates c and writes it to path atomically: a temporary file in
// the same directory, written, synced, given mode 0600 and renamed over
// path. A crash or a full disk leaves the old file intact. An invalid c
// returns its Errors and writes nothing.
func Save(path string, c *Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	if len(data) > MaxFileSize {
		return &FileError{Path: path, Err: ErrTooLarge}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it independent of that
	// detail. On Windows the mode is ignored and the directory's ACL
	// (platform/paths) protects the file.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("config: save: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	ok = true
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable. Windows cannot open a directory for
// syncing, and a failure here does not undo the save, so errors are
// ignored.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
