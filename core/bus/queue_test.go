package bus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type roomChanged struct {
	Room    string
	Version int
}

func (e roomChanged) CoalesceKey() string { return e.Room }

type tick struct{ N int }

type event interface{ isEvent() }

func (roomChanged) isEvent() {}
func (tick) isEvent()        {}

func rc(room string, version int) roomChanged { return roomChanged{room, version} }

func contents[T any](q *queue[T]) []T {
	var out []T
	for i := range q.n {
		out = append(out, q.buf[(q.head+i)%len(q.buf)].v)
	}
	return out
}

// pushAll pushes every value, popping first when pop[i] is set, so the tests
// can place the ring's head anywhere before an overflow.
func pushAll[T any](q *queue[T], vs []T, popBefore map[int]int) (lost int) {
	for i, v := range vs {
		for range popBefore[i] {
			q.pop()
		}
		lost += q.push(v)
	}
	return lost
}

func TestQueueCoalescesKeyed(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		push     []roomChanged
		pop      map[int]int // pops before push i
		want     []roomChanged
		wantLost int
	}{
		{
			name: "under capacity keeps every version",
			size: 4,
			push: []roomChanged{rc("raum-müller", 1), rc("raum-müller", 2), rc("會議室-3", 1)},
			want: []roomChanged{rc("raum-müller", 1), rc("raum-müller", 2), rc("會議室-3", 1)},
		},
		{
			name:     "overflow keeps latest per key in first-arrival order",
			size:     3,
			push:     []roomChanged{rc("a", 1), rc("b", 1), rc("a", 2), rc("c", 1)},
			want:     []roomChanged{rc("a", 2), rc("b", 1), rc("c", 1)},
			wantLost: 1,
		},
		{
			name: "repeated overflow on few keys never loses a key",
			size: 2,
			push: []roomChanged{
				rc("größe-saal", 1), rc("会议室-北", 1), rc("größe-saal", 2), rc("会议室-北", 2),
				rc("größe-saal", 3), rc("会议室-北", 3), rc("größe-saal", 4),
			},
			want:     []roomChanged{rc("größe-saal", 4), rc("会议室-北", 3)},
			wantLost: 5,
		},
		{
			name:     "more keys than buffer evicts the oldest keys",
			size:     2,
			push:     []roomChanged{rc("a", 1), rc("b", 1), rc("c", 1), rc("d", 1)},
			want:     []roomChanged{rc("c", 1), rc("d", 1)},
			wantLost: 2,
		},
		{
			name:     "coalesce then evict",
			size:     3,
			push:     []roomChanged{rc("a", 1), rc("b", 1), rc("a", 2), rc("c", 1), rc("d", 1)},
			want:     []roomChanged{rc("b", 1), rc("c", 1), rc("d", 1)},
			wantLost: 2, // c1: [a1 b1 a2 c1] -> [a2 b1 c1]; d1 evicts a2
		},
		{
			name:     "a key evicted earlier arrives again at the end",
			size:     3,
			push:     []roomChanged{rc("a", 1), rc("b", 1), rc("c", 1), rc("d", 1), rc("a", 2)},
			want:     []roomChanged{rc("c", 1), rc("d", 1), rc("a", 2)},
			wantLost: 2, // d1 evicts a1, a2 evicts b1
		},
		{
			name:     "size one holds only the newest",
			size:     1,
			push:     []roomChanged{rc("a", 1), rc("b", 1), rc("a", 2)},
			want:     []roomChanged{rc("a", 2)},
			wantLost: 2,
		},
		{
			name:     "wrapped ring coalesces in arrival order",
			size:     3,
			push:     []roomChanged{rc("x", 1), rc("x", 2), rc("a", 1), rc("b", 1), rc("a", 2), rc("b", 2)},
			pop:      map[int]int{3: 2}, // x1, x2 delivered; head sits at slot 2
			want:     []roomChanged{rc("a", 2), rc("b", 2)},
			wantLost: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := newQueue[roomChanged](tc.size)
			lost := pushAll(q, tc.push, tc.pop)
			if diff := cmp.Diff(tc.want, contents(q)); diff != "" {
				t.Errorf("pending (-want +got):\n%s", diff)
			}
			if lost != tc.wantLost {
				t.Errorf("lost %d, want %d", lost, tc.wantLost)
			}
		})
	}
}

func TestQueueUnkeyedKeepsNewest(t *testing.T) {
	tests := []struct {
		size, push, wantLost int
	}{
		{size: 4, push: 3, wantLost: 0},
		{size: 4, push: 4, wantLost: 0},
		{size: 4, push: 10, wantLost: 6},
		{size: 1, push: 5, wantLost: 4},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("size=%d/push=%d", tc.size, tc.push), func(t *testing.T) {
			q := newQueue[tick](tc.size)
			if !q.keyless {
				t.Fatal("tick queue is not keyless")
			}
			lost := 0
			for i := range tc.push {
				lost += q.push(tick{i})
			}
			var want []tick
			for i := max(0, tc.push-tc.size); i < tc.push; i++ {
				want = append(want, tick{i})
			}
			if diff := cmp.Diff(want, contents(q)); diff != "" {
				t.Errorf("pending (-want +got):\n%s", diff)
			}
			if lost != tc.wantLost {
				t.Errorf("lost %d, want %d", lost, tc.wantLost)
			}
		})
	}
}

func TestQueueInterfaceDecidesPerValue(t *testing.T) {
	q := newQueue[event](4)
	if q.keyless {
		t.Fatal("an interface element type must be checked per value")
	}
	lost := pushAll(q, []event{rc("a", 1), tick{1}, rc("a", 2), tick{2}, rc("b", 1), tick{3}}, nil)
	// At b1: [a1 t1 a2 t2 b1] -> [a2 t1 t2 b1]. At t3: evict a2.
	want := []event{tick{1}, tick{2}, rc("b", 1), tick{3}}
	if diff := cmp.Diff(want, contents(q)); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	if lost != 2 {
		t.Errorf("lost %d, want 2", lost)
	}
}

func TestKeyless(t *testing.T) {
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"struct without key", keyless[tick](), true},
		{"struct with key", keyless[roomChanged](), false},
		{"pointer to struct with key", keyless[*roomChanged](), false},
		{"interface", keyless[event](), false},
		{"any", keyless[any](), false},
		{"string", keyless[string](), true},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: keyless = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestQueueInvariants drives random pushes and pops against the rules:
// nothing is invented, nothing is lost uncounted, each key's versions stay
// in order, the newest event always survives (though coalescing may move it
// forward), and every key whose latest
// version was never delivered still has it pending while it fits.
func TestQueueInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for round := range 200 {
		size := 1 + rng.IntN(8)
		keys := 1 + rng.IntN(2*size)
		q := newQueue[roomChanged](size)
		pushed, popped, lost := 0, 0, 0
		last := map[string]int{}      // last version pushed per key
		delivered := map[string]int{} // last version popped per key
		for step := range 300 {
			if q.len() > 0 && rng.IntN(3) == 0 {
				v := q.pop()
				popped++
				if v.Version <= delivered[v.Room] {
					t.Fatalf("round %d step %d: %+v delivered after version %d", round, step, v, delivered[v.Room])
				}
				delivered[v.Room] = v.Version
				continue
			}
			room := fmt.Sprintf("raum-%d", rng.IntN(keys))
			last[room]++
			v := rc(room, last[room])
			lost += q.push(v)
			pushed++

			got := contents(q)
			if !slices.Contains(got, v) {
				t.Fatalf("round %d step %d: newest %+v not pending in %v", round, step, v, got)
			}
			if pushed != popped+lost+q.len() {
				t.Fatalf("round %d step %d: pushed %d != popped %d + lost %d + pending %d", round, step, pushed, popped, lost, q.len())
			}
			seen := map[string]int{}
			for _, p := range got {
				if p.Version <= seen[p.Room] || p.Version <= delivered[p.Room] {
					t.Fatalf("round %d step %d: %+v out of order in %v", round, step, p, got)
				}
				seen[p.Room] = p.Version
			}
			if keys <= size {
				for room, ver := range last {
					if delivered[room] != ver && seen[room] != ver {
						t.Fatalf("round %d step %d: latest %s v%d lost with only %d keys: %v", round, step, room, ver, keys, got)
					}
				}
			}
		}
	}
}

// model is the plain statement of the coalescing rule, without the
// queue's ring and index: below capacity append; when full, merge every key
// into its first position with its latest value, then drop the oldest.
type model struct {
	size    int
	pending []event
}

func (m *model) push(v event) (lost int) {
	if len(m.pending) < m.size {
		m.pending = append(m.pending, v)
		return 0
	}
	var kept []event
	first := map[string]int{}
	for _, p := range append(m.pending, v) {
		if k, ok := p.(Keyed); ok {
			if i, seen := first[k.CoalesceKey()]; seen {
				kept[i] = p
				lost++
				continue
			}
			first[k.CoalesceKey()] = len(kept)
		}
		kept = append(kept, p)
	}
	if over := len(kept) - m.size; over > 0 {
		lost += over
		kept = kept[over:]
	}
	m.pending = kept
	return lost
}

func (m *model) pop() event {
	v := m.pending[0]
	m.pending = m.pending[1:]
	return v
}

// TestQueueMatchesModel checks the indexed fast path against the model over
// random pushes and pops of keyed and unkeyed values, with readers that keep
// up, fall behind, and catch up again.
func TestQueueMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		size := 1 + rng.IntN(10)
		keys := 1 + rng.IntN(3*size)
		popRate := rng.IntN(4) // 0: stalled reader; up to 3 of 4 steps a pop
		q := newQueue[event](size)
		m := &model{size: size}
		for step := range 300 {
			if len(m.pending) > 0 && rng.IntN(4) < popRate {
				want, got := m.pop(), q.pop()
				if want != got {
					t.Fatalf("round %d step %d: pop = %v, want %v", round, step, got, want)
				}
				continue
			}
			var v event = tick{step}
			if rng.IntN(5) > 0 {
				v = rc(fmt.Sprintf("raum-%d", rng.IntN(keys)), step)
			}
			want, got := m.push(v), q.push(v)
			if got != want {
				t.Fatalf("round %d step %d: push(%v) lost %d, want %d", round, step, v, got, want)
			}
			if got := contents(q); !slices.Equal(m.pending, got) {
				diff := cmp.Diff(m.pending, got)
				t.Fatalf("round %d step %d: after push(%v) (-model +queue):\n%s", round, step, v, diff)
			}
		}
	}
}
