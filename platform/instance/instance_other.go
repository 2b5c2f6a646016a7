//go:build !windows && !darwin && !dragonfly && !freebsd && !linux && !netbsd && !openbsd

package instance

import (
	"fmt"
	"runtime"
)

func acquire(string) (func(), error) {
	return nil, fmt.Errorf("%w (%s)", ErrUnsupported, runtime.GOOS)
}
