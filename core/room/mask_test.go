package room

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// maskedWhenPrivate and safeWhenPrivate classify every field of Booking
// that can carry text. Adding such a field to Booking fails
// TestMaskCoversEveryField until it is put in one of them (and, if masked,
// handled by Mask).
var (
	maskedWhenPrivate = map[string]bool{
		"Subject": true, "Organizer": true, "Attendees": true, "Location": true, "OnlineMeetingURL": true,
	}
	safeWhenPrivate = map[string]string{
		"ID":        "Roomboard's own key",
		"RoomID":    "the room, which the display shows anyway",
		"SourceID":  "the room copy's item id, needed for check-in and release write-back; names the room mailbox only",
		"ChangeKey": "opaque version stamp",
		"ICalUID":   "opaque global object id",
		"SeriesID":  "opaque series key",
	}
)

// textual reports whether values of t can carry free text.
func textual(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	case reflect.Struct:
		return t != reflect.TypeFor[time.Time]()
	}
	return false
}

// fill sets every field reachable from v to a non-zero value.
func fill(v reflect.Value, tag string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("SECRET " + tag + " Müller 機密")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(2)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), tag)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), tag)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), tag+"."+v.Type().Field(i).Name)
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String() + " at " + tag)
	}
}

func TestMaskCoversEveryField(t *testing.T) {
	t.Parallel()
	var in Booking
	fill(reflect.ValueOf(&in).Elem(), "Booking")
	in.Private, in.Masked = true, false
	out := Mask(in, Policy{})

	typ := reflect.TypeFor[Booking]()
	vin, vout := reflect.ValueOf(in), reflect.ValueOf(out)
	for i := range typ.NumField() {
		f := typ.Field(i)
		_, safe := safeWhenPrivate[f.Name]
		masked := maskedWhenPrivate[f.Name]
		got := vout.Field(i)
		switch {
		case textual(f.Type) && !safe && !masked:
			t.Errorf("Booking.%s can carry text but is neither masked nor listed as safe in mask_test.go", f.Name)
		case masked:
			if !got.IsZero() {
				t.Errorf("Mask of a private booking kept %s = %v", f.Name, got.Interface())
			}
		case f.Name == "Masked":
			if !out.Masked {
				t.Error("Mask of a private booking did not set Masked")
			}
		default:
			if !reflect.DeepEqual(got.Interface(), vin.Field(i).Interface()) {
				t.Errorf("Mask of a private booking changed the safe field %s: %v, want %v", f.Name, got.Interface(), vin.Field(i).Interface())
			}
		}
	}
	for name := range safeWhenPrivate {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("safeWhenPrivate lists %s, which Booking does not have", name)
		}
	}
	for name := range maskedWhenPrivate {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("maskedWhenPrivate lists %s, which Booking does not have", name)
		}
	}
}

func TestMaskPolicy(t *testing.T) {
	t.Parallel()
	base := Booking{
		ID: "b1", Subject: "Budget 2027 – Geschäftsleitung", Location: "Sitzungszimmer Zürich 3",
		Organizer:        Mailbox{Name: "Jürg Müller", Email: "juerg.mueller@example.ch"},
		Attendees:        []Attendee{{Name: "王小明", Email: "wang@example.tw", Response: ResponseAccepted}},
		OnlineMeetingURL: "https://teams.example/l/meetup-join/1",
		Start:            at(zurich, "2026-06-15 10:00"), End: at(zurich, "2026-06-15 11:00"),
	}
	private := base
	private.Private = true
	withOrgAttendee := base
	withOrgAttendee.Attendees = []Attendee{
		{Name: "Jürg Müller", Email: "JUERG.MUELLER@example.ch", Response: ResponseAccepted}, // matched by address
		{Name: "王小明", Email: "wang@example.tw", Response: ResponseAccepted},
		{Name: "J. Müller (Sekretariat)", Response: ResponseOrganizer}, // matched by role
	}
	rewritten := base
	rewritten.Subject = "Jürg Müller"
	prefixed := base
	prefixed.Subject = "jürg müller Budget 2027 – Geschäftsleitung"
	lookalike := base
	lookalike.Organizer = Mailbox{Name: "Anna", Email: "anna@example.de"}
	lookalike.Subject = "Annabelle's review"

	tests := []struct {
		name string
		in   Booking
		p    Policy
		want Booking
	}{
		{"public, no policy: unchanged", base, Policy{}, base},
		{"hide subject", base, Policy{HideSubject: true}, func() Booking { b := base; b.Subject, b.Masked = "", true; return b }()},
		{"hide organizer", base, Policy{HideOrganizer: true}, func() Booking { b := base; b.Organizer, b.Masked = Mailbox{}, true; return b }()},
		{"hide attendees", base, Policy{HideAttendees: true}, func() Booking { b := base; b.Attendees, b.Masked = nil, true; return b }()},
		{"hide all", base, Policy{HideSubject: true, HideOrganizer: true, HideAttendees: true}, func() Booking {
			b := base
			b.Subject, b.Organizer, b.Attendees, b.Masked = "", Mailbox{}, nil, true
			return b
		}()},
		{"hidden field already empty still marks Masked", Booking{ID: "e"}, Policy{HideSubject: true}, Booking{ID: "e", Masked: true}},
		{"private, no policy", private, Policy{}, Booking{ID: "b1", Start: base.Start, End: base.End, Private: true, Masked: true}},
		{"hide organizer: also their attendee entry", withOrgAttendee, Policy{HideOrganizer: true}, func() Booking {
			b := withOrgAttendee
			b.Organizer, b.Masked = Mailbox{}, true
			b.Attendees = []Attendee{{Name: "王小明", Email: "wang@example.tw", Response: ResponseAccepted}}
			return b
		}()},
		{"hide organizer: Exchange's default subject (the organizer's name)", rewritten, Policy{HideOrganizer: true}, func() Booking {
			b := rewritten
			b.Subject, b.Organizer, b.Masked = "", Mailbox{}, true
			return b
		}()},
		{"hide organizer: AddOrganizerToSubject prefix cut", prefixed, Policy{HideOrganizer: true}, func() Booking {
			b := prefixed
			b.Subject, b.Organizer, b.Masked = "Budget 2027 – Geschäftsleitung", Mailbox{}, true
			return b
		}()},
		{"hide organizer: a subject that merely starts like the name stays", lookalike, Policy{HideOrganizer: true}, func() Booking {
			b := lookalike
			b.Organizer, b.Masked = Mailbox{}, true
			return b
		}()},
		{"organizer shown: subject untouched", rewritten, Policy{HideAttendees: true}, func() Booking { b := rewritten; b.Attendees, b.Masked = nil, true; return b }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Mask(tc.in, tc.p)); diff != "" {
				t.Errorf("Mask (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaskDoesNotAlias(t *testing.T) {
	t.Parallel()
	in := Booking{Attendees: []Attendee{{Name: "Anna Schäfer"}}}
	out := Mask(in, Policy{})
	out.Attendees[0].Name = "changed"
	if in.Attendees[0].Name != "Anna Schäfer" {
		t.Error("Mask's result shares its attendees with the input")
	}
}

func TestCutOrganizer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject, name, rest string
		ok                  bool
	}{
		{"Jürg Müller", "Jürg Müller", "", true},
		{" JÜRG MÜLLER ", "Jürg Müller", "", true},
		{"Jürg Müller Quartalsplanung", "Jürg Müller", "Quartalsplanung", true},
		{"王小明 週會", "王小明", "週會", true},
		{"王小明週會", "王小明", "", false},
		{"Annabelle", "Anna", "", false},
		{"Anna", "Annabelle", "", false},
		{"", "", "", false},
		{"Topic", "", "", false},
		{"\xff\xfe broken", "\xffx", "", false},
	}
	for _, tc := range tests {
		rest, ok := cutOrganizer(tc.subject, tc.name)
		if rest != tc.rest || ok != tc.ok {
			t.Errorf("cutOrganizer(%q, %q) = %q, %v; want %q, %v", tc.subject, tc.name, rest, ok, tc.rest, tc.ok)
		}
	}
}
