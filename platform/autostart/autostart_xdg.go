//go:build linux || dragonfly || freebsd || netbsd || openbsd

package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// entryPath is $XDG_CONFIG_HOME/autostart/<id>.desktop. The XDG Base
// Directory spec says a relative XDG_CONFIG_HOME is invalid and must be
// ignored.
func entryPath(id string) (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", id+".desktop"), nil
}

func enable(app App) error {
	path, err := entryPath(app.ID)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, desktopEntry(app))
}

func disable(id string) error {
	path, err := entryPath(id)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func enabled(id string) (bool, error) {
	path, err := entryPath(id)
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return desktopEnabled(data), nil
}
