package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const streamSubID = "JgBibjFwcjAzbWIyMDIubmFtcHJkMDMucHJvZC5vdXRsb29rLmNvbRAAAADwXxVesOnHS5BxUHKwAW88SHjwd1iB0Ag="

func TestGetStreamingEventsRequest(t *testing.T) {
	req, err := newGetStreamingEventsRequest([]string{streamSubID, "f6bc657d-dde1-4f94-952d-143b95d6483d"}, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	checkRequestGolden(t, "GetStreamingEvents", req)
}

func TestGetStreamingEventsRequestInvalid(t *testing.T) {
	tests := []struct {
		name    string
		ids     []string
		timeout time.Duration
		field   string
	}{
		{"no ids", nil, time.Minute, "ids"},
		{"empty id", []string{""}, time.Minute, "ids[0]"},
		{"zero timeout", []string{streamSubID}, 0, "connectionTimeout"},
		{"over 30 minutes", []string{streamSubID}, 31 * time.Minute, "connectionTimeout"},
		{"fraction", []string{streamSubID}, 150 * time.Second, "connectionTimeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newGetStreamingEventsRequest(tc.ids, tc.timeout)
			var ae *ValidationError
			if !errors.As(err, &ae) || ae.Field != tc.field {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
}

// streamOf returns an EventStream over b, as GetStreamingEvents would for
// a response body.
func streamOf(b []byte) *EventStream {
	return newEventStream(&Client{}, io.NopCloser(bytes.NewReader(b)), MaxStreamingEnvelopeBytes)
}

func TestGetStreamingEventsResponse(t *testing.T) {
	s := streamOf(readFixture(t, "GetStreamingEvents.response.xml"))
	defer s.Close()
	got, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2013, 9, 16, 4, 31, 29, 0, time.UTC)
	item := &ItemID{ID: "AAMkADkzNjJjODUzLWZhMDMtNDVkMS05ZDdjLWVmMDlkYjQ1Zjc4MwBGAAAAAABSSWVKrmGUTJE+MVIvofglBwDZGACZQpSgSpyNkexYe2b7AAAAAAENAADZGACZQpSgSpyNkexYe2b7AAANGFYwAAA=", ChangeKey: "CQAAAA=="}
	inbox := "AQMkADkzNjJjODUzLWZhMDMtNDVkMS05ZDdjLWVmMDlkYjQ1Zjc4MwAuAAADUkllSq5hlEyRPjFSL6H4JQEA2RgAmUKUoEqcjZHsWHtm+wAAAgENAAAA"
	want := &StreamingResponse{
		ConnectionStatus: "OK",
		Notifications: []Notification{{
			SubscriptionID: "f6bc657d-dde1-4f94-952d-143b95d6483d",
			Events: []Event{
				{Kind: "CreatedEvent", TimeStamp: ts, ItemID: item, ParentFolderID: inbox},
				{Kind: "NewMailEvent", TimeStamp: ts, ItemID: item, ParentFolderID: inbox},
				{Kind: "ModifiedEvent", TimeStamp: ts, FolderID: inbox, UnreadCount: 1,
					ParentFolderID: "AQMkADkzNjJjODUzLWZhMDMtNDVkMS05ZDdjLWVmMDlkYjQ1Zjc4MwAuAAADUkllSq5hlEyRPjFSL6H4JQEA2RgAmUKUoEqcjZHsWHtm+wAAAgEJAAAA"},
			},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Errorf("after the last envelope: err = %v, want io.EOF", err)
	}
}

func TestGetStreamingEventsSubscriptionNotFound(t *testing.T) {
	s := streamOf(readFixture(t, "GetStreamingEvents-error.response.xml"))
	defer s.Close()
	got, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &StreamingResponse{
		ConnectionStatus: "Closed",
		Errors: []*StreamingError{{
			Code:            "ErrorSubscriptionNotFound",
			Message:         "The specified subscription was not found.",
			SubscriptionIDs: []string{streamSubID},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if len(got.Errors) == 1 && (Code(got.Errors[0]) != "ErrorSubscriptionNotFound" || IsTransient(got.Errors[0])) {
		t.Errorf("Code = %q, IsTransient = %v", Code(got.Errors[0]), IsTransient(got.Errors[0]))
	}
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Errorf("after Closed: err = %v, want io.EOF", err)
	}
}

// streamEnvelope renders one GetStreamingEvents envelope; notifications are
// literal t:Notification (or m:Notification, as Microsoft's samples show)
// elements.
func streamEnvelope(decl bool, status string, notifications ...string) string {
	var b strings.Builder
	if decl {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	}
	b.WriteString(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
		`<ServerVersionInfo xmlns="http://schemas.microsoft.com/exchange/services/2006/types" MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11"/>` +
		`</soap:Header><soap:Body><m:GetStreamingEventsResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
		`<m:ResponseMessages><m:GetStreamingEventsResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>`)
	if len(notifications) > 0 {
		b.WriteString(`<m:Notifications>` + strings.Join(notifications, "") + `</m:Notifications>`)
	}
	b.WriteString(`<m:ConnectionStatus>` + status + `</m:ConnectionStatus></m:GetStreamingEventsResponseMessage></m:ResponseMessages></m:GetStreamingEventsResponse></soap:Body></soap:Envelope>`)
	return b.String()
}

func streamNotification(prefix, sub, kind, item string) string {
	return fmt.Sprintf(`<%s:Notification><t:SubscriptionId>%s</t:SubscriptionId><t:%s><t:Watermark>W-%s</t:Watermark><t:TimeStamp>2026-03-02T06:00:00Z</t:TimeStamp>`+
		`<t:ItemId Id="%s" ChangeKey="CK"/><t:ParentFolderId Id="cal"/></t:%s></%s:Notification>`, prefix, sub, kind, item, item, kind, prefix)
}

// TestGetStreamingEventsStream serves three envelopes, each flushed and
// held back until the client has read the one before (so Next must not wait
// for the end of the body), then half an envelope, then resets the
// connection.
func TestGetStreamingEventsStream(t *testing.T) {
	envelopes := []string{
		streamEnvelope(true, "OK", streamNotification("t", "sub-台北", "CreatedEvent", "item-1")),
		"\r\n" + streamEnvelope(false, "OK", streamNotification("m", "sub-台北", "ModifiedEvent", "item-1")),
		streamEnvelope(true, "OK",
			streamNotification("t", "sub-zürich", "DeletedEvent", "item-2"),
			streamNotification("t", "sub-台北", "FreeBusyChangedEvent", "item-3")),
	}
	ack := make(chan struct{})
	served := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("SOAPAction"); !strings.HasSuffix(got, `/GetStreamingEvents"`) {
			served <- fmt.Errorf("SOAPAction %q", got)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		for _, env := range envelopes {
			io.WriteString(w, env)
			w.(http.Flusher).Flush()
			select {
			case <-ack:
			case <-r.Context().Done():
				served <- r.Context().Err()
				return
			}
		}
		io.WriteString(w, envelopes[0][:len(envelopes[0])/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			served <- err
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST, as a dropped load balancer would
		}
		served <- conn.Close()
	}))
	defer srv.Close()

	c := New(srv.URL, nil)
	ctx := context.Background()
	s, err := c.GetStreamingEvents(ctx, []string{"sub-台北", "sub-zürich"}, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	type seen struct{ Sub, Kind, Item string }
	want := [][]seen{
		{{"sub-台北", "CreatedEvent", "item-1"}},
		{{"sub-台北", "ModifiedEvent", "item-1"}},
		{{"sub-zürich", "DeletedEvent", "item-2"}, {"sub-台北", "FreeBusyChangedEvent", "item-3"}},
	}
	for i, w := range want {
		resp, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("envelope %d: %v", i, err)
		}
		var got []seen
		for _, n := range resp.Notifications {
			for _, ev := range n.Events {
				got = append(got, seen{n.SubscriptionID, ev.Kind, ev.ItemID.ID})
			}
		}
		if diff := cmp.Diff(w, got); diff != "" || resp.ConnectionStatus != "OK" {
			t.Errorf("envelope %d: status %q (-want +got):\n%s", i, resp.ConnectionStatus, diff)
		}
		ack <- struct{}{}
	}
	_, err = s.Next(ctx)
	if err == nil || err == io.EOF || !IsTransient(err) {
		t.Fatalf("after reset: err = %v, want a transient error", err)
	}
	if _, again := s.Next(ctx); again != err {
		t.Errorf("Next after failure = %v, want the same error %v", again, err)
	}
	if err := <-served; err != nil {
		t.Errorf("server: %v", err)
	}
	if v := c.ServerVersion(); v.Build() != "15.2.1544.4" {
		t.Errorf("server version not recorded from the stream: %+v", v)
	}
}

func TestGetStreamingEventsCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, streamEnvelope(true, "OK"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	s, err := New(srv.URL, nil).GetStreamingEvents(context.Background(), []string{"sub"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if resp, err := s.Next(context.Background()); err != nil || resp.ConnectionStatus != "OK" || len(resp.Notifications) != 0 {
		t.Fatalf("keep-alive envelope: %+v, %v", resp, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Next(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel = %v, want context.Canceled", err)
	}
}

func TestGetStreamingEventsMalformed(t *testing.T) {
	env := streamEnvelope(true, "OK", streamNotification("t", "sub", "CreatedEvent", strings.Repeat("x", 4096)))
	tests := []struct {
		name      string
		body      string
		max       int64
		is        error
		transient bool
	}{
		{"truncated", env[:len(env)-40], MaxStreamingEnvelopeBytes, io.ErrUnexpectedEOF, true},
		{"too large", env, 2048, ErrTooLarge, false},
		{"not soap", `<html><body>proxy error</body></html>`, MaxStreamingEnvelopeBytes, ErrMalformed, false},
		{"text between", env + "garbage" + env, MaxStreamingEnvelopeBytes, ErrMalformed, false},
		{"fault", string(readFixture(t, "fault-server-busy.response.xml")), MaxStreamingEnvelopeBytes, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newEventStream(&Client{}, io.NopCloser(strings.NewReader(tc.body)), tc.max)
			var err error
			for range 3 {
				if _, err = s.Next(context.Background()); err != nil {
					break
				}
			}
			if err == nil || err == io.EOF || (tc.is != nil && !errors.Is(err, tc.is)) || IsTransient(err) != tc.transient {
				t.Fatalf("err = %v (transient %v), want %v (transient %v)", err, IsTransient(err), tc.is, tc.transient)
			}
		})
	}
}
