package hubproto

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/room"
)

func TestDecodeClientMessage(t *testing.T) {
	tests := []struct {
		name, body string
		want       ClientMessage
		wantErr    error
	}{
		{"report", `{"type":"report","report":{"version":"1.2.0","platform":"windows/amd64","lastSeq":42,"screen":"on","error":"網路中斷 – Verbindung unterbrochen"}}`,
			ClientMessage{Type: MsgReport, Report: &Report{Version: "1.2.0", Platform: "windows/amd64", LastSeq: 42, Screen: "on", Error: "網路中斷 – Verbindung unterbrochen"}}, nil},
		{"unknown field ignored", `{"type":"report","report":{"version":"1"},"extra":true}`, ClientMessage{Type: MsgReport, Report: &Report{Version: "1"}}, nil},
		{"report without body", `{"type":"report"}`, ClientMessage{}, ErrInvalid},
		{"unknown type", `{"type":"book"}`, ClientMessage{}, ErrInvalid},
		{"empty", ``, ClientMessage{}, ErrInvalid},
		{"not an object", `[1,2]`, ClientMessage{}, ErrInvalid},
		{"trailing", `{"type":"report","report":{}} x`, ClientMessage{}, ErrInvalid},
		{"not UTF-8", "{\"type\":\"report\",\"report\":{\"version\":\"\xc3\x28\"}}", ClientMessage{}, ErrInvalid},
		{"long field", `{"type":"report","report":{"screen":"` + strings.Repeat("ß", MaxStringLength) + `"}}`, ClientMessage{}, ErrInvalid},
		{"too large", `{"type":"report","report":{"error":"` + strings.Repeat("a", MaxClientBytes) + `"}}`, ClientMessage{}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeClientMessage([]byte(tc.body))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeActionRequest(t *testing.T) {
	until := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, body string
		want       ActionRequest
		wantErr    error
	}{
		{"book minutes", `{"requestId":"r1","kind":"book","roomId":"huiyishi-1@contoso.com","minutes":30,"subject":"臨時會議"}`,
			ActionRequest{RequestID: "r1", Kind: ActionBook, RoomID: "huiyishi-1@contoso.com", Minutes: 30, Subject: "臨時會議"}, nil},
		{"book until", `{"requestId":"r2","kind":"book","roomId":"raum-mueller@contoso.com","until":"2026-03-02T11:00:00+01:00"}`,
			ActionRequest{RequestID: "r2", Kind: ActionBook, RoomID: "raum-mueller@contoso.com", Until: until}, nil},
		{"extend", `{"requestId":"r3","kind":"extend","roomId":"a","bookingId":"b","minutes":15}`,
			ActionRequest{RequestID: "r3", Kind: ActionExtend, RoomID: "a", BookingID: "b", Minutes: 15}, nil},
		{"end", `{"requestId":"r4","kind":"end","roomId":"a","bookingId":"b"}`, ActionRequest{RequestID: "r4", Kind: ActionEnd, RoomID: "a", BookingID: "b"}, nil},
		{"check in", `{"requestId":"r5","kind":"check-in","roomId":"a","bookingId":"b"}`, ActionRequest{RequestID: "r5", Kind: ActionCheckIn, RoomID: "a", BookingID: "b"}, nil},
		{"book both", `{"requestId":"r","kind":"book","roomId":"a","minutes":5,"until":"2026-03-02T11:00:00Z"}`, ActionRequest{}, ErrInvalid},
		{"book neither", `{"requestId":"r","kind":"book","roomId":"a"}`, ActionRequest{}, ErrInvalid},
		{"book a day and more", `{"requestId":"r","kind":"book","roomId":"a","minutes":1441}`, ActionRequest{}, ErrInvalid},
		{"extend too long", `{"requestId":"r","kind":"extend","roomId":"a","bookingId":"b","minutes":481}`, ActionRequest{}, ErrInvalid},
		{"end without booking", `{"requestId":"r","kind":"end","roomId":"a"}`, ActionRequest{}, ErrInvalid},
		{"no request ID", `{"kind":"end","roomId":"a","bookingId":"b"}`, ActionRequest{}, ErrInvalid},
		{"no room", `{"requestId":"r","kind":"end","bookingId":"b"}`, ActionRequest{}, ErrInvalid},
		{"unknown kind", `{"requestId":"r","kind":"release","roomId":"a","bookingId":"b"}`, ActionRequest{}, ErrInvalid},
		{"bad time", `{"requestId":"r","kind":"book","roomId":"a","until":"morgen"}`, ActionRequest{}, ErrInvalid},
		{"long subject", `{"requestId":"r","kind":"book","roomId":"a","minutes":5,"subject":"` + strings.Repeat("會", MaxStringLength) + `"}`, ActionRequest{}, ErrInvalid},
		{"too large", `{"requestId":"` + strings.Repeat("r", MaxClientBytes) + `"}`, ActionRequest{}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeActionRequest(strings.NewReader(tc.body))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return // a request that fails Check comes back as read, for the error's requestId
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name, body string
		want       Frame
		wantErr    error
	}{
		{"hello", `{"type":"hello","seq":7,"hub":{"name":"Hub Zürich","version":"1.0","epoch":"e1"}}`,
			Frame{Type: FrameHello, Seq: 7, Hub: &HubInfo{Name: "Hub Zürich", Version: "1.0", Epoch: "e1"}}, nil},
		{"room", `{"type":"room","seq":8,"room":{"id":"huiyishi-1@contoso.com","name":"會議室一","kind":"room","bookings":[]}}`,
			Frame{Type: FrameRoom, Seq: 8, Room: &RoomView{ID: "huiyishi-1@contoso.com", Name: "會議室一", Kind: "room", Bookings: []BookingView{}}}, nil},
		{"removed", `{"type":"removed","seq":9,"roomId":"raum-mueller@contoso.com"}`, Frame{Type: FrameRemoved, Seq: 9, RoomID: "raum-mueller@contoso.com"}, nil},
		{"resync", `{"type":"resync","seq":9}`, Frame{Type: FrameResync, Seq: 9}, nil},
		{"revoked", `{"type":"revoked","seq":9}`, Frame{Type: FrameRevoked, Seq: 9}, nil},
		{"room without room", `{"type":"room","seq":8}`, Frame{}, ErrInvalid},
		{"room without ID", `{"type":"room","seq":8,"room":{"name":"x"}}`, Frame{}, ErrInvalid},
		{"removed without room", `{"type":"removed","seq":9}`, Frame{}, ErrInvalid},
		{"unknown", `{"type":"party"}`, Frame{}, ErrInvalid},
		{"negative seq", `{"type":"resync","seq":-1}`, Frame{}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeFrame([]byte(tc.body))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := DecodeFrame(make([]byte, MaxFrameBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized frame: %v", err)
	}
}

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       Error
	}{
		{"error body", `{"error":"conflict","message":"the room is taken"}`, Error{Code: ErrorCodeConflict, Message: "the room is taken"}},
		{"plain text", "Bad Gateway\n", Error{Code: ErrorCodeInternal, Message: "Bad Gateway"}},
		{"binary", "\xff\xfe", Error{Code: ErrorCodeInternal, Message: "HTTP 502"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(&tc.want, DecodeError(strings.NewReader(tc.body), 502)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A booking survives the trip hub → wire → kiosk with what the status
// rules need, and loses what no kiosk may have.
func TestBookingViewRoundTrip(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	p := room.Policy{CheckIn: room.CheckInPolicy{Enabled: true, Before: 5 * time.Minute, After: 15 * time.Minute, ReleaseAfter: 20 * time.Minute,
		ExemptAllDay: true, ExemptLongerThan: 4 * time.Hour}}
	if got := FromPolicy(p.CheckIn).Policy(); got != p.CheckIn {
		t.Errorf("policy round trip: %+v", got)
	}
	b := room.Booking{ID: "b1", RoomID: "grosser-saal@contoso.com", SourceID: "AAMk", ChangeKey: "CK", Subject: "Budget 2027",
		Organizer: room.Mailbox{Name: "Jürgen Groß", Email: "juergen.gross@contoso.com"},
		Attendees: []room.Attendee{{Name: "王小明", Email: "wang@contoso.com"}, {Name: "Zoë", Email: "zoe@contoso.com"}},
		Start:     time.Date(2026, 3, 2, 9, 0, 0, 0, zurich), End: time.Date(2026, 3, 2, 10, 0, 0, 0, zurich),
		OnlineMeetingURL: "https://teams.example/l/x", CheckedInAt: time.Date(2026, 3, 2, 8, 2, 0, 0, time.UTC)}
	data, err := json.Marshal(FromBooking(b, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"juergen.gross", "wang@", "teams.example", "AAMk", "王小明"} {
		if strings.Contains(string(data), gone) {
			t.Errorf("%q on the wire: %s", gone, data)
		}
	}
	var v BookingView
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	want := room.Booking{ID: "b1", RoomID: b.RoomID, Subject: b.Subject, Organizer: room.Mailbox{Name: "Jürgen Groß"},
		Start: b.Start.UTC(), End: b.End.UTC(), CheckedInAt: b.CheckedInAt}
	if diff := cmp.Diff(want, v.Booking(b.RoomID)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v.Attendees != 2 || !v.Mine {
		t.Errorf("attendees %d, mine %v", v.Attendees, v.Mine)
	}
}
