package autodiscover

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/roomboard/roomboard/ews"
)

// TestDiscoverReleasesPrivateConnections: without Client.HTTPClient each
// Discover builds its own transport. Nothing else can reuse or close that
// transport's connections, so Discover must close them before it returns
// rather than leave them (and their goroutines) idle for 90 seconds.
func TestDiscoverReleasesPrivateConnections(t *testing.T) {
	for name, cred := range map[string]ews.Credentials{
		"none": nil,
		"ntlm": ews.NTLMAuth(`CONTOSO\müller`, "Kennwort-密碼"),
	} {
		t.Run(name, func(t *testing.T) { testReleasesConnections(t, cred) })
	}
}

func testReleasesConnections(t *testing.T, cred ews.Credentials) {
	closed := make(chan struct{}, 16)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		soapSettings(ewsInternal, ewsExternal)(w, r)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			closed <- struct{}{}
		}
	}
	ts.Start()
	defer ts.Close()
	c := &Client{
		Credentials: cred,
		AllowHTTP:   true,
		Endpoints:   func(string) []Endpoint { return []Endpoint{{ts.URL + "/autodiscover/autodiscover.svc", SOAP}} },
	}
	if _, err := c.Discover(context.Background(), "raum.zürich@contoso.com"); err != nil {
		t.Fatal(err)
	}
	// The server notices the close asynchronously; the bound only keeps a
	// broken build from hanging the test run.
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection Discover used is still open after it returned")
	}
}
