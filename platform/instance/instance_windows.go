package instance

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/windows"
)

func acquire(name string) (func(), error) {
	// Local\ scopes the mutex to the logon session: two people on one
	// terminal server may each run a console.
	full := `Local\Roomboard-` + name
	p, err := windows.UTF16PtrFromString(full)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	h, err := windows.CreateMutex(nil, false, p)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		// CreateMutex returns a handle to the existing mutex too; holding
		// it would keep that mutex alive after its owner exits.
		if h != 0 {
			windows.CloseHandle(h)
		}
		return nil, fmt.Errorf("%w (mutex %s exists)", ErrRunning, full)
	}
	if err != nil {
		// ERROR_ACCESS_DENIED: a mutex of that name made by another
		// user (for example an elevated process) exists.
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return nil, fmt.Errorf("%w (mutex %s exists and belongs to another user)", ErrRunning, full)
		}
		return nil, fmt.Errorf("instance: CreateMutex %s: %w", full, err)
	}
	var once sync.Once
	return func() { once.Do(func() { windows.CloseHandle(h) }) }, nil
}
