package room

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDetectProcessingDefaults(t *testing.T) {
	t.Parallel()
	r := Room{ID: "sitzung-3@example.ch", Email: "Sitzung-3@example.ch", Name: "Sitzungszimmer Zürich 3"}
	people := []Mailbox{
		{Name: "Jürg Müller", Email: "juerg@example.ch"},
		{Name: "王小明", Email: "wang@example.tw"},
		{Name: "李华", Email: "li@example.cn"},
		{Name: "Anna Schäfer", Email: "anna@example.de"},
	}
	// mk builds n room copies whose subject is made from the organizer by
	// subj; the organizer copies carry the real subject "Topic i".
	mk := func(n int, subj func(org Mailbox, i int) string) []Booking {
		var bs []Booking
		for i := range n {
			o := people[i%len(people)]
			s := at(zurich, "2026-06-15 08:00").Add(time.Duration(i) * time.Hour)
			bs = append(bs, Booking{ID: fmt.Sprintf("b%d", i), ICalUID: fmt.Sprintf("uid%d", i), Organizer: o,
				Subject: subj(o, i), Start: s, End: s.Add(time.Hour)})
		}
		return bs
	}
	orgCopies := func(bs []Booking, private bool) []Booking {
		var out []Booking
		for i, b := range bs {
			b.Subject, b.Private = fmt.Sprintf("Topic %d", i), private
			out = append(out, b)
		}
		return out
	}
	replaced := func(o Mailbox, _ int) string { return o.Name }
	prefixed := func(o Mailbox, i int) string { return fmt.Sprintf("%s Topic %d", o.Name, i) }
	deleted := func(Mailbox, int) string { return "" }
	normal := func(_ Mailbox, i int) string { return fmt.Sprintf("Topic %d", i) }
	mostly := func(o Mailbox, i int) string {
		if i < 3 {
			return normal(o, i)
		}
		return o.Name
	}
	selfNamed := mk(4, replaced)
	selfNamedOrg := orgCopies(selfNamed, false)
	for i := range selfNamedOrg {
		selfNamedOrg[i].Subject = selfNamed[i].Subject // people who name meetings after themselves
	}
	fromRoom := mk(4, replaced)
	for i := range fromRoom {
		fromRoom[i].Organizer = Mailbox{Name: "Sitzung 3", Email: "sitzung-3@example.CH"}
		fromRoom[i].Subject = "Sitzung 3"
	}
	masked := mk(4, deleted)
	for i := range masked {
		masked[i].Masked = true
	}
	privRoom := mk(6, normal)
	privRoom[5].Private = true // this one kept its flag
	privOrg := orgCopies(privRoom, true)
	privOrg[0].Private = false

	type finding struct {
		Kind              string
		Affected, Checked int
		IDs               string
	}
	tests := []struct {
		name      string
		room, org []Booking
		want      []finding
	}{
		{"nothing synced", nil, nil, nil},
		{"subjects intact", mk(10, normal), nil, nil},
		{"subject replaced (defaults)", mk(10, replaced), nil, []finding{{"subject-replaced", 10, 10, "b0 b1 b2 b3 b4"}}},
		{"organizer prefixed", mk(4, prefixed), nil, []finding{{"organizer-prefixed", 4, 4, "b0 b1 b2 b3"}}},
		{"subject deleted", mk(3, deleted), nil, []finding{{"subject-deleted", 3, 3, "b0 b1 b2"}}},
		{"majority needed", mk(6, mostly), nil, nil},
		{"too few to tell without organizer copies", mk(2, replaced), nil, nil},
		{"organizer copy proves a single booking", mk(1, replaced), orgCopies(mk(1, replaced), false), []finding{{"subject-replaced", 1, 1, "b0"}}},
		{"organizer really used their name", selfNamed, selfNamedOrg, nil},
		{"booked as the room: ignored", fromRoom, nil, nil},
		{"masked by us: ignored", masked, nil, nil},
		{"private flag removed", privRoom, privOrg, []finding{{"private-flag-removed", 4, 5, "b1 b2 b3 b4"}}},
		{"private flag kept", privRoom[5:], privOrg[5:], nil},
		{"both problems", mk(4, replaced), orgCopies(mk(4, replaced), true), []finding{
			{"subject-replaced", 4, 4, "b0 b1 b2 b3"}, {"private-flag-removed", 4, 4, "b0 b1 b2 b3"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := DetectProcessingDefaults(r, tc.room, tc.org)
			var got []finding
			for _, f := range fs {
				got = append(got, finding{f.Kind.String(), f.Affected, f.Checked, strings.Join(f.BookingIDs, " ")})
				if f.RoomID != r.ID || !strings.Contains(f.Message, r.Email) || !strings.HasPrefix(f.Command, "Set-CalendarProcessing -Identity 'Sitzung-3@example.ch' ") {
					t.Errorf("finding %v: room, message or command do not name the room: %q / %q", f.Kind, f.Message, f.Command)
				}
				for _, b := range tc.room {
					if strings.Contains(f.Message, b.Subject) && b.Subject != "" && b.Subject != b.Organizer.Name {
						t.Errorf("finding message leaks subject %q", b.Subject)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DetectProcessingDefaults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcessingCommands(t *testing.T) {
	t.Parallel()
	r := Room{ID: "o'brien-room@example.ie", Email: "O'Brien-Room@example.ie", Name: "O'Brien"}
	room := []Booking{{ID: "a", ICalUID: "u", Organizer: Mailbox{Name: "Seán"}, Subject: "Seán", Start: at(zurich, "2026-06-15 10:00")}}
	org := []Booking{{ICalUID: "u", Organizer: Mailbox{Name: "Seán"}, Subject: "Plan", Private: true, Start: at(zurich, "2026-06-15 10:00")}}
	var got []string
	for _, f := range DetectProcessingDefaults(r, room, org) {
		got = append(got, f.Command)
	}
	want := []string{
		"Set-CalendarProcessing -Identity 'O''Brien-Room@example.ie' -DeleteSubject $false -AddOrganizerToSubject $false",
		"Set-CalendarProcessing -Identity 'O''Brien-Room@example.ie' -RemovePrivateProperty $false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}
