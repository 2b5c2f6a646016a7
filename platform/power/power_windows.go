package power

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sys/windows"
)

// Flags of SetThreadExecutionState (winbase.h).
const (
	esSystemRequired  = 0x00000001
	esDisplayRequired = 0x00000002
	esContinuous      = 0x80000000
)

var procSetThreadExecutionState = windows.NewLazySystemDLL("kernel32.dll").NewProc("SetThreadExecutionState")

// keepAwake sets the execution state on a thread of its own and clears it
// there again: Windows ties the state to the thread that set it.
func keepAwake(ctx context.Context) (func(), error) {
	if err := procSetThreadExecutionState.Find(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	started := make(chan error, 1)
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		runtime.LockOSThread()
		// The thread stays locked until the state is cleared, so no other
		// goroutine inherits it in between.
		defer runtime.UnlockOSThread()
		prev, _, err := procSetThreadExecutionState.Call(esContinuous | esDisplayRequired | esSystemRequired)
		if prev == 0 {
			started <- fmt.Errorf("%w: SetThreadExecutionState: %v", ErrUnsupported, err)
			return
		}
		started <- nil
		<-stop
		procSetThreadExecutionState.Call(esContinuous)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return func() {
		close(stop)
		<-stopped
	}, nil
}
