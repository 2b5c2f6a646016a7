package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/core/room"
)

func TestUpsertDirectoryRoomsKeepsPolicyAndZone(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	policy := room.Policy{HideSubject: true, CheckIn: room.CheckInPolicy{Enabled: true}}
	stored := room.Room{ID: "room-zrh-limmat@contoso.com", Email: "room-zrh-limmat@contoso.com", Name: "Limmat",
		TimeZone: "Europe/Zurich", Policy: policy}
	if err := db.UpsertRooms(ctx, []room.Room{stored}); err != nil {
		t.Fatal(err)
	}
	// The directory knows a new name and capacity but no policy, and its
	// zone lookup failed (empty zone).
	fromDir := room.Room{ID: stored.ID, Email: "Room-ZRH-Limmat@contoso.com", Name: "Besprechungsraum Zürich Limmat", Capacity: 8,
		Building: "Zürich Hauptsitz", Floor: "EG", Equipment: []string{"Beamer"}}
	fresh := room.Room{ID: "proj-tpe-1@contoso.com", Email: "proj-tpe-1@contoso.com", Name: "投影機 台北 1", Kind: room.KindEquipment,
		TimeZone: "Asia/Taipei"}
	if err := db.UpsertDirectoryRooms(ctx, []room.Room{fromDir, fresh}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []room.Room{fresh, fromDir}
	want[1].TimeZone, want[1].Policy = "Europe/Zurich", policy
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rooms (-want +got):\n%s", diff)
	}
	// A known zone replaces the stored one.
	fromDir.TimeZone = "Europe/Berlin"
	if err := db.UpsertDirectoryRooms(ctx, []room.Room{fromDir}); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Room(ctx, fromDir.ID); r.TimeZone != "Europe/Berlin" || r.Policy != policy {
		t.Errorf("zone %q policy %+v after second upsert", r.TimeZone, r.Policy)
	}
}

func TestReplacePeopleAndGroups(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	people := []room.Person{
		{ID: "jing.wang@contoso.com", Email: "jing.wang@contoso.com", Name: "王静"},
		{ID: "juergen.mueller@contoso.com", Email: "juergen.mueller@contoso.com", Name: "Jürgen Müller", Department: "Einkauf"},
		{ID: "yichun.chang@contoso.com", Email: "yichun.chang@contoso.com", Name: "張怡君"},
	}
	groups := []room.Group{
		{ID: "allstaff@contoso.com", Email: "allstaff@contoso.com", Name: "All Staff", Members: []string{"jing.wang@contoso.com", "juergen.mueller@contoso.com", "yichun.chang@contoso.com"}},
		{ID: "tpe-admin@contoso.com", Email: "tpe-admin@contoso.com", Name: "台北 行政部", Members: []string{"yichun.chang@contoso.com"}},
	}
	if err := db.ReplacePeopleAndGroups(ctx, people, groups); err != nil {
		t.Fatal(err)
	}
	// Jürgen leaves, the Taipei group goes, All Staff shrinks.
	people2 := []room.Person{people[0], people[2]}
	groups2 := []room.Group{{ID: "allstaff@contoso.com", Email: "allstaff@contoso.com", Name: "All Staff", Members: []string{"jing.wang@contoso.com", "yichun.chang@contoso.com"}}}
	if err := db.ReplacePeopleAndGroups(ctx, people2, groups2); err != nil {
		t.Fatal(err)
	}
	gotPeople, err := db.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(people2, gotPeople); diff != "" {
		t.Errorf("people (-want +got):\n%s", diff)
	}
	gotGroups, err := db.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(groups2, gotGroups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	// An invalid entry rolls the whole replacement back.
	if err := db.ReplacePeopleAndGroups(ctx, []room.Person{{Name: "ohne Adresse"}}, nil); err == nil {
		t.Fatal("person without ID accepted")
	}
	if got, _ := db.People(ctx); len(got) != 2 {
		t.Errorf("failed replacement changed people: %v", got)
	}
}
