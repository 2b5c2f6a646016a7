package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/roomboard/roomboard/core/hubproto"
)

// routePath turns a pattern's path into a concrete one.
func routePath(path string) string {
	return strings.NewReplacer("{id}", "nobody@contoso.com", "{code}", "AAA-AAA", "{login}", "niemand",
		"{file}", "x.ics").Replace(path)
}

// TestRouteTableAuth walks the whole route table: without credentials
// every non-public route answers 401, a viewer gets 403 on admin routes, a
// device token opens no operator route and an operator token no device
// route.
func TestRouteTableAuth(t *testing.T) {
	e := newHubEnv(t)
	adminTok := e.login(testAdmin, testPassword)
	e.addOperator(adminTok, "li.viewer", "只讀帳號-密碼-123", hubproto.RoleViewer)
	viewerTok := e.login("li.viewer", "只讀帳號-密碼-123")
	deviceTok, _ := e.pair(adminTok, hubproto.ApproveRequest{Mode: hubproto.ModeRoom, Rooms: []string{hubRooms[0].ID}})

	routes := e.s.routes()
	if len(routes) < 25 {
		t.Fatalf("only %d routes", len(routes))
	}
	counts := map[access]int{}
	for _, rt := range routes {
		counts[rt.access]++
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			t.Fatalf("pattern %q has no method", rt.pattern)
		}
		path = routePath(path)
		t.Run(rt.pattern, func(t *testing.T) {
			code, body := e.do(method, path, "", nil)
			if rt.access == public {
				if code == http.StatusUnauthorized || code == http.StatusForbidden {
					t.Errorf("public route without credentials: %d %s", code, body)
				}
				return
			}
			if code != http.StatusUnauthorized || apiError(t, body).Code != hubproto.ErrorCodeUnauthorized {
				t.Errorf("without credentials: %d %s, want 401 unauthorized", code, body)
			}
			// A token of the other kind is no credential here.
			other := deviceTok
			if rt.access == device {
				other = adminTok
			}
			if code, body := e.do(method, path, other, nil); code != http.StatusUnauthorized {
				t.Errorf("with the other kind of token: %d %s, want 401", code, body)
			}
			switch rt.access {
			case admin:
				code, body := e.do(method, path, viewerTok, nil)
				if code != http.StatusForbidden || apiError(t, body).Code != hubproto.ErrorCodeForbidden {
					t.Errorf("viewer on an admin route: %d %s, want 403 forbidden", code, body)
				}
			case viewer:
				if rt.pattern == "POST "+hubproto.PathLogout {
					return // it would end the viewer's session; TestLogin covers it
				}
				if code, body := e.do(method, path, viewerTok, nil); code == http.StatusUnauthorized || code == http.StatusForbidden {
					t.Errorf("viewer on a viewer route: %d %s", code, body)
				}
			case device:
				if code, body := e.do(method, path, deviceTok, nil); code == http.StatusUnauthorized || code == http.StatusForbidden {
					t.Errorf("device on a device route: %d %s", code, body)
				}
			}
		})
	}
	for _, a := range []access{public, device, viewer, admin} {
		if counts[a] == 0 {
			t.Errorf("no %s route", a)
		}
	}
	// A malformed bearer value is no credential either.
	code, _ := e.do("GET", hubproto.PathSnapshot, "not-a-token", nil)
	if code != http.StatusUnauthorized {
		t.Errorf("malformed token: %d, want 401", code)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	e := newHubEnv(t)
	big := []byte(`{"user":"` + strings.Repeat("ä", hubproto.MaxClientBytes) + `","password":"x"}`)
	code, body := e.do("POST", hubproto.PathLogin, "", big)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized login: %d %s, want 413", code, body)
	}
	code, body = e.do("POST", hubproto.PathPair, "", []byte(`{"name":`))
	if code != http.StatusBadRequest || apiError(t, body).Code != hubproto.ErrorCodeInvalid {
		t.Errorf("truncated pairing request: %d %s, want 400 invalid", code, body)
	}
}

func TestEWSPushMount(t *testing.T) {
	got := make(chan []byte, 1)
	push := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		got <- data
		w.Write([]byte("<SendNotificationResult/>"))
	})
	e := newHubEnv(t, func(o *Options) { o.PushHandler = push })
	code, body := e.do("POST", hubproto.PathEWSPush, "", []byte("<Envelope>ä</Envelope>"))
	if code != http.StatusOK || string(body) != "<SendNotificationResult/>" {
		t.Errorf("push: %d %q", code, body)
	} else if g := <-got; string(g) != "<Envelope>ä</Envelope>" {
		t.Errorf("push handler got %q", g)
	}
	code, _ = e.do("POST", hubproto.PathEWSPush, "", make([]byte, maxPushBody+1))
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized push: %d, want 413", code)
	}
	if e.s.PublicURL()+hubproto.PathEWSPush != testPublicURL+"/ews/push" {
		t.Errorf("push callback URL %q", e.s.PublicURL()+hubproto.PathEWSPush)
	}

	// Without a handler the path is not served.
	e2 := newHubEnv(t)
	if code, _ := e2.do("POST", hubproto.PathEWSPush, "", []byte("<x/>")); code != http.StatusNotFound {
		t.Errorf("push without a handler: %d, want 404", code)
	}
}
