package kiosk

import (
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// bridge moves work from other goroutines (hub callbacks, clock ticks,
// finished actions) onto the UI goroutine. It is the only code in the
// package that calls fyne.Do.
//
// States are coalesced: a burst of updates while the UI is busy schedules
// one UI call that applies the newest State, so a chatty hub can neither
// queue unbounded work nor make the screen lag behind.
type bridge struct {
	// do runs f on the UI goroutine; run starts f in the background. Tests
	// replace both to run everything on the test goroutine.
	do  func(f func())
	run func(f func())

	latest  atomic.Pointer[State]
	pending atomic.Bool

	mu     sync.Mutex
	closed bool
}

func newBridge() *bridge {
	return &bridge{do: fyne.Do, run: func(f func()) { go f() }}
}

// state hands s to apply on the UI goroutine, dropping older States that
// have not been applied yet.
func (b *bridge) state(s State, apply func(State)) {
	b.latest.Store(&s)
	if b.pending.Swap(true) {
		return // a scheduled call will pick up s
	}
	b.ui(func() {
		b.pending.Store(false)
		if p := b.latest.Load(); p != nil {
			apply(*p)
		}
	})
}

// ui runs f on the UI goroutine unless the bridge was closed.
func (b *bridge) ui(f func()) {
	if b.isClosed() {
		return
	}
	b.do(func() {
		if !b.isClosed() {
			f()
		}
	})
}

// background runs f off the UI goroutine (an action waiting for the hub).
func (b *bridge) background(f func()) { b.run(f) }

func (b *bridge) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.latest.Store(nil)
}

func (b *bridge) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}
