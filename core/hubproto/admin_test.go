package hubproto

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeApproveRequest(t *testing.T) {
	tests := []struct {
		name, body string
		want       ApproveRequest
		wantErr    error
	}{
		{"room", `{"name":"會議室一 門口","mode":"room","rooms":["huiyishi-1@contoso.com"]}`,
			ApproveRequest{Name: "會議室一 門口", Mode: ModeRoom, Rooms: []string{"huiyishi-1@contoso.com"}}, nil},
		{"floor", `{"mode":"floor","floors":["zuerich-og3@contoso.com"]}`,
			ApproveRequest{Mode: ModeFloor, Floors: []string{"zuerich-og3@contoso.com"}}, nil},
		{"room without rooms", `{"mode":"room"}`, ApproveRequest{}, ErrInvalid},
		{"both", `{"mode":"floor","rooms":["a"],"floors":["b"]}`, ApproveRequest{}, ErrInvalid},
		{"unknown mode", `{"mode":"wall","rooms":["a"]}`, ApproveRequest{}, ErrInvalid},
		{"long name", `{"mode":"room","rooms":["a"],"name":"` + strings.Repeat("ü", MaxStringLength) + `"}`, ApproveRequest{}, ErrInvalid},
		{"trailing", `{"mode":"room","rooms":["a"]} {}`, ApproveRequest{}, ErrInvalid},
		{"too large", `{"mode":"room","rooms":["` + strings.Repeat("a", MaxClientBytes) + `"]}`, ApproveRequest{}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeApproveRequest(strings.NewReader(tc.body))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRoomPolicy(t *testing.T) {
	p, err := DecodeRoomPolicy(strings.NewReader(`{"hideSubject":true,"checkIn":{"enabled":true,"beforeMin":5,"releaseAfterMin":-1}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := RoomPolicy{HideSubject: true, CheckIn: CheckInPolicy{Enabled: true, BeforeMin: 5, ReleaseAfterMin: -1}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The round trip through the domain type keeps everything.
	if back := FromRoomPolicy(p.Policy()); !cmp.Equal(p, back) {
		t.Errorf("round trip %+v → %+v", p, back)
	}
	if p.Policy().CheckIn.Before != 5*time.Minute {
		t.Errorf("before = %v", p.Policy().CheckIn.Before)
	}
	for _, bad := range []string{`{"checkIn":{"beforeMin":-1}}`, `{"checkIn":{"releaseAfterMin":-2}}`, `{"checkIn":{"afterMin":1441}}`, `[]`, ``} {
		if _, err := DecodeRoomPolicy(strings.NewReader(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeRoomPolicy(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestDecodeOperatorRequest(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"role":"admin","password":"Grüße-aus-Zürich"}`, true},
		{`{"role":"viewer"}`, true},
		{`{"role":"root"}`, false},
		{`{"role":"admin","password":"` + strings.Repeat("x", MaxStringLength+1) + `"}`, false},
	} {
		_, err := DecodeOperatorRequest(strings.NewReader(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("DecodeOperatorRequest(%.40q) = %v, want ok %v", tc.body, err, tc.ok)
		}
	}
}

// The fuzzers check that no input panics and that what a decoder accepts
// satisfies its own rules.

func FuzzDecodeApproveRequest(f *testing.F) {
	f.Add(`{"name":"x","mode":"room","rooms":["a@b"]}`)
	f.Add(`{"mode":"floor","floors":["zuerich-og3@contoso.com"]}`)
	f.Add(`{"mode":"room","rooms":[null]}`)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := DecodeApproveRequest(strings.NewReader(s))
		if err != nil {
			return
		}
		if a.Mode == ModeRoom && (len(a.Rooms) == 0 || len(a.Floors) > 0) || a.Mode == ModeFloor && (len(a.Floors) == 0 || len(a.Rooms) > 0) ||
			a.Mode != ModeRoom && a.Mode != ModeFloor || len(a.Name) > MaxStringLength {
			t.Errorf("accepted %+v", a)
		}
	})
}

func FuzzDecodeRoomPolicy(f *testing.F) {
	f.Add(`{"hideSubject":true,"checkIn":{"enabled":true,"beforeMin":5}}`)
	f.Add(`{"checkIn":{"releaseAfterMin":-1}}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodeRoomPolicy(strings.NewReader(s))
		if err != nil {
			return
		}
		if c := p.CheckIn; c.BeforeMin < 0 || c.AfterMin < 0 || c.ReleaseAfterMin < -1 || c.BeforeMin > 1440 {
			t.Errorf("accepted %+v", p)
		}
	})
}

func FuzzDecodeOperatorRequest(f *testing.F) {
	f.Add(`{"role":"admin","password":"Grüße-aus-Zürich"}`)
	f.Fuzz(func(t *testing.T, s string) {
		o, err := DecodeOperatorRequest(strings.NewReader(s))
		if err != nil {
			return
		}
		if o.Role != RoleAdmin && o.Role != RoleViewer || len(o.Password) > MaxStringLength {
			t.Errorf("accepted %+v", o)
		}
	})
}
