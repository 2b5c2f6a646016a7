package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

func entryPath(id string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents", id+".plist"), nil
}

func enable(app App) error {
	path, err := entryPath(app.ID)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, launchAgent(app))
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
	return launchAgentEnabled(data), nil
}
