package server

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

func TestAutoReleaseWithFakeClock(t *testing.T) {
	w := &fakeWriter{}
	r := newRig(t, FeedOptions{Writer: w})
	ctx := context.Background()
	// Großer Saal releases at the close of the check-in window, 10 minutes
	// after the start: the review (08:00) at 08:10, the private meeting
	// (09:00) at 09:10. 會議室一 has no check-in at all.
	r.touch(t, saal, "AAMk-late", "Spät 晚", time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC))
	lateID := store.BookingID(saal, "AAMk-late")
	if err := r.db.MarkCheckedIn(ctx, privateID, time.Date(2026, 3, 2, 8, 55, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rel := ActorAutoRelease + " release "
	for _, step := range []struct {
		at    string
		err   error
		calls []string
	}{
		{"08:05", nil, nil},                                    // not yet
		{"08:10", nil, []string{rel + reviewID}},               // the review's window has closed
		{"08:11", nil, nil},                                    // never twice
		{"09:11", nil, nil},                                    // the private meeting was checked in
		{"10:45", nil, nil},                                    // 會議室一 has check-in off
		{"11:10", syncer.ErrTransient, []string{rel + lateID}}, // fails …
		{"11:11", nil, []string{rel + lateID}},                 // … and is retried
		{"11:12", nil, nil},
		{"11:40", nil, nil}, // over
	} {
		at, err := time.Parse("15:04", step.at)
		if err != nil {
			t.Fatal(err)
		}
		r.clock.Set(time.Date(2026, 3, 2, at.Hour(), at.Minute(), 0, 0, time.UTC))
		w.setErr(step.err)
		r.feed.releaseRound(ctx)
		if diff := cmp.Diff(step.calls, w.take()); diff != "" {
			t.Errorf("at %s (-want +got):\n%s", step.at, diff)
		}
	}
	if st := r.feed.Stats(); st.Released != 2 || st.ReleaseErrs != 1 {
		t.Errorf("stats: %d released, %d errors; want 2 and 1", st.Released, st.ReleaseErrs)
	}
	if !r.logs.contains("retrying next round") {
		t.Error("the failed release was not logged")
	}
}
