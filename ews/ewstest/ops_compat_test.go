package ewstest_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews/ewstest"
	"github.com/roomboard/roomboard/internal/xsdcheck"
)

// Wire form of a GetServerTimeZones answer, read by local name.
type tzPeriod struct {
	Bias string `xml:"Bias,attr"`
	Name string `xml:"Name,attr"`
	ID   string `xml:"Id,attr"`
}

type tzRule struct {
	To         string `xml:"To"`
	TimeOffset string `xml:"TimeOffset"`
	Month      int    `xml:"Month"`
	DayOfWeek  string `xml:"DayOfWeek"`
	Occurrence int    `xml:"Occurrence"`
}

type tzDefinition struct {
	ID        string     `xml:"Id,attr"`
	Periods   []tzPeriod `xml:"Periods>Period"`
	Fixed     []string   `xml:"TransitionsGroups>TransitionsGroup>Transition>To"`
	Recurring []tzRule   `xml:"TransitionsGroups>TransitionsGroup>RecurringDayTransition"`
	Groups    []string   `xml:"Transitions>Transition>To"`
}

type tzEnvelope struct {
	Message struct {
		ResponseClass string         `xml:"ResponseClass,attr"`
		ResponseCode  string         `xml:"ResponseCode"`
		Definitions   []tzDefinition `xml:"TimeZoneDefinitions>TimeZoneDefinition"`
	} `xml:"Body>GetServerTimeZonesResponse>ResponseMessages>GetServerTimeZonesResponseMessage"`
}

// TestGetServerTimeZones checks the compatibility operation exchangelib
// needs before GetUserAvailability: full definitions derived from the Go
// zone database, written as Exchange writes them, and schema-valid.
func TestGetServerTimeZones(t *testing.T) {
	xsdcheck.Require(t)
	_, ts := ewstest.NewServer(ewstest.Options{Seed: 1, Validate: xsdcheck.Envelope})
	defer ts.Close()

	tests := []struct {
		name, ids string
		wantCode  string
		want      []tzDefinition
	}{
		{
			name: "no DST", ids: `<t:Id>UTC</t:Id><t:Id>Taipei Standard Time</t:Id>`, wantCode: "NoError",
			want: []tzDefinition{
				{ID: "UTC", Periods: []tzPeriod{{"PT0H", "Standard", "Std"}}, Fixed: []string{"Std"}, Groups: []string{"0"}},
				{ID: "Taipei Standard Time", Periods: []tzPeriod{{"-PT8H", "Standard", "Std"}}, Fixed: []string{"Std"}, Groups: []string{"0"}},
			},
		},
		{
			name: "northern DST", ids: `<t:Id>W. Europe Standard Time</t:Id>`, wantCode: "NoError",
			want: []tzDefinition{{
				ID: "W. Europe Standard Time", Groups: []string{"0"},
				Periods: []tzPeriod{{"-PT1H", "Standard", "Std"}, {"-PT2H", "Daylight", "Dlt/" + simYear(t)}},
				Recurring: []tzRule{
					{To: "Dlt/" + simYear(t), TimeOffset: "PT2H", Month: 3, DayOfWeek: "Sunday", Occurrence: -1},
					{To: "Std", TimeOffset: "PT3H", Month: 10, DayOfWeek: "Sunday", Occurrence: -1},
				},
			}},
		},
		{
			name: "southern DST", ids: `<t:Id>AUS Eastern Standard Time</t:Id>`, wantCode: "NoError",
			want: []tzDefinition{{
				ID: "AUS Eastern Standard Time", Groups: []string{"0"},
				Periods: []tzPeriod{{"-PT10H", "Standard", "Std"}, {"-PT11H", "Daylight", "Dlt/" + simYear(t)}},
				Recurring: []tzRule{
					{To: "Dlt/" + simYear(t), TimeOffset: "PT2H", Month: 10, DayOfWeek: "Sunday", Occurrence: 1},
					{To: "Std", TimeOffset: "PT3H", Month: 4, DayOfWeek: "Sunday", Occurrence: 1},
				},
			}},
		},
		{name: "unknown zone", ids: `<t:Id>Mars Standard Time</t:Id>`, wantCode: "ErrorTimeZone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := postEWS(t, ts.URL, `<m:GetServerTimeZones ReturnFullTimeZoneData="true"><m:Ids>`+tc.ids+`</m:Ids></m:GetServerTimeZones>`)
			if err := xsdcheck.Envelope(body); err != nil {
				t.Errorf("response does not validate: %v\n%s", err, body)
			}
			var env tzEnvelope
			if err := xml.Unmarshal(body, &env); err != nil {
				t.Fatalf("decode: %v\n%s", err, body)
			}
			if env.Message.ResponseCode != tc.wantCode {
				t.Fatalf("ResponseCode = %q, want %q\n%s", env.Message.ResponseCode, tc.wantCode, body)
			}
			if diff := cmp.Diff(tc.want, env.Message.Definitions); diff != "" {
				t.Errorf("definitions (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("ids only", func(t *testing.T) {
		body := postEWS(t, ts.URL, `<m:GetServerTimeZones ReturnFullTimeZoneData="false"/>`)
		var env tzEnvelope
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		defs := env.Message.Definitions
		if len(defs) < 2 {
			t.Fatalf("%d zones listed, want every zone the simulator knows", len(defs))
		}
		for _, d := range defs {
			if d.ID == "" || len(d.Periods) != 0 {
				t.Errorf("zone %+v: want an id and no periods without ReturnFullTimeZoneData", d)
			}
		}
	})
}

// simYear is the year the simulator's clock (here: wall clock) is in, which
// names the daylight period.
func simYear(t *testing.T) string {
	t.Helper()
	return ewstest.New(ewstest.Options{Seed: 1}).Now().Format("2006")
}

func postEWS(t *testing.T, url, body string) []byte {
	t.Helper()
	env := `<?xml version="1.0" encoding="utf-8"?>` +
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">` +
		`<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body>` + body + `</soap:Body></soap:Envelope>`
	resp, err := http.Post(url+"/EWS/Exchange.asmx", "text/xml; charset=utf-8", strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
