package ewssource_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/roomboard/roomboard/core/ewssource"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// onFindItem serves sim and calls before and after around the first
// FindItem request, so a test can change the calendar exactly while a
// sync reads its window.
func onFindItem(sim *ewstest.Server, before, after func()) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !bytes.Contains(body, []byte(":FindItem")) {
			sim.ServeHTTP(w, r)
			return
		}
		hit := false
		once.Do(func() { hit = true })
		if hit && before != nil {
			before()
		}
		sim.ServeHTTP(w, r)
		if hit && after != nil {
			after()
		}
	})
}

func hasSubject(bs []room.Booking, subject string) bool {
	for _, b := range bs {
		if b.Subject == subject {
			return true
		}
	}
	return false
}

// TestFullSyncRaceWithCreateAndCancel: a meeting booked after the full
// sync's token and cancelled right after its view must not stay in the
// cache. Exchange never reports the deletion of an item the token did not
// know, so the old order (token, view) kept such meetings for good.
func TestFullSyncRaceWithCreateAndCancel(t *testing.T) {
	sim := ewstest.New(ewstest.Options{Seed: 31, Rooms: 2})
	rm := sim.Rooms()[0].Address
	start := sim.Now().UTC().Truncate(time.Hour).Add(50 * time.Hour)
	var id string
	ts := httptest.NewServer(onFindItem(sim, func() {
		var err error
		id, err = sim.AddBooking(rm, ewstest.Booking{Subject: "Geist 幽靈", Start: start, End: start.Add(15 * time.Minute)})
		if err != nil {
			t.Error(err)
		}
	}, func() {
		if err := sim.CancelBooking(id); err != nil {
			t.Error(err)
		}
	}))
	defer ts.Close()
	src := ewssource.New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), ewssource.Options{Impersonation: true, Logf: t.Logf})
	ws, we := window(sim.Now())
	w := store.Window{Start: ws, End: we}
	ctx := context.Background()

	snap, err := src.FullSync(ctx, rm, w)
	if err != nil {
		t.Fatal(err)
	}
	if hasSubject(snap.Bookings, "Geist 幽靈") {
		t.Fatal("full sync returned a meeting cancelled while it read the window")
	}
	d, err := src.Changes(ctx, rm, snap.Token, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range d.Changes {
		if ch.Booking.Subject == "Geist 幽靈" {
			t.Errorf("next changes report the cancelled meeting: %+v", ch)
		}
	}
}

// TestFullSyncTokenKnowsItemsCreatedDuringView: a meeting booked after the
// token but before the view is kept, and the returned token knows it, so
// its later cancellation is reported.
func TestFullSyncTokenKnowsItemsCreatedDuringView(t *testing.T) {
	sim := ewstest.New(ewstest.Options{Seed: 32, Rooms: 2})
	rm := sim.Rooms()[0].Address
	start := sim.Now().UTC().Truncate(time.Hour).Add(52 * time.Hour)
	var id string
	ts := httptest.NewServer(onFindItem(sim, func() {
		var err error
		id, err = sim.AddBooking(rm, ewstest.Booking{Subject: "Neu 新的", Start: start, End: start.Add(15 * time.Minute)})
		if err != nil {
			t.Error(err)
		}
	}, nil))
	defer ts.Close()
	src := ewssource.New(ews.New(ts.URL+"/EWS/Exchange.asmx", nil), ewssource.Options{Impersonation: true, Logf: t.Logf})
	ws, we := window(sim.Now())
	w := store.Window{Start: ws, End: we}
	ctx := context.Background()

	snap, err := src.FullSync(ctx, rm, w)
	if err != nil {
		t.Fatal(err)
	}
	if !hasSubject(snap.Bookings, "Neu 新的") {
		t.Fatal("full sync lost a meeting booked while it read the window")
	}
	if err := sim.CancelBooking(id); err != nil {
		t.Fatal(err)
	}
	d, err := src.Changes(ctx, rm, snap.Token, w)
	if err != nil {
		t.Fatal(err)
	}
	if d.Replace == nil {
		t.Fatalf("cancellation not reported: delta %+v", d)
	}
	if hasSubject(d.Replace, "Neu 新的") {
		t.Error("the cancelled meeting is still in the re-read window")
	}
}
