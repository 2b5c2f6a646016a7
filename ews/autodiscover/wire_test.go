package autodiscover

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/roomboard/roomboard/ews"
)

var update = flag.Bool("update", false, "rewrite the request goldens in testdata")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n got: %s\nwant: %s", name, got, want)
	}
}

func TestRequestGoldens(t *testing.T) {
	checkGolden(t, "pox.request.xml", marshalPOX("raum.zürich@contoso.com"))
	checkGolden(t, "soap.request.xml", marshalSOAP("raum.zürich@contoso.com", "https://autodiscover.contoso.com/autodiscover/autodiscover.svc?a=1&b=2"))
}

var answerOpts = cmp.AllowUnexported(answer{})

func TestParsePOX(t *testing.T) {
	tests := []struct {
		file    string
		want    *answer
		wantErr error
	}{
		{"pox-settings.response.xml", &answer{internal: "https://mail.contoso.com/ews/exchange.asmx", external: "https://mail.contoso.com/ews/exchange.asmx"}, nil},
		{"pox-settings-ewsurl.response.xml", &answer{internal: "https://mbx01.corp.contoso.com/EWS/Exchange.asmx", external: "https://mail.contoso.com/EWS/Exchange.asmx"}, nil},
		{"pox-web-only.response.xml", &answer{internal: "https://cas.corp.contoso.com/EWS/Exchange.asmx", external: "https://mail.contoso.com/EWS/Exchange.asmx"}, nil},
		{"pox-redirectaddr.response.xml", &answer{redirectAddr: "elvin@mail.contoso.com"}, nil},
		{"pox-redirecturl.response.xml", &answer{redirectURL: "https://autodiscover.zuerich.contoso.com/autodiscover/autodiscover.xml"}, nil},
		{"pox-error.response.xml", &answer{err: &ResponseError{Code: "600", Message: "Invalid Request"}}, nil},
		{"pox-error-500.response.xml", &answer{err: &ResponseError{Code: "500", Message: "The email address can't be found."}}, nil},
		{"soap-settings-ewsurl.response.xml", nil, ews.ErrMalformed}, // wrong dialect
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parsePOX(readFixture(t, tt.file))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, answerOpts); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSOAP(t *testing.T) {
	tests := []struct {
		file    string
		want    *answer
		wantErr error
	}{
		// Microsoft's example asks for other settings: a valid answer
		// without EWS URLs, which Discover reports as ErrNoEWSURL.
		{"soap-settings.response.xml", &answer{}, nil},
		{"soap-settings-ewsurl.response.xml", &answer{internal: "https://mbx01.corp.contoso.com/EWS/Exchange.asmx", external: "https://mail.contoso.com/EWS/Exchange.asmx"}, nil},
		{"soap-redirectaddress.response.xml", &answer{redirectAddr: "elvin@mail.contoso.com"}, nil},
		{"soap-redirecturl.response.xml", &answer{redirectURL: "https://autodiscover.zuerich.contoso.com/autodiscover/autodiscover.svc"}, nil},
		{"soap-invaliduser.response.xml", &answer{err: &ResponseError{Code: "InvalidUser", Message: "Invalid user: 'müller.jürgen@contoso.de'"}}, nil},
		{"pox-settings.response.xml", nil, ews.ErrMalformed}, // wrong dialect
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseSOAP(readFixture(t, tt.file))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, answerOpts); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"html", "<html><body><h1>IIS Windows Server</h1></body></html>"},
		{"truncated", `<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response>`},
		{"no account", `<Autodiscover><Response/></Autodiscover>`},
		{"redirectAddr without address", `<Autodiscover><Response><Account><Action>redirectAddr</Action></Account></Response></Autodiscover>`},
		{"unknown action", `<Autodiscover><Response><Account><Action>launchRockets</Action></Account></Response></Autodiscover>`},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><Autodiscover><Response><Account/></Response></Autodiscover>`},
		{"soap without message", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`},
		{"soap without user", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserSettingsResponseMessage><Response><ErrorCode>NoError</ErrorCode></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every body is malformed for at least the dialect it imitates
			// and must fail, not panic, in both.
			_, perr := parsePOX([]byte(tt.body))
			_, serr := parseSOAP([]byte(tt.body))
			if !errors.Is(perr, ews.ErrMalformed) || !errors.Is(serr, ews.ErrMalformed) {
				t.Errorf("parsePOX err = %v, parseSOAP err = %v; want ews.ErrMalformed from both", perr, serr)
			}
		})
	}
}

func TestParseSOAPFault(t *testing.T) {
	body := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
		`<faultcode xmlns:a="http://www.w3.org/2005/08/addressing">a:ActionNotSupported</faultcode>` +
		`<faultstring xml:lang="en-US">The message with Action '' cannot be processed at the receiver.</faultstring></s:Fault></s:Body></s:Envelope>`
	_, err := parseSOAP([]byte(body))
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "a:ActionNotSupported" {
		t.Fatalf("err = %v, want *ResponseError a:ActionNotSupported", err)
	}
}

// checkAnswer holds what every successful parse must satisfy.
func checkAnswer(t *testing.T, a *answer, err error) {
	if err != nil {
		if a != nil {
			t.Fatalf("answer %+v together with error %v", a, err)
		}
		if !errors.Is(err, ews.ErrMalformed) {
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is neither ErrMalformed nor *ResponseError", err)
			}
		}
		return
	}
	if a == nil {
		t.Fatal("nil answer without error")
	}
	kinds := 0
	for _, set := range []bool{a.err != nil, a.redirectAddr != "", a.redirectURL != "", a.internal != "" || a.external != ""} {
		if set {
			kinds++
		}
	}
	if kinds > 1 {
		t.Fatalf("answer mixes kinds: %+v", a)
	}
}

func seedFuzz(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.response.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParsePOX(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parsePOX(b)
		checkAnswer(t, a, err)
	})
}

func FuzzParseSOAP(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseSOAP(b)
		checkAnswer(t, a, err)
	})
}
