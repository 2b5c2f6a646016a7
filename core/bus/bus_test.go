package bus_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/bus"
)

// roomChanged is keyed by room, like the syncer's real event.
type roomChanged struct {
	Room    string
	Version int
}

func (e roomChanged) CoalesceKey() string { return e.Room }

// tick has no key, so overflow keeps the newest ticks.
type tick struct{ N int }

func rc(room string, version int) roomChanged { return roomChanged{room, version} }

// received collects what s delivers until it has nothing more to give. It
// must run inside a synctest bubble: synctest.Wait returns once the
// subscription's goroutine is blocked, either offering an event or waiting
// for one, so "nothing ready" really means "nothing pending".
func received[T any](s *bus.Subscription[T]) []T {
	var out []T
	for {
		synctest.Wait()
		select {
		case v, ok := <-s.Events():
			if !ok {
				return out
			}
			out = append(out, v)
		default:
			return out
		}
	}
}

// publishSettled publishes each value and lets the subscriptions' goroutines
// settle in between, so the first event is the one in hand and the rest
// queue up, the same way every run.
func publishSettled[T any](b *bus.Bus, vs ...T) {
	for _, v := range vs {
		bus.Publish(b, v)
		synctest.Wait()
	}
}

func TestSubscriptionCoalesces(t *testing.T) {
	tests := []struct {
		name        string
		buffer      int
		publish     []roomChanged
		want        []roomChanged
		wantDropped uint64
	}{
		{
			name:    "room versions within the buffer all arrive",
			buffer:  3,
			publish: []roomChanged{rc("raum-müller", 1), rc("raum-müller", 2), rc("會議室-3", 1), rc("會議室-3", 2)},
			want:    []roomChanged{rc("raum-müller", 1), rc("raum-müller", 2), rc("會議室-3", 1), rc("會議室-3", 2)},
		},
		{
			// raum-müller v1 is already in hand; the buffer then holds
			// 会议室-北 v1 and raum-müller v2, and overflow coalesces.
			name:   "latest per key wins once behind",
			buffer: 2,
			publish: []roomChanged{
				rc("raum-müller", 1), rc("会议室-北", 1), rc("raum-müller", 2),
				rc("会议室-北", 2), rc("raum-müller", 3), rc("会议室-北", 3),
			},
			want:        []roomChanged{rc("raum-müller", 1), rc("会议室-北", 3), rc("raum-müller", 3)},
			wantDropped: 3,
		},
		{
			name:        "WithBuffer below one still keeps the newest",
			buffer:      0,
			publish:     []roomChanged{rc("a", 1), rc("b", 1), rc("c", 1)},
			want:        []roomChanged{rc("a", 1), rc("c", 1)},
			wantDropped: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := bus.New()
				defer b.Close()
				sub := bus.Subscribe[roomChanged](b, bus.WithBuffer(tc.buffer))
				publishSettled(b, tc.publish...)
				if diff := cmp.Diff(tc.want, received(sub)); diff != "" {
					t.Errorf("received (-want +got):\n%s", diff)
				}
				if got := sub.Dropped(); got != tc.wantDropped {
					t.Errorf("Dropped() = %d, want %d", got, tc.wantDropped)
				}
			})
		})
	}
}

// TestOrderingPerSubscriber runs a live reader against small buffers so
// overflow happens while it reads, and checks order and accounting.
func TestOrderingPerSubscriber(t *testing.T) {
	const total = 20000
	for _, buffer := range []int{total, 8, 1} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			b := bus.New()
			defer b.Close()
			sub := bus.Subscribe[tick](b, bus.WithBuffer(buffer))
			got := make(chan []int)
			go func() {
				var seen []int
				// The newest event is never dropped, so reading up to it
				// ends deterministically.
				for e := range sub.Events() {
					seen = append(seen, e.N)
					if e.N == total-1 {
						break
					}
				}
				got <- seen
			}()
			for i := range total {
				bus.Publish(b, tick{i})
			}
			seen := <-got
			for i := 1; i < len(seen); i++ {
				if seen[i] <= seen[i-1] {
					t.Fatalf("event %d arrived after %d", seen[i], seen[i-1])
				}
			}
			if n := uint64(len(seen)) + sub.Dropped(); n != total {
				t.Errorf("received %d + dropped %d = %d, want %d", len(seen), sub.Dropped(), n, total)
			}
			if buffer == total && len(seen) != total {
				t.Errorf("received %d events with a buffer that fits all, want %d", len(seen), total)
			}
		})
	}
}

func TestFanOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bus.New()
		defer b.Close()
		rooms := []*bus.Subscription[roomChanged]{
			bus.Subscribe[roomChanged](b), bus.Subscribe[roomChanged](b), bus.Subscribe[roomChanged](b),
		}
		ticks := bus.Subscribe[tick](b)
		ints := bus.Subscribe[int](b)
		int64s := bus.Subscribe[int64](b)

		bus.Publish(b, rc("raum-müller", 1))
		bus.Publish(b, rc("會議室-3", 1))
		bus.Publish(b, 7)

		want := []roomChanged{rc("raum-müller", 1), rc("會議室-3", 1)}
		for i, s := range rooms {
			if diff := cmp.Diff(want, received(s)); diff != "" {
				t.Errorf("room subscriber %d (-want +got):\n%s", i, diff)
			}
		}
		if got := received(ticks); len(got) != 0 {
			t.Errorf("tick subscriber got %v, want nothing", got)
		}
		if diff := cmp.Diff([]int{7}, received(ints)); diff != "" {
			t.Errorf("int subscriber (-want +got):\n%s", diff)
		}
		if got := received(int64s); len(got) != 0 {
			t.Errorf("int64 subscriber got %v: routing must use the exact type", got)
		}
	})
}

// TestSlowSubscriberDoesNotStall publishes far more than a never-reading
// subscriber can hold while another subscriber reads everything; if Publish
// blocked on the stalled one, the test would hang.
func TestSlowSubscriberDoesNotStall(t *testing.T) {
	const total, small = 10000, 16
	b := bus.New()
	defer b.Close()
	stalled := bus.Subscribe[tick](b, bus.WithBuffer(small))
	reader := bus.Subscribe[tick](b, bus.WithBuffer(total))

	got := make(chan int)
	go func() {
		n := 0
		for e := range reader.Events() {
			if e.N != n {
				t.Errorf("reader got tick %d, want %d", e.N, n)
			}
			n++
			if n == total {
				break
			}
		}
		got <- n
	}()
	for i := range total {
		bus.Publish(b, tick{i})
	}
	if n := <-got; n != total {
		t.Errorf("reader received %d, want %d", n, total)
	}
	if got := reader.Dropped(); got != 0 {
		t.Errorf("reader Dropped() = %d, want 0", got)
	}

	// Now read the stalled one: its goroutine may hold one early event,
	// then come the newest `small`.
	var late []int
	for e := range stalled.Events() {
		late = append(late, e.N)
		if e.N == total-1 {
			break
		}
	}
	var wantTail []int
	for i := total - small; i < total; i++ {
		wantTail = append(wantTail, i)
	}
	if len(late) < small || len(late) > small+1 {
		t.Fatalf("stalled subscriber delivered %d events, want %d or %d: %v", len(late), small, small+1, late)
	}
	if diff := cmp.Diff(wantTail, late[len(late)-small:]); diff != "" {
		t.Errorf("stalled subscriber's newest events (-want +got):\n%s", diff)
	}
	if n := uint64(len(late)) + stalled.Dropped(); n != total {
		t.Errorf("stalled received %d + dropped %d = %d, want %d", len(late), stalled.Dropped(), n, total)
	}
}

func TestPublishAfterClose(t *testing.T) {
	t.Run("bus closed", func(t *testing.T) {
		b := bus.New()
		sub := bus.Subscribe[tick](b)
		bus.Publish(b, tick{1}) // pending or in hand at Close: discarded
		bus.Publish(b, tick{2})
		b.Close()
		bus.Publish(b, tick{3})
		if v, ok := <-sub.Events(); ok {
			t.Errorf("Events() delivered %v after bus Close, want closed channel", v)
		}
		late := bus.Subscribe[tick](b)
		bus.Publish(b, tick{4})
		if v, ok := <-late.Events(); ok {
			t.Errorf("Subscribe after Close delivered %v, want closed channel", v)
		}
		late.Close()
		if got := sub.Dropped(); got != 0 {
			t.Errorf("Dropped() = %d: discarding at Close is not an overflow", got)
		}
	})
	t.Run("subscription closed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := bus.New()
			defer b.Close()
			closed := bus.Subscribe[tick](b)
			open := bus.Subscribe[tick](b)
			publishSettled(b, tick{1})
			closed.Close()
			publishSettled(b, tick{2})
			if v, ok := <-closed.Events(); ok {
				t.Errorf("closed subscription delivered %v, want closed channel", v)
			}
			if diff := cmp.Diff([]tick{{1}, {2}}, received(open)); diff != "" {
				t.Errorf("open subscription (-want +got):\n%s", diff)
			}
		})
	})
	t.Run("nil bus", func(t *testing.T) {
		bus.Publish[tick](nil, tick{1}) // must not panic
	})
}

func TestCloseIdempotent(t *testing.T) {
	b := bus.New()
	a := bus.Subscribe[tick](b)
	c := bus.Subscribe[tick](b)
	a.Close()
	a.Close()
	b.Close()
	b.Close()
	c.Close()
	for i, s := range []*bus.Subscription[tick]{a, c} {
		if _, ok := <-s.Events(); ok {
			t.Errorf("subscription %d still open", i)
		}
	}
}

// TestNoGoroutineLeaks runs everything in a synctest bubble, which fails
// the test if any goroutine started in it (the subscriptions' own, or a
// reader left hanging on an Events channel that was never closed) is still
// blocked when the bubble ends.
func TestNoGoroutineLeaks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bus.New()
		var wg sync.WaitGroup
		for i := range 50 {
			var s *bus.Subscription[roomChanged]
			switch {
			case i%5 == 0:
				s = bus.Subscribe[roomChanged](b, bus.WithBuffer(1)) // forces overflow
			default:
				s = bus.Subscribe[roomChanged](b)
			}
			if i%3 == 0 {
				continue // never read; its goroutine sits offering an event
			}
			wg.Go(func() {
				for range s.Events() {
				}
			})
			if i%7 == 0 {
				s.Close() // some leave early, on their own
			}
		}
		for i := range 1000 {
			bus.Publish(b, rc("raum-"+strconv.Itoa(i%13), i))
		}
		b.Close()
		wg.Wait()
	})
}

// pubEvent is keyed by publisher, so each publisher's last event survives
// any overflow and readers know when they have seen everything.
type pubEvent struct{ Pub, Seq int }

func (e pubEvent) CoalesceKey() string { return strconv.Itoa(e.Pub) }

// readAll reads s until it has the last event of every publisher, checking
// that each publisher's events arrive in order.
func readAll(s *bus.Subscription[pubEvent], publishers, perPub int) (n int, err error) {
	last := make([]int, publishers)
	for i := range last {
		last[i] = -1
	}
	done := 0
	for e := range s.Events() {
		n++
		if e.Seq <= last[e.Pub] {
			return n, fmt.Errorf("publisher %d: seq %d after %d", e.Pub, e.Seq, last[e.Pub])
		}
		last[e.Pub] = e.Seq
		if e.Seq == perPub-1 {
			if done++; done == publishers {
				return n, nil
			}
		}
	}
	return n, fmt.Errorf("events closed after %d, %d publishers finished", n, done)
}

// TestConcurrentPublishersAndSubscribers is the -race workout: many
// publishers, subscribers with small and large buffers, one that reads only
// after publishing ends, and subscriptions coming and going meanwhile.
func TestConcurrentPublishersAndSubscribers(t *testing.T) {
	const (
		publishers = 8
		perPub     = 2000
		readers    = 12
		total      = publishers * perPub
	)
	b := bus.New()
	defer b.Close()

	// Every buffer holds one event per publisher, so coalescing never
	// evicts a publisher's last event and readAll always ends.
	stalled := bus.Subscribe[pubEvent](b, bus.WithBuffer(publishers))
	type result struct {
		n   int
		sub *bus.Subscription[pubEvent]
		err error
	}
	results := make(chan result, readers)
	for r := range readers {
		s := bus.Subscribe[pubEvent](b, bus.WithBuffer(publishers+r*20))
		go func() {
			n, err := readAll(s, publishers, perPub)
			results <- result{n, s, err}
		}()
	}

	var churn sync.WaitGroup
	stop := make(chan struct{})
	churn.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			s := bus.Subscribe[pubEvent](b, bus.WithBuffer(2))
			bus.Publish(b, tick{}) // another type on the same bus
			s.Close()
		}
	})

	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := range perPub {
				bus.Publish(b, pubEvent{p, i})
			}
		})
	}
	pubs.Wait()
	close(stop)
	churn.Wait()

	for range readers {
		r := <-results
		if r.err != nil {
			t.Error(r.err)
			continue
		}
		if got := uint64(r.n) + r.sub.Dropped(); got != total {
			t.Errorf("received %d + dropped %d = %d, want %d", r.n, r.sub.Dropped(), got, total)
		}
	}
	n, err := readAll(stalled, publishers, perPub)
	if err != nil {
		t.Fatal(err)
	}
	if n > publishers+1 {
		t.Errorf("stalled subscriber delivered %d events, want at most one per publisher plus one in hand", n)
	}
	if got := uint64(n) + stalled.Dropped(); got != total {
		t.Errorf("stalled received %d + dropped %d = %d, want %d", n, stalled.Dropped(), got, total)
	}
}
