package ewstest

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func pushSubscribe(t *testing.T, url, room, listener string, frequency string) wireMessage {
	t.Helper()
	b := post(t, url, envelope(room, subscribeBody("PushSubscriptionRequest", "", []string{"CreatedEvent", "ModifiedEvent"},
		`<t:StatusFrequency>`+frequency+`</t:StatusFrequency><t:URL>`+listener+`</t:URL>`)))
	validate(t, "push SubscribeResponse", b)
	m := message(t, b)
	if m.ResponseCode != "NoError" || m.Watermark == "" {
		t.Fatalf("push Subscribe: %s", b)
	}
	return m
}

func TestPushDeliveryAndUnsubscribe(t *testing.T) {
	s, url := newNotifyServer(t, Options{})
	room := rooms(t, s)[0]
	unsubscribeFrom := 3 // the listener answers Unsubscribe from its 3rd request on
	l, listener := newPushListener(t, func(n int) (int, string) {
		if n >= unsubscribeFrom {
			return http.StatusOK, "Unsubscribe"
		}
		return http.StatusOK, "OK"
	})
	sub := pushSubscribe(t, url, room, listener, "30")

	// Exchange checks a new subscriber at once with a StatusEvent.
	first := l.next(t)
	if diff := cmp.Diff([]string{"StatusEvent"}, first.summary()); diff != "" {
		t.Errorf("first notification (-want +got):\n%s", diff)
	}
	if first.SubscriptionID != sub.SubscriptionID || first.PreviousWatermark != sub.Watermark {
		t.Errorf("first notification is for %s after %s, want %s after %s", first.SubscriptionID, first.PreviousWatermark, sub.SubscriptionID, sub.Watermark)
	}

	calendarChange(t, s, "CreatedEvent", room, "pushed-1")
	second := l.next(t)
	if diff := cmp.Diff([]string{"CreatedEvent pushed-1"}, second.summary()); diff != "" {
		t.Errorf("second notification (-want +got):\n%s", diff)
	}
	if second.PreviousWatermark != first.lastWatermark(t) {
		t.Errorf("PreviousWatermark %s does not continue from %s", second.PreviousWatermark, first.lastWatermark(t))
	}
	waitDeliveries(t, s, 2)

	// The listener answers the next one with Unsubscribe.
	calendarChange(t, s, "ModifiedEvent", room, "pushed-1")
	if diff := cmp.Diff([]string{"ModifiedEvent pushed-1"}, l.next(t).summary()); diff != "" {
		t.Errorf("third notification (-want +got):\n%s", diff)
	}
	waitDeliveries(t, s, 3)
	if got := s.Subscriptions(); len(got) != 0 {
		t.Errorf("Subscriptions() after Unsubscribe = %+v, want none", got)
	}
	calendarChange(t, s, "CreatedEvent", room, "not-pushed")

	reqs := l.requests()
	if len(reqs) != 3 {
		t.Errorf("listener got %d requests, want 3", len(reqs))
	}
	for _, b := range reqs {
		validate(t, "SendNotification request", b)
	}
}

func TestPushRetriesThenDrops(t *testing.T) {
	tests := []struct {
		name        string
		failures    int // requests the listener fails before answering OK
		wantTries   int
		wantDropped bool
	}{
		// StatusFrequency 1: tries at 0, 30 s and 60 s; the next one would
		// fall at 120 s, past the minute.
		{"listener down", 100, 3, true},
		{"recovers", 1, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := newNotifyServer(t, Options{NotificationMinute: 40 * time.Millisecond})
			room := rooms(t, s)[0]
			l, listener := newPushListener(t, func(n int) (int, string) {
				if n <= tt.failures {
					return http.StatusServiceUnavailable, ""
				}
				return http.StatusOK, "OK"
			})
			pushSubscribe(t, url, room, listener, "1")
			if tt.wantDropped {
				deadline := time.Now().Add(20 * time.Second)
				for len(s.Subscriptions()) != 0 {
					if time.Now().After(deadline) {
						t.Fatal("subscription was not dropped")
					}
					time.Sleep(10 * time.Millisecond)
				}
			} else {
				waitDeliveries(t, s, 1)
				if len(s.Subscriptions()) != 1 {
					t.Fatal("subscription was dropped")
				}
			}
			reqs := l.requests()
			if len(reqs) < tt.wantTries {
				t.Fatalf("listener got %d requests, want %d", len(reqs), tt.wantTries)
			}
			if tt.wantDropped && len(reqs) != tt.wantTries {
				t.Errorf("listener got %d requests, want %d", len(reqs), tt.wantTries)
			}
			// A retry repeats the same notification.
			if !bytes.Equal(reqs[0], reqs[1]) {
				t.Errorf("retry differs from the first attempt:\n%s\n%s", reqs[0], reqs[1])
			}
		})
	}
}
