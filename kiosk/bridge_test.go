package kiosk

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestBridgeCoalesces sends States from many goroutines while the UI is
// "busy" (its calls queue up) and checks that one UI call applies the
// newest State instead of one call per State.
func TestBridgeCoalesces(t *testing.T) {
	b := newBridge()
	var mu sync.Mutex
	var queue []func()
	b.do = func(f func()) {
		mu.Lock()
		queue = append(queue, f)
		mu.Unlock()
	}
	var applied []State
	apply := func(s State) { applied = append(applied, s) }
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				b.state(State{LastError: string(rune('a' + g)), Since: time.Unix(int64(i), 0)}, apply)
			}
		}()
	}
	wg.Wait()
	last := State{LastError: "z"}
	b.state(last, apply)
	mu.Lock()
	q := queue
	mu.Unlock()
	if len(q) != 1 {
		t.Fatalf("%d UI calls queued for 4001 States, want 1", len(q))
	}
	q[0]()
	if len(applied) != 1 || applied[0].LastError != "z" {
		t.Errorf("applied %v, want only the newest State", applied)
	}
	b.close()
	b.state(State{}, apply)
	if len(queue) != 1 {
		t.Error("a closed bridge still schedules UI calls")
	}
}

// TestSystemClockStops checks that stopping Every ends its goroutine.
func TestSystemClockStops(t *testing.T) {
	before := runtime.NumGoroutine()
	ticks := make(chan struct{}, 1)
	stop := SystemClock{}.Every(time.Millisecond, func() {
		select {
		case ticks <- struct{}{}:
		default:
		}
	})
	<-ticks
	stop()
	stop() // a second stop is harmless
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("goroutines: %d before, %d after stop", before, n)
	}
}
