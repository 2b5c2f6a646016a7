package ews

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addSeeds adds every testdata file matching pattern to the corpus.
func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	if len(files) == 0 {
		f.Fatalf("no seeds match %s", pattern)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseEnvelope feeds arbitrary bytes to parseEnvelope and the result
// conversions of the write and notification operations: none may panic,
// whatever the server sends.
func FuzzParseEnvelope(f *testing.F) {
	addSeeds(f, "*.response.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		var ci createItemResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &ci); err == nil {
			ci.result()
		}
		var ui updateItemResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &ui); err == nil {
			ui.result()
		}
		var di deleteItemResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &di); err == nil {
			di.result(1)
		}
		var sr subscribeResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &sr); err == nil {
			sr.result()
		}
		var ge getEventsResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &ge); err == nil {
			ge.result()
		}
		var us unsubscribeResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &us); err == nil {
			us.result()
		}
		var gs getStreamingEventsResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &gs); err == nil {
			gs.result()
		}
	})
}

// FuzzStreamingEvents reads a fuzzed streaming body envelope by envelope
// with a small per-envelope bound; Next must fail cleanly, never panic or
// loop.
func FuzzStreamingEvents(f *testing.F) {
	addSeeds(f, "GetStreamingEvents*.response.xml")
	ok := streamEnvelope(true, "OK", streamNotification("t", "sub", "CreatedEvent", "item"))
	f.Add([]byte(ok + "\n" + streamEnvelope(false, "OK") + streamEnvelope(true, "Closed")))
	f.Add([]byte(ok[:len(ok)-10]))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newEventStream(&Client{}, nopCloser{bytes.NewReader(b)}, 64<<10)
		defer s.Close()
		// Every successful Next consumes at least one envelope start tag.
		for range bytes.Count(b, []byte("<")) + 1 {
			resp, err := s.Next(context.Background())
			if err != nil {
				if _, again := s.Next(context.Background()); again == nil {
					t.Fatalf("Next succeeded after %v", err)
				}
				return
			}
			if resp == nil {
				t.Fatal("nil response without error")
			}
		}
		t.Fatal("stream did not end")
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// FuzzPushNotification feeds arbitrary bytes to ParsePushNotification.
func FuzzPushNotification(f *testing.F) {
	addSeeds(f, "SendNotification*.notification.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParsePushNotification(bytes.NewReader(b))
		if err == nil && n == nil {
			t.Fatal("nil notification without error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "ews: ") {
			t.Errorf("error %q lacks the ews: prefix", err)
		}
	})
}
