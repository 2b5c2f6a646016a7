package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/room"
)

func TestRoomsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	seedRooms(t, db)

	lists, err := db.RoomLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testLists, lists); diff != "" {
		t.Errorf("room lists (-want +got):\n%s", diff)
	}
	got, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []room.Room{testRooms[2], testRooms[0], testRooms[1]} // by ID
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rooms (-want +got):\n%s", diff)
	}

	// Update: a renamed room and a changed policy replace the old values.
	changed := testRooms[1]
	changed.Name = "會議室一（翻新）"
	changed.Equipment = []string{"電視", "白板"}
	changed.Policy = room.Policy{HideAttendees: true}
	if err := db.UpsertRooms(ctx, []room.Room{changed}); err != nil {
		t.Fatal(err)
	}
	r, err := db.Room(ctx, changed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(changed, r); diff != "" {
		t.Errorf("updated room (-want +got):\n%s", diff)
	}

	// Removing a list keeps its rooms, without a list.
	if err := db.RemoveRoomList(ctx, "taipei-hq@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Room(ctx, changed.ID); r.ListID != "" {
		t.Errorf("room still in removed list %q", r.ListID)
	}
	if err := db.RemoveRoom(ctx, changed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Room(ctx, changed.ID); err == nil || !isNotFound(err) {
		t.Errorf("Room after remove = %v, want ErrNotFound", err)
	}
}

func TestUpsertRoomsIsAllOrNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	bad := []room.Room{
		{ID: "ok@contoso.com", Name: "Büro"},
		{ID: "orphan@contoso.com", Name: "Waise", ListID: "no-such-list@contoso.com"}, // foreign key
	}
	if err := db.UpsertRooms(ctx, bad); err == nil {
		t.Fatal("UpsertRooms accepted a room in an unknown list")
	}
	if rooms, _ := db.Rooms(ctx); len(rooms) != 0 {
		t.Errorf("half a batch stored: %v", rooms)
	}
}

func TestPeopleAndGroupsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	people := []room.Person{
		{ID: "juergen.gross@contoso.com", Email: "Juergen.Gross@contoso.com", Name: "Jürgen Groß", Department: "Geschäftsleitung", Title: "Geschäftsführer"},
		{ID: "li.na@contoso.com", Email: "li.na@contoso.com", Name: "李娜", Department: "研发部", Title: "工程师"},
		{ID: "wang.xiaoming@contoso.com", Email: "wang.xiaoming@contoso.com", Name: "王小明", Department: "業務部", Title: "經理"},
	}
	if err := db.UpsertPeople(ctx, people); err != nil {
		t.Fatal(err)
	}
	gotPeople, err := db.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(people, gotPeople); diff != "" {
		t.Errorf("people (-want +got):\n%s", diff)
	}

	groups := []room.Group{
		{ID: "empty@contoso.com", Email: "empty@contoso.com", Name: "Leer"},
		{ID: "taipei-sales@contoso.com", Email: "taipei-sales@contoso.com", Name: "台北業務",
			Members: []string{"li.na@contoso.com", "wang.xiaoming@contoso.com"}},
	}
	if err := db.UpsertGroups(ctx, groups); err != nil {
		t.Fatal(err)
	}
	// Members are replaced, not merged.
	groups[1].Members = []string{"juergen.gross@contoso.com", "wang.xiaoming@contoso.com"}
	if err := db.UpsertGroups(ctx, groups[1:]); err != nil {
		t.Fatal(err)
	}
	got, err := db.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(groups, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if err := db.RemoveGroup(ctx, "taipei-sales@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemovePerson(ctx, "li.na@contoso.com"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Groups(ctx)
	gotPeople, _ = db.People(ctx)
	if len(got) != 1 || len(gotPeople) != 2 {
		t.Errorf("after remove: groups %v, people %v", got, gotPeople)
	}
	var members int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_members`).Scan(&members); err != nil || members != 0 {
		t.Errorf("%d memberships of removed group left (%v)", members, err)
	}
}

func TestIntegrationsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	want := []Integration{
		{ID: "online-taipei", Name: "台北總部", Kind: "graph", Disabled: true},
		{ID: "onprem-zuerich", Name: "Zentrale Zürich", Kind: "ews", Settings: json.RawMessage(`{"ews":{"serverURL":"https://mail.contoso.ch/EWS/Exchange.asmx","auth":"ntlm","username":"CONTOSO\\svc-räume"}}`),
			Updated: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
	}
	for _, in := range want {
		if err := db.PutIntegration(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Integrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("integrations (-want +got):\n%s", diff)
	}
	if err := db.PutIntegration(ctx, Integration{ID: "x", Settings: json.RawMessage(`{not json`)}); !isInvalid(err) {
		t.Errorf("PutIntegration with bad JSON = %v, want ErrInvalid", err)
	}
	if err := db.RemoveIntegration(ctx, "online-taipei"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Integrations(ctx); len(got) != 1 {
		t.Errorf("after remove: %v", got)
	}
}
