package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/room"
)

func TestPairedDevices(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	created := mustTime(t, "2026-03-02T08:00:00Z")
	floor := PairedDevice{
		Device: Device{ID: "dev-2", Name: "Empfang Zürich 3. OG", TokenHash: hash("tok-2"),
			Rooms: []string{"grosser-saal@contoso.com"}, Created: created},
		Mode: "floor", Floors: []string{"zuerich-og3@contoso.com"},
	}
	door := PairedDevice{
		Device: Device{ID: "dev-1", Name: "會議室一 門口", TokenHash: hash("tok-1"), Rooms: []string{"huiyishi-1@contoso.com"}, Created: created},
		Mode:   "room",
	}
	for _, d := range []PairedDevice{floor, door} {
		if err := db.PutPairedDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PairedDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PairedDevice{door, floor}, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}

	// A report sets version, health and last-seen; the plain Device view
	// still reads the row.
	seen := created.Add(time.Hour)
	health := json.RawMessage(`{"version":"1.2.3","lastSeq":7,"screen":"on"}`)
	if err := db.RecordDeviceReport(ctx, "dev-1", seen, "1.2.3", health); err != nil {
		t.Fatal(err)
	}
	d, err := db.PairedDeviceByTokenHash(ctx, hash("tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := door
	want.LastSeen, want.Version, want.Health = seen, "1.2.3", health
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("device after report (-want +got):\n%s", diff)
	}
	if plain, err := db.Device(ctx, "dev-1"); err != nil || !plain.LastSeen.Equal(seen) {
		t.Errorf("Device = %+v, %v; want last seen %v", plain, err, seen)
	}

	if err := db.RecordDeviceReport(ctx, "nope", seen, "", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("report of missing device: %v, want ErrNotFound", err)
	}
	if err := db.RecordDeviceReport(ctx, "dev-1", seen, "", json.RawMessage(`{`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("report with bad JSON: %v, want ErrInvalid", err)
	}
	bad := door
	bad.ID, bad.TokenHash = "dev-3", []byte("raw-token-not-a-hash")
	if err := db.PutPairedDevice(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("put with a raw token: %v, want ErrInvalid", err)
	}
	if _, err := db.PairedDevice(ctx, "dev-3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PairedDevice(dev-3) = %v, want ErrNotFound", err)
	}
}

func TestOperatorsAndSessions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := mustTime(t, "2026-03-02T08:00:00Z")
	jörg := Operator{Login: "jörg", Role: "admin", PasswordHash: "pbkdf2-sha256$600000$c2FsdA$a2V5", Created: now, Updated: now}
	li := Operator{Login: "李小龍", Role: "viewer", PasswordHash: "pbkdf2-sha256$600000$c2FsdDI$a2V5Mg", Created: now, Updated: now}
	for _, o := range []Operator{li, jörg} {
		if err := db.PutOperator(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	ops, err := db.Operators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Operator{jörg, li}, ops); diff != "" {
		t.Errorf("operators (-want +got):\n%s", diff)
	}
	if err := db.PutOperator(ctx, Operator{Login: "x", Role: "admin", Created: now}); !errors.Is(err, ErrInvalid) {
		t.Errorf("operator without hash: %v, want ErrInvalid", err)
	}

	s := Session{TokenHash: hash("session"), Login: "jörg", Created: now, Expires: now.Add(12 * time.Hour)}
	if err := db.PutSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	old := Session{TokenHash: hash("old"), Login: "李小龍", Created: now.Add(-24 * time.Hour), Expires: now.Add(-12 * time.Hour)}
	if err := db.PutSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	got, err := db.SessionByTokenHash(ctx, hash("session"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	if n, err := db.RemoveExpiredSessions(ctx, now); err != nil || n != 1 {
		t.Errorf("RemoveExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := db.SessionByTokenHash(ctx, hash("old")); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: %v, want ErrNotFound", err)
	}
	// Removing the operator removes its sessions.
	if err := db.RemoveOperator(ctx, "jörg"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByTokenHash(ctx, hash("session")); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of removed operator: %v, want ErrNotFound", err)
	}
	if err := db.PutSession(ctx, Session{TokenHash: hash("x"), Login: "nobody", Created: now, Expires: now}); err == nil {
		t.Error("session of a missing operator was stored")
	}
}

func TestICalFeeds(t *testing.T) {
	db := openTest(t)
	seedRooms(t, db)
	ctx := context.Background()
	now := mustTime(t, "2026-03-02T08:00:00Z")
	id := testRooms[0].ID
	if err := db.PutICalFeed(ctx, id, hash("feed-1"), now); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ICalFeedRoom(ctx, hash("feed-1")); err != nil || got != id {
		t.Errorf("ICalFeedRoom = %q, %v; want %q", got, err, id)
	}
	// A new token replaces the old one.
	if err := db.PutICalFeed(ctx, id, hash("feed-2"), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ICalFeedRoom(ctx, hash("feed-1")); !errors.Is(err, ErrNotFound) {
		t.Errorf("old feed token: %v, want ErrNotFound", err)
	}
	feeds, err := db.ICalFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]time.Time{id: now.Add(time.Minute)}, feeds); diff != "" {
		t.Errorf("feeds (-want +got):\n%s", diff)
	}
	if err := db.RemoveICalFeed(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveICalFeed(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v, want ErrNotFound", err)
	}
	if err := db.PutICalFeed(ctx, "no-such-room@contoso.com", hash("feed-3"), now); err == nil {
		t.Error("feed of a missing room was stored")
	}
}

// TestSetRoomPolicySurvivesUpsert: the directory refresh upserts rooms with
// whatever policy it read before; an operator's policy must win.
func TestSetRoomPolicySurvivesUpsert(t *testing.T) {
	db := openTest(t)
	seedRooms(t, db)
	ctx := context.Background()
	r := testRooms[1]
	p := room.Policy{HideSubject: true, HideOrganizer: true, CheckIn: room.CheckInPolicy{Enabled: true, ReleaseAfter: 15 * time.Minute}}
	if err := db.SetRoomPolicy(ctx, r.ID, p); err != nil {
		t.Fatal(err)
	}
	stale := r
	stale.Name = "會議室一（翻新）"
	stale.Policy = room.Policy{}
	if err := db.UpsertRooms(ctx, []room.Room{stale}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Room(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := stale
	want.Policy = p
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("room after upsert (-want +got):\n%s", diff)
	}
	if err := db.SetRoomPolicy(ctx, "no-such-room@contoso.com", p); !errors.Is(err, ErrNotFound) {
		t.Errorf("policy of a missing room: %v, want ErrNotFound", err)
	}
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
