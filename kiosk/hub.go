package kiosk

import (
	"context"
	"sync"
	"time"

	"github.com/roomboard/roomboard/core/hubproto"
)

// State is one immutable picture of what the hub client knows
// (hubclient.State without the protocol bookkeeping). The kiosk never
// modifies a State or the slices in it; a client sends a new State for
// every change.
type State struct {
	// Rooms are the rooms the device may see, each as the hub last sent it.
	Rooms []hubproto.RoomView
	// Online is true while the client holds a live stream to the hub.
	Online bool
	// Since is when the data was last known to be current: the time of the
	// last frame or snapshot. The offline banner shows its age.
	Since time.Time
	// LastError is the client's last connection or protocol error, shown
	// in a banner; empty when there is none.
	LastError string
}

// Room returns the room with the given ID.
func (s State) Room(id string) (hubproto.RoomView, bool) {
	for _, r := range s.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return hubproto.RoomView{}, false
}

// Hub is what the kiosk needs from a hub client to act on bookings;
// *hubclient.Client satisfies it. States do not come through Hub: the
// client's Run pushes them, and its callback hands each one to a player's
// Update, which may be called from any goroutine.
type Hub interface {
	// Act sends an action and returns the hub's answer. A refusal is an
	// error that errors.As finds as a *hubproto.Error (conflict, declined,
	// forbidden, unavailable, ...); other errors mean the hub could not be
	// asked or did not answer.
	Act(ctx context.Context, req hubproto.ActionRequest) (hubproto.ActionResult, error)
}

// Clock is the kiosk's source of time, so tests run in simulated time.
type Clock interface {
	Now() time.Time
	// Every calls fn every d, from any goroutine, until stop is called.
	Every(d time.Duration, fn func()) (stop func())
	// AfterFunc calls fn once after d, from any goroutine, unless stop is
	// called first.
	AfterFunc(d time.Duration, fn func()) (stop func())
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Every runs fn on a time.Ticker in its own goroutine until stop.
func (SystemClock) Every(d time.Duration, fn func()) func() {
	t := time.NewTicker(d)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				fn()
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.Stop()
			close(done)
		})
	}
}

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, fn func()) func() {
	t := time.AfterFunc(d, fn)
	return func() { t.Stop() }
}
