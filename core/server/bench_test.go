//go:build unix

package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// BenchmarkFanout2000 and BenchmarkFanout5000 connect that many kiosks
// over loopback WebSockets, all showing the Großer Saal, and measure how
// long one change of the room takes from the bus to every kiosk: p50 and
// p99 over all kiosks and iterations. Hub and kiosks share the process, so
// heap-MB and cpu-ms count both sides.
func BenchmarkFanout2000(b *testing.B) { benchmarkFanout(b, 2000) }

// BenchmarkFanout5000 is BenchmarkFanout2000 with 5,000 kiosks.
func BenchmarkFanout5000(b *testing.B) { benchmarkFanout(b, 5000) }

func benchmarkFanout(b *testing.B, n int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("cannot read the open-file limit: %v", err)
	}
	// Each kiosk holds two descriptors (its end and the hub's), plus the
	// database, the listener and the test binary's own.
	if need := uint64(2*n + 256); lim.Cur < need {
		b.Skipf("open-file limit is %d, %d kiosks need %d: raise it with ulimit -n", lim.Cur, n, need)
	}
	devs := make([]hubproto.Device, n)
	for i := range devs {
		devs[i] = hubproto.Device{ID: fmt.Sprintf("bench-%05d", i), Mode: hubproto.ModeRoom, Rooms: []string{saal}}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := newRigDevices(b, FeedOptions{}, false, devs)
	seq := r.feed.Stats().LastSeq

	// Every kiosk reports the arrival of each room frame on got.
	type arrival struct {
		seq uint64
		at  time.Time
	}
	got := make(chan arrival, n)
	dialer := websocket.Dialer{ReadBufferSize: 2048, WriteBufferSize: 512, HandshakeTimeout: time.Minute}
	u := "ws" + strings.TrimPrefix(r.srv.URL, "http") + hubproto.PathStream + "?" + since(seq, "").Encode()
	var conns []*websocket.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // dials in flight
	var dialErr error
	for _, d := range devs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ws, _, err := dialer.Dial(u, http.Header{"X-Test-Device": {d.ID}})
			if err == nil {
				ws.SetReadDeadline(time.Now().Add(time.Minute))
				_, _, err = ws.ReadMessage() // hello: registered
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				dialErr = err
				return
			}
			conns = append(conns, ws)
		}()
	}
	wg.Wait()
	if dialErr != nil {
		b.Fatalf("dial: %v", dialErr)
	}
	prefix := []byte(`{"type":"room","seq":`)
	for _, ws := range conns {
		go func() {
			ws.SetReadDeadline(time.Time{})
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				at := time.Now()
				if rest, ok := bytes.CutPrefix(data, prefix); ok {
					end := bytes.IndexByte(rest, ',')
					if s, err := strconv.ParseUint(string(rest[:max(end, 0)]), 10, 64); err == nil {
						got <- arrival{s, at}
					}
				}
			}
		}()
	}
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)

	ctx := context.Background()
	lat := make([]time.Duration, 0, n*b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bk := booking(saal, fmt.Sprintf("AAMk-bench-%d", i), "Lasttest 壓力測試", "Anna Müller", t0.Add(time.Duration(i%500)*time.Minute), 15*time.Minute)
		if err := r.db.ApplyBookingChanges(ctx, saal, []store.Change{{Op: store.OpCreate, Booking: bk}}, store.SyncState{LastSuccess: t0}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		bus.Publish(r.bus, syncer.RoomChanged{RoomID: saal})
		timeout := time.After(2 * time.Minute)
		var want uint64
		for k := 0; k < n; {
			select {
			case a := <-got:
				if want == 0 {
					want = a.seq
				}
				if a.seq != want {
					b.Fatalf("kiosk got seq %d, others %d", a.seq, want)
				}
				lat = append(lat, a.at.Sub(start))
				k++
			case <-timeout:
				b.Fatalf("iteration %d: %d of %d kiosks got the change", i, k, n)
			}
		}
	}
	b.StopTimer()
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) / time.Duration(b.N)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(float64(after.HeapInuse-min(before.HeapInuse, after.HeapInuse))/(1<<20), "heap-MB")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond), "cpu-ms/change")
	if st := r.feed.Stats(); st.Evictions != 0 {
		b.Errorf("%d kiosks evicted", st.Evictions)
	}
}

// BenchmarkSnapshot50Rooms measures the snapshot of a floor kiosk that
// sees 50 rooms with a busy week each.
func BenchmarkSnapshot50Rooms(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir()+"/hub.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	subjects := []string{"Sprint-Review", "週會 Weekly", "Kundentermin Müller AG", "季度規劃 Q2", "Betriebsrat", "1:1 Jürgen / 李娜"}
	dev := hubproto.Device{ID: "floor-50", Mode: hubproto.ModeFloor}
	var rooms []room.Room
	for i := range 50 {
		id := fmt.Sprintf("raum-%02d@contoso.com", i)
		rooms = append(rooms, room.Room{ID: id, Email: id, Name: fmt.Sprintf("Raum %02d – 會議室 %d", i, i), Capacity: 4 + i%12,
			Building: "Zürich Bahnhofstraße", Floor: "3. OG", TimeZone: "Europe/Zurich", Equipment: []string{"Beamer", "Videokonferenz"},
			Policy: room.Policy{CheckIn: room.CheckInPolicy{Enabled: i%2 == 0}}})
		dev.Rooms = append(dev.Rooms, id)
	}
	if err := db.UpsertRooms(ctx, rooms); err != nil {
		b.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	total := 0
	for i, rm := range rooms {
		var changes []store.Change
		for d := range 5 { // a working week, 6 meetings a day
			for k := range 6 {
				bk := booking(rm.ID, fmt.Sprintf("AAMk-%d-%d-%d", i, d, k), subjects[(i+k)%len(subjects)], "Anna Müller",
					day.AddDate(0, 0, d).Add(time.Duration(k)*90*time.Minute), time.Hour)
				bk.Private = (i+d+k)%7 == 0
				changes = append(changes, store.Change{Op: store.OpCreate, Booking: bk})
			}
		}
		total += len(changes)
		if err := db.ApplyBookingChanges(ctx, rm.ID, changes, store.SyncState{LastSuccess: day}); err != nil {
			b.Fatal(err)
		}
	}
	f, err := NewFeed(ctx, FeedOptions{DB: db, Clock: func() time.Time { return day }, Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, hubproto.PathSnapshot, nil)
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		f.ServeSnapshot(w, req, dev)
		if w.Code != http.StatusOK {
			b.Fatalf("snapshot: %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.StopTimer()
	snap, err := hubproto.DecodeSnapshot(bytes.NewReader(mustSnapshot(b, f, dev)))
	if err != nil || len(snap.Rooms) != 50 {
		b.Fatalf("snapshot of %d rooms, %v", len(snap.Rooms), err)
	}
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(total), "bookings")
}

func mustSnapshot(b *testing.B, f *Feed, dev hubproto.Device) []byte {
	w := httptest.NewRecorder()
	f.ServeSnapshot(w, httptest.NewRequest(http.MethodGet, hubproto.PathSnapshot, nil), dev)
	return w.Body.Bytes()
}
