package hubproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fuzz targets check the decoders of what a peer sends: they never
// panic, they fail only with ErrInvalid or ErrTooLarge, and whatever they
// accept encodes again to something they accept as the same value.

func FuzzDecodeClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"report","report":{"version":"1.2.0","platform":"linux/arm64","lastSeq":42,"uptimeSec":3600,"offline":true,"screen":"dimmed","error":"Netzwerk – 網路","clientNow":"2026-03-02T09:00:00+01:00"}}`,
		`{"type":"report","report":{}}`,
		`{"type":"report"}`,
		`{"type":"report","report":null}`,
		`{"type":"report","report":{"lastSeq":-1}}`,
		`{"type":"report","report":{"lastSeq":1e30}}`,
		`{"type":"report","report":{"clientNow":"2026-13-45T99:00:00Z"}}`,
		`{"type":"report","report":{"version":"\ud800"}}`,
		`{"type":"book"}`,
		`{"type":"report","report":{}}{"type":"report"}`,
		`[]`, `null`, `"report"`, ``, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeClientMessage(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		if len(again) > MaxClientBytes {
			return // escaping grew it past the limit
		}
		m2, err := DecodeClientMessage(again)
		if err != nil {
			t.Fatalf("re-encoded %s refused: %v", again, err)
		}
		if diff := cmp.Diff(m, m2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", data, diff)
		}
	})
}

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","seq":7,"hub":{"name":"Hub Zürich","version":"1.0","epoch":"4c0c15c6"}}`,
		`{"type":"room","seq":8,"room":{"id":"huiyishi-1@contoso.com","name":"會議室一","kind":"room","capacity":8,"timeZone":"Asia/Taipei",` +
			`"equipment":["投影機"],"checkIn":{"enabled":true,"releaseAfterMin":15},"from":"2026-03-01T16:00:00Z","to":"2026-03-08T16:00:00Z",` +
			`"bookings":[{"id":"b1","subject":"週會","organizer":"李娜","attendees":3,"start":"2026-03-02T01:00:00Z","end":"2026-03-02T02:00:00Z",` +
			`"private":true,"masked":true,"checkedInAt":"2026-03-02T01:02:00Z"}],"syncedAt":"2026-03-02T00:59:00Z","stale":true}}`,
		`{"type":"room","seq":8,"room":{"id":""}}`,
		`{"type":"removed","seq":9,"roomId":"raum-mueller@contoso.com"}`,
		`{"type":"removed","seq":9}`,
		`{"type":"resync","seq":18446744073709551615}`,
		`{"type":"resync","seq":18446744073709551616}`,
		`{"type":"revoked"}`,
		`{"type":"room","room":{"id":"x","bookings":[{"start":"0000-01-01T00:00:00Z"}]}}`,
		`{"type":"room","room":{"id":"x","capacity":1.5}}`,
		`{}`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		fr2, err := DecodeFrame(again)
		if err != nil {
			t.Fatalf("re-encoded %s refused: %v", again, err)
		}
		if diff := cmp.Diff(fr, fr2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", data, diff)
		}
	})
}

func FuzzDecodeActionRequest(f *testing.F) {
	for _, s := range []string{
		`{"requestId":"r1","kind":"book","roomId":"huiyishi-1@contoso.com","minutes":30,"subject":"臨時會議 – Spontan"}`,
		`{"requestId":"r2","kind":"book","roomId":"a","until":"2026-03-02T11:00:00+01:00"}`,
		`{"requestId":"r2","kind":"book","roomId":"a","until":"2026-03-02T11:00:00+01:00","minutes":5}`,
		`{"requestId":"r3","kind":"extend","roomId":"a","bookingId":"b","minutes":480}`,
		`{"requestId":"r4","kind":"end","roomId":"a","bookingId":"b"}`,
		`{"requestId":"r5","kind":"check-in","roomId":"a","bookingId":"b"}`,
		`{"requestId":"r6","kind":"check-in","roomId":"a","bookingId":"b","minutes":-9223372036854775808}`,
		`{"requestId":"","kind":"end"}`,
		`{"requestId":"r","kind":"teleport","roomId":"a"}`,
		`null`, `{"requestId":1}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeActionRequest(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := a.Check(); err != nil {
			t.Fatalf("accepted %q, which Check refuses: %v", data, err)
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		if len(again) > MaxClientBytes {
			return
		}
		a2, err := DecodeActionRequest(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-encoded %s refused: %v", again, err)
		}
		if diff := cmp.Diff(a, a2); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", data, diff)
		}
	})
}
