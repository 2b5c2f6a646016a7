package autodiscover

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews"
	"github.com/roomboard/roomboard/ews/ewstest"
)

// simClient points every domain at the simulator, with only the given
// methods, so each dialect is tested on its own.
func simClient(ts *httptest.Server, cred ews.Credentials, methods ...Method) *Client {
	return &Client{
		HTTPClient:  ts.Client(),
		Credentials: cred,
		AllowHTTP:   true,
		Endpoints: func(string) []Endpoint {
			var eps []Endpoint
			for _, m := range methods {
				ext := ".svc"
				if m == POX {
					ext = ".xml"
				}
				eps = append(eps, Endpoint{ts.URL + "/autodiscover/autodiscover" + ext, m})
			}
			return eps
		},
	}
}

func TestSimulator(t *testing.T) {
	sim, ts := ewstest.NewServer(ewstest.Options{Seed: 1})
	defer ts.Close()
	sim.SetAutodiscoverRedirect("fabrikam.com", "raum.zürich@contoso.com")
	ewsURL := ts.URL + "/EWS/Exchange.asmx"
	for _, m := range []Method{SOAP, POX} {
		t.Run(string(m), func(t *testing.T) {
			c := simClient(ts, nil, m)
			got, err := c.Discover(context.Background(), "room.taipei-101@contoso.com")
			if err != nil {
				t.Fatal(err)
			}
			want := &Result{EWSURL: ewsURL, InternalEWSURL: ewsURL, ExternalEWSURL: ewsURL, Email: "room.taipei-101@contoso.com",
				Endpoint: c.Endpoints("")[0].URL, Method: m}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}

			got, err = c.Discover(context.Background(), "Besprechung@fabrikam.com")
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != "raum.zürich@contoso.com" || got.EWSURL != ewsURL || !cmp.Equal(got.Redirects, []string{"raum.zürich@contoso.com"}) {
				t.Errorf("after redirect: %+v", got)
			}
		})
	}
}

func TestSimulatorAuth(t *testing.T) {
	_, ts := ewstest.NewServer(ewstest.Options{Seed: 1, Auth: ewstest.AuthBasic,
		Passwords: map[string]string{"svc-roomboard@contoso.com": "Pässwörd"}})
	defer ts.Close()
	tests := []struct {
		name    string
		cred    ews.Credentials
		wantErr error
	}{
		{"right password", ews.BasicAuth("svc-roomboard@contoso.com", "Pässwörd"), nil},
		{"wrong password", ews.BasicAuth("svc-roomboard@contoso.com", "wrong"), ews.ErrUnauthorized},
		{"no credentials", nil, ews.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := simClient(ts, tt.cred, SOAP, POX).Discover(context.Background(), "room@contoso.com")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var nf *NotFoundError
			if !errors.As(err, &nf) || len(nf.Attempts) != 2 || !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want *NotFoundError of two attempts wrapping %v", err, tt.wantErr)
			}
		})
	}
}
