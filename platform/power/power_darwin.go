package power

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// keepAwake runs caffeinate: -d prevents display sleep (which implies
// idle sleep), -w makes it exit with our process even if we crash.
func keepAwake(ctx context.Context) (func(), error) {
	cmd := exec.Command("/usr/bin/caffeinate", "-d", "-w", strconv.Itoa(os.Getpid()))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: caffeinate: %v", ErrUnsupported, err)
	}
	return func() {
		cmd.Process.Kill()
		cmd.Wait()
	}, nil
}
