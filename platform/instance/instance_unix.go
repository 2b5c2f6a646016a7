//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/roomboard/roomboard/platform/paths"
)

// lockDir is where lock files go; see the package documentation.
func lockDir() (string, error) {
	if h := os.Getenv(paths.EnvHome); h != "" {
		d, err := paths.Default() // validates ROOMBOARD_HOME
		return d.Data, err
	}
	if r := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(r) {
		return filepath.Join(r, "roomboard"), nil
	}
	d, err := paths.Default()
	return d.Data, err
}

func acquire(name string) (func(), error) {
	dir, err := lockDir()
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	path := filepath.Join(dir, name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	// flock locks belong to the open file description, so a second
	// Acquire in the same process fails as well, as it should.
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is locked)", ErrRunning, path)
		}
		return nil, fmt.Errorf("instance: lock %s: %w", path, err)
	}
	// The PID is for people; a failure to write it does not matter.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			flock(f, syscall.LOCK_UN)
			f.Close()
		})
	}, nil
}

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}
