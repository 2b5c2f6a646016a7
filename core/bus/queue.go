package bus

import "reflect"

// queue is a subscription's bounded FIFO of pending events. When it is full,
// push coalesces instead of growing or refusing. It is not safe for
// concurrent use; Subscription guards it with its mutex.
//
// Coalescing rebuilds the whole queue once (coalesce), which removes every
// duplicate key. From then on, while the subscriber stays behind, the queue
// keeps a key index and handles each further push in constant time. The
// index is dropped when the queue empties, so a subscriber that keeps up
// never pays for key lookups.
type queue[T any] struct {
	buf  []entry[T] // ring of len(buf) slots
	head int        // slot of the oldest entry
	n    int
	base uint64 // sequence number of the oldest entry

	// keyless records that no value of T can implement Keyed, so overflow
	// can simply drop the oldest event without looking at keys.
	keyless bool

	// indexed means no two pending entries share a key and index maps each
	// pending key to its entry's sequence number.
	indexed bool
	index   map[string]uint64

	scratch []entry[T] // reused by coalesce
}

// entry is a pending event with its coalescing key, worked out at most once
// and only when needed: calling CoalesceKey through the interface allocates.
type entry[T any] struct {
	v      T
	key    string
	known  bool // key and keyed are set
	hasKey bool
}

func (e *entry[T]) coalesceKey() (string, bool) {
	if !e.known {
		if k, ok := any(e.v).(Keyed); ok {
			e.key, e.hasKey = k.CoalesceKey(), true
		}
		e.known = true
	}
	return e.key, e.hasKey
}

func newQueue[T any](size int) *queue[T] {
	return &queue[T]{buf: make([]entry[T], size), keyless: keyless[T]()}
}

// keyless reports whether no value of type T can carry a coalescing key:
// T is a concrete type that does not implement Keyed. An interface T may
// hold keyed and unkeyed values alike, so it is decided per value.
func keyless[T any]() bool {
	t := reflect.TypeFor[T]()
	return t.Kind() != reflect.Interface && !t.Implements(reflect.TypeFor[Keyed]())
}

func (q *queue[T]) len() int { return q.n }

// at returns the entry with sequence number seq, which must be pending.
func (q *queue[T]) at(seq uint64) *entry[T] {
	return &q.buf[(q.head+int(seq-q.base))%len(q.buf)]
}

// pop removes and returns the oldest event. The queue must not be empty.
func (q *queue[T]) pop() T {
	e := q.buf[q.head]
	q.buf[q.head] = entry[T]{} // do not pin delivered values for the garbage collector
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.base++
	if q.indexed {
		if q.n == 0 {
			// Caught up: stop paying for keys until the next overflow.
			q.indexed = false
			clear(q.index)
		} else if key, ok := e.coalesceKey(); ok {
			delete(q.index, key)
		}
	}
	return e.v
}

// push appends v and reports how many events the queue lost to make room:
// superseded by a newer value with the same key, or evicted as the oldest.
// The newest event is never lost, though coalescing may move it forward to
// where its key first arrived.
func (q *queue[T]) push(v T) (lost int) {
	e := entry[T]{v: v}
	full := q.n == len(q.buf)
	switch {
	case q.keyless:
		if full {
			q.pop()
			lost = 1
		}
	case !q.indexed:
		if full {
			return q.coalesce(e)
		}
	default:
		key, ok := e.coalesceKey()
		if ok {
			if seq, dup := q.index[key]; dup {
				if full {
					q.at(seq).v = v
					return 1
				}
				// Below capacity every event is kept, so the queue
				// now has a duplicate and the index no longer fits.
				q.indexed = false
				clear(q.index)
				break
			}
		}
		if full {
			q.pop()
			lost = 1
		}
		if ok && q.indexed {
			q.index[key] = q.base + uint64(q.n)
		}
	}
	q.buf[(q.head+q.n)%len(q.buf)] = e
	q.n++
	return lost
}

// coalesce rebuilds a full queue with e appended: every key keeps only its
// latest value, at the position where the key first arrived, and if that
// still does not fit, the oldest events go. It leaves the queue indexed.
func (q *queue[T]) coalesce(e entry[T]) (lost int) {
	pending := q.scratch[:0]
	for i := range q.n {
		pending = append(pending, q.buf[(q.head+i)%len(q.buf)])
	}
	pending = append(pending, e)

	if q.index == nil {
		q.index = make(map[string]uint64)
	}
	pos := q.index      // positions in kept while rebuilding, sequence numbers after
	kept := pending[:0] // compacts in place: len(kept) never passes the read index
	for _, p := range pending {
		if key, ok := p.coalesceKey(); ok {
			if i, seen := pos[key]; seen {
				kept[i].v = p.v
				lost++
				continue
			}
			pos[key] = uint64(len(kept))
		}
		kept = append(kept, p)
	}

	over := max(len(kept)-len(q.buf), 0)
	lost += over
	for _, p := range kept[:over] {
		if key, ok := p.coalesceKey(); ok {
			delete(pos, key)
		}
	}
	kept = kept[over:]

	clear(q.buf)
	q.head = 0
	q.n = copy(q.buf, kept)
	// Renumber so that entry i of the buffer has sequence base+i.
	q.base += uint64(over) // any base works; keep it moving forward
	for key, i := range pos {
		pos[key] = q.base + i - uint64(over)
	}
	q.indexed = true

	clear(pending[:cap(pending)])
	q.scratch = pending[:0]
	return lost
}

// reset empties the queue, dropping references to pending events.
func (q *queue[T]) reset() {
	clear(q.buf)
	q.head, q.n = 0, 0
	q.indexed = false
	q.index, q.scratch = nil, nil
}
