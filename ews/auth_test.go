package ews

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestCredentialsNeverFormatSecrets prints credentials, and a Client holding
// them, with every verb a log line or a test failure might use: the password
// or token must not appear.
func TestCredentialsNeverFormatSecrets(t *testing.T) {
	const secret = "Pässwort-秘密"
	creds := map[string]Credentials{
		"basic":  BasicAuth(`CONTOSO\müller`, secret),
		"ntlm":   NTLMAuth(`CONTOSO\müller`, secret),
		"bearer": BearerAuth(StaticToken(secret)),
	}
	for name, c := range creds {
		cl := New("https://mail.example.com/EWS/Exchange.asmx", c)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			for what, v := range map[string]any{"credentials": c, "client": *cl, "token": StaticToken(secret)} {
				if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) {
					t.Errorf("%s: %s formatted with %s shows the secret: %s", name, what, verb, strings.ReplaceAll(got, secret, "<SECRET>"))
				}
			}
		}
	}
}

// TestClientWithoutHTTPClientKeepsNoConnections: a Client literal without
// HTTPClient gets a fresh transport per request; were its connections kept
// alive, every request would leave an idle connection and two goroutines
// behind until the idle timeout. The server must be asked to close them.
func TestClientWithoutHTTPClientKeepsNoConnections(t *testing.T) {
	var mu sync.Mutex
	var keptAlive int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if !r.Close {
			keptAlive++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, `<s:Envelope xmlns:s="`+NSSoap+`"><s:Body><m:UnsubscribeResponse xmlns:m="`+NSMessages+`"><m:ResponseMessages>`+
			`<m:UnsubscribeResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:UnsubscribeResponseMessage>`+
			`</m:ResponseMessages></m:UnsubscribeResponse></s:Body></s:Envelope>`)
	}))
	defer ts.Close()
	c := &Client{URL: ts.URL}
	for range 3 {
		if err := c.Unsubscribe(context.Background(), "sub-1"); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if keptAlive != 0 {
		t.Errorf("%d of 3 requests kept their connection alive", keptAlive)
	}
}
