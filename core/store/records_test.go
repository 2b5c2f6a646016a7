package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSyncStateHealth(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.SyncState(ctx, "raum@contoso.com"); !isNotFound(err) {
		t.Fatalf("SyncState of unsynced mailbox = %v, want ErrNotFound", err)
	}
	ok := SyncState{Mailbox: "raum@contoso.com", Integration: "onprem", State: "H4sI-1", DeltaLink: "",
		WindowStart: mustTime(t, "2026-03-01T00:00:00Z"), WindowEnd: mustTime(t, "2026-05-01T00:00:00Z"),
		LastSuccess: mustTime(t, "2026-03-02T10:00:00Z")}
	if err := db.PutSyncState(ctx, ok); err != nil {
		t.Fatal(err)
	}
	// A failure records the error and keeps the position.
	failedAt := mustTime(t, "2026-03-02T10:05:00Z")
	if err := db.RecordSyncError(ctx, "raum@contoso.com", failedAt, "ErrorServerBusy: Überlastet"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordSyncError(ctx, "neu@contoso.com", failedAt, "ErrorNonExistentMailbox"); err != nil {
		t.Fatal(err)
	}
	got, err := db.SyncStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failed := ok
	failed.LastError, failed.LastErrorAt = "ErrorServerBusy: Überlastet", failedAt
	want := []SyncState{
		{Mailbox: "neu@contoso.com", LastError: "ErrorNonExistentMailbox", LastErrorAt: failedAt},
		failed,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sync states (-want +got):\n%s", diff)
	}
}

func TestDevicesRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	hash := sha256.Sum256([]byte("device-token-never-stored"))
	d := Device{ID: "kiosk-3og", Name: "Kiosk Großer Saal", TokenHash: hash[:],
		Rooms: []string{"grosser-saal@contoso.com", "huiyishi-1@contoso.com"}, Created: mustTime(t, "2026-03-01T08:00:00Z")}
	if err := db.PutDevice(ctx, d); err != nil {
		t.Fatal(err)
	}
	seen := mustTime(t, "2026-03-02T08:00:00Z")
	if err := db.TouchDevice(ctx, d.ID, seen); err != nil {
		t.Fatal(err)
	}
	got, err := db.DeviceByTokenHash(ctx, hash[:])
	if err != nil {
		t.Fatal(err)
	}
	d.LastSeen = seen
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("device (-want +got):\n%s", diff)
	}
	revoked := mustTime(t, "2026-03-03T08:00:00Z")
	if err := db.RevokeDevice(ctx, d.ID, revoked); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Device(ctx, d.ID); !got.RevokedAt.Equal(revoked) {
		t.Errorf("RevokedAt = %v", got.RevokedAt)
	}
	other := sha256.Sum256([]byte("other"))
	if _, err := db.DeviceByTokenHash(ctx, other[:]); !isNotFound(err) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	// A raw token is not a hash and is refused.
	if err := db.PutDevice(ctx, Device{ID: "x", TokenHash: []byte("raw-token"), Created: revoked}); !isInvalid(err) {
		t.Errorf("PutDevice with raw token = %v, want ErrInvalid", err)
	}
	if err := db.RevokeDevice(ctx, "no-such-device", revoked); !isNotFound(err) {
		t.Errorf("RevokeDevice unknown = %v, want ErrNotFound", err)
	}
	if err := db.RemoveDevice(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := db.Devices(ctx); len(all) != 0 {
		t.Errorf("devices after remove: %v", all)
	}
}

func TestAuditLog(t *testing.T) {
	clock := mustTime(t, "2026-03-02T12:00:00Z")
	db := openTest(t, WithClock(func() time.Time { return clock }))
	ctx := context.Background()
	entries := []AuditEntry{
		{At: mustTime(t, "2026-03-02T09:00:00Z"), Actor: "kiosk-3og", Action: "booking.checkin", Target: "grosser-saal@contoso.com"},
		{At: mustTime(t, "2026-03-02T10:00:00Z"), Actor: "admin@contoso.com", Action: "device.revoke", Target: "kiosk-3og",
			Detail: json.RawMessage(`{"grund":"Gerät gestohlen","備註":"已報警"}`)},
		{Actor: "kiosk-3og", Action: "booking.end", Target: "grosser-saal@contoso.com"}, // At from the clock
	}
	for i, e := range entries {
		id, err := db.AppendAudit(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		entries[i].ID = id
	}
	entries[2].At = clock
	tests := []struct {
		name string
		q    AuditQuery
		want []AuditEntry
	}{
		{"all, newest first", AuditQuery{}, []AuditEntry{entries[2], entries[1], entries[0]}},
		{"by target", AuditQuery{Target: "grosser-saal@contoso.com"}, []AuditEntry{entries[2], entries[0]}},
		{"by actor and time", AuditQuery{Actor: "kiosk-3og", Until: mustTime(t, "2026-03-02T11:00:00Z")}, []AuditEntry{entries[0]}},
		{"since", AuditQuery{Since: mustTime(t, "2026-03-02T10:00:00Z")}, []AuditEntry{entries[2], entries[1]}},
		{"page", AuditQuery{BeforeID: entries[2].ID, Limit: 1}, []AuditEntry{entries[1]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.ListAudit(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := db.AppendAudit(ctx, AuditEntry{Action: "x", Detail: json.RawMessage(`{`)}); !isInvalid(err) {
		t.Errorf("bad detail JSON: %v, want ErrInvalid", err)
	}
}
