package ews

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBackOffHintsDoNotOverflow: a server's back-off hint too large for a
// time.Duration must saturate, not wrap around to a short or negative
// pause that would make the client hammer a throttling server.
func TestBackOffHintsDoNotOverflow(t *testing.T) {
	const forever = time.Duration(math.MaxInt64)
	tests := []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"BackOffMilliseconds 500", backOffFrom(map[string]string{"BackOffMilliseconds": "500"}), 500 * time.Millisecond},
		// 2^63/1e6 rounded up: one more millisecond than a Duration holds.
		{"BackOffMilliseconds just over", backOffFrom(map[string]string{"BackOffMilliseconds": "9223372036854776"}), forever},
		{"BackOffMilliseconds wraps to 1 ms", backOffFrom(map[string]string{"BackOffMilliseconds": "18446744073709552"}), forever},
		{"BackOffMilliseconds max int64", backOffFrom(map[string]string{"BackOffMilliseconds": "9223372036854775807"}), forever},
		{"Retry-After 120", parseRetryAfter("120"), 2 * time.Minute},
		{"Retry-After just over", parseRetryAfter("9223372037"), forever},
		{"Retry-After wraps", parseRetryAfter("18446744074"), forever},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("back-off (-want +got):\n%s", diff)
			}
		})
	}
}
