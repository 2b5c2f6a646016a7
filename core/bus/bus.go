// Package bus is Roomboard's typed, in-process publish/subscribe hub: the
// syncer publishes what changed (a room's bookings, a mailbox's health) and
// the server, the text board and the UI bridges subscribe to the types they
// care about.
//
// Publishing never blocks. Every subscription owns a bounded buffer; a
// subscriber that keeps up receives every event in order. When one falls
// behind and its buffer is full, the pending events are coalesced rather than
// the publisher being made to wait. A type that
// implements [Keyed] (for example a RoomChanged keyed by room ID) keeps only
// the latest value per key, because the newest state of a room supersedes
// every older one. Values without a key keep the newest events and the
// oldest are dropped. Each subscription counts what it lost in Dropped, so a
// consumer that needs the full picture knows to re-read it from the store.
//
// The bus deliberately does not:
//   - persist anything: events that are pending when a subscription or the
//     bus closes are discarded, and the store remains the source of truth;
//   - deliver across processes: the hub's HTTP/WebSocket API does that;
//   - apply back-pressure: a slow subscriber loses (coalesced) events and
//     never slows the publisher or any other subscriber;
//   - match by interface or hierarchy: an event of type T reaches exactly
//     the subscriptions made with Subscribe[T].
//
// Each subscription runs one goroutine that hands its pending events to the
// Events channel one at a time, like tailscale's eventbus. The goroutine
// holds at most one event beyond the buffer (the one it is offering), and
// Close stops it and waits for it, so a closed subscription leaves nothing
// running.
package bus

import (
	"reflect"
	"sync"
)

// DefaultBuffer is the number of pending events a subscription holds before
// it starts coalescing, unless WithBuffer says otherwise.
const DefaultBuffer = 64

// Keyed is implemented by event types whose pending values may be coalesced:
// when a subscriber's buffer overflows, only the latest pending value for
// each CoalesceKey survives, at the position where that key first arrived.
// For a subscription to an interface type the check is made per value.
type Keyed interface {
	CoalesceKey() string
}

// Bus routes published values to the subscriptions of their type. The zero
// value is not usable; call New. A Bus is safe for concurrent use.
type Bus struct {
	mu     sync.RWMutex
	closed bool
	// topics maps an event type to its subscriptions. The slices are
	// copy-on-write so Publish can iterate one without holding mu while it
	// delivers.
	topics map[reflect.Type][]subscriber
}

// subscriber lets the Bus close subscriptions of every type.
type subscriber interface {
	shutdown()
}

// New returns an open Bus with no subscriptions.
func New() *Bus {
	return &Bus{topics: make(map[reflect.Type][]subscriber)}
}

// Close closes every subscription, discarding the events still pending in
// them, and turns later Publish calls into no-ops. Subscribe after Close
// returns an already closed subscription. Close is idempotent.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	topics := b.topics
	b.topics = nil
	b.mu.Unlock()

	for _, subs := range topics {
		for _, s := range subs {
			s.shutdown()
		}
	}
	// Every subscription's goroutine has exited here: shutdown waits.
}

// Option configures a subscription.
type Option func(*options)

type options struct {
	buffer int
}

// WithBuffer sets how many pending events a subscription holds before it
// coalesces. Values below 1 are raised to 1, the smallest buffer that still
// keeps the newest event.
func WithBuffer(n int) Option {
	return func(o *options) { o.buffer = max(n, 1) }
}

// Subscription receives the events of one type published on a Bus. It is
// safe for concurrent use.
type Subscription[T any] struct {
	bus *Bus
	ch  chan T // unbuffered: the pending events wait in q, where they can coalesce

	wake   chan struct{} // capacity 1: "q may have grown"
	done   chan struct{} // closed by shutdown
	exited chan struct{} // closed when run returns

	mu      sync.Mutex
	closed  bool      // guarded by mu
	q       *queue[T] // guarded by mu
	dropped uint64    // guarded by mu
}

// Subscribe returns a subscription to values of type T published on b from
// now on. The caller must Close it (or the bus) when done: until then it
// keeps a goroutine and a buffer.
func Subscribe[T any](b *Bus, opts ...Option) *Subscription[T] {
	o := options{buffer: DefaultBuffer}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Subscription[T]{
		bus:    b,
		ch:     make(chan T),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
		q:      newQueue[T](o.buffer),
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.closed = true
		close(s.done)
		close(s.ch)
		close(s.exited)
		return s
	}
	t := reflect.TypeFor[T]()
	old := b.topics[t]
	subs := make([]subscriber, len(old), len(old)+1)
	copy(subs, old)
	b.topics[t] = append(subs, s)
	go s.run()
	return s
}

// Publish delivers v to every open subscription of type T on b without
// blocking. A subscription whose buffer is full coalesces its pending events
// (see Keyed) and counts the events it loses in Dropped. Events from one
// goroutine reach each subscriber in the order they were published, except
// that coalescing moves a key's latest value to where that key first
// arrived. Publish on a closed or nil Bus does nothing.
func Publish[T any](b *Bus, v T) {
	if b == nil {
		return
	}
	b.mu.RLock()
	subs := b.topics[reflect.TypeFor[T]()]
	b.mu.RUnlock()
	for _, s := range subs {
		s.(*Subscription[T]).send(v)
	}
}

// Events returns the channel the subscription's events arrive on. It is
// closed by Close and by the Bus's Close.
func (s *Subscription[T]) Events() <-chan T {
	return s.ch
}

// Dropped reports how many events this subscription will never deliver
// because its buffer overflowed, whether superseded by a newer value with
// the same key or evicted as the oldest.
func (s *Subscription[T]) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close detaches the subscription from its bus, discards any pending events,
// stops its goroutine and closes the Events channel. Close is idempotent.
func (s *Subscription[T]) Close() {
	b := s.bus
	b.mu.Lock()
	t := reflect.TypeFor[T]()
	if old := b.topics[t]; len(old) > 0 {
		subs := make([]subscriber, 0, len(old))
		for _, o := range old {
			if o != subscriber(s) {
				subs = append(subs, o)
			}
		}
		if len(subs) == 0 {
			delete(b.topics, t)
		} else {
			b.topics[t] = subs
		}
	}
	b.mu.Unlock()
	s.shutdown()
}

// shutdown stops delivery and waits for run to return. run never blocks
// without also watching done, so the wait is short.
func (s *Subscription[T]) shutdown() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.q.reset()
		close(s.done)
	}
	s.mu.Unlock()
	<-s.exited
}

// send queues v and wakes run. It never blocks beyond the short critical
// section shared with run and other publishers.
func (s *Subscription[T]) send(v T) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.dropped += uint64(s.q.push(v))
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// run moves events from the queue to the Events channel, oldest first,
// until shutdown. Taking only from the head keeps each subscriber's order.
func (s *Subscription[T]) run() {
	defer close(s.exited)
	defer close(s.ch)
	for {
		v, ok := s.next()
		if !ok {
			return
		}
		select {
		case s.ch <- v:
		case <-s.done:
			return
		}
	}
}

// next waits for the oldest pending event; ok is false after shutdown.
func (s *Subscription[T]) next() (v T, ok bool) {
	for {
		s.mu.Lock()
		if s.q.len() > 0 {
			v = s.q.pop()
			s.mu.Unlock()
			return v, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-s.done:
			return v, false
		}
	}
}
