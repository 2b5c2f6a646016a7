//go:build !windows && !darwin && !linux && !dragonfly && !freebsd && !netbsd && !openbsd

package power

import (
	"context"
	"fmt"
	"runtime"
)

func keepAwake(context.Context) (func(), error) {
	return nil, fmt.Errorf("%w: not implemented on %s", ErrUnsupported, runtime.GOOS)
}
