package ews

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func goldenDecline() *MeetingResponse {
	return &MeetingResponse{
		Kind: Decline,
		ReferenceItemID: ItemID{
			ID:        "AAMkAGQ3ZWI1NmE1LTk2ZTgtNGNlZS1hM2M2LTE0ZDFhNjQ1ZmM5MQBGAAAAAAC9jbQ0AAB=",
			ChangeKey: "DwAAABYAAAB2kG0cK2vFQ7oEHvSaP9rXAAAA8Yx2",
		},
		Body: "Freigegeben: niemand hat eingecheckt / 無人報到，會議室已釋放 <A&B>",
	}
}

func TestRespondToMeetingRequest(t *testing.T) {
	tests := []struct {
		golden string
		resp   *MeetingResponse
		disp   string
	}{
		{"RespondToMeeting-decline", goldenDecline(), "SendAndSaveCopy"},
		{"RespondToMeeting-accept", &MeetingResponse{Kind: Accept, ReferenceItemID: ItemID{ID: "AAMkADEzOTExYjJkLTYzAAA="}, MessageDisposition: "SendOnly"}, "SendOnly"},
		{"RespondToMeeting-tentative", &MeetingResponse{Kind: TentativelyAccept, ReferenceItemID: ItemID{ID: "AAMkADEzOTExYjJkLTYzAAB=", ChangeKey: "CwAAABYAA"},
			Body: "Vielleicht – Jürgen Müller"}, "SendAndSaveCopy"},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			req, err := newCreateResponseRequest(tc.resp)
			if err != nil {
				t.Fatal(err)
			}
			if req.MessageDisposition != tc.disp {
				t.Errorf("MessageDisposition = %q, want %q", req.MessageDisposition, tc.disp)
			}
			checkRequestGolden(t, tc.golden, req)
		})
	}
}

func TestRespondToMeetingRequestInvalid(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *MeetingResponse)
		field string
	}{
		{"no kind", func(r *MeetingResponse) { r.Kind = "" }, "Kind"},
		{"bad kind", func(r *MeetingResponse) { r.Kind = "CancelCalendarItem" }, "Kind"},
		{"no reference", func(r *MeetingResponse) { r.ReferenceItemID = ItemID{ChangeKey: "x"} }, "ReferenceItemID"},
		{"bad disposition", func(r *MeetingResponse) { r.MessageDisposition = "Send" }, "MessageDisposition"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := goldenDecline()
			tc.edit(r)
			_, err := newCreateResponseRequest(r)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tc.field)
			}
		})
	}
	if _, err := newCreateResponseRequest(nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("nil request: err = %v", err)
	}
}

func TestRespondToMeetingResponse(t *testing.T) {
	doc := readFixture(t, "RespondToMeeting.response.xml")
	checkResponseSchema(t, doc)
	var r createItemResponse
	if _, err := parseFixture(t, "RespondToMeeting.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	got, err := r.responseResult()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("ids = %v, want none (Microsoft's example has an empty Items)", got)
	}

	// Newer servers report the items they made (the saved response, the
	// calendar item of an accept); they are returned in order.
	r.Messages[0].Items.Items = append(r.Messages[0].Items.Items,
		struct {
			ItemID ItemID `xml:"ItemId"`
		}{ItemID{ID: "AAMkA1", ChangeKey: "Dw1"}},
		struct {
			ItemID ItemID `xml:"ItemId"`
		}{},
	)
	got, err = r.responseResult()
	if diff := cmp.Diff([]ItemID{{ID: "AAMkA1", ChangeKey: "Dw1"}}, got); diff != "" || err != nil {
		t.Errorf("ids (-want +got):\n%s err %v", diff, err)
	}
}

func TestRespondToMeetingResponseError(t *testing.T) {
	var r createItemResponse
	if _, err := parseFixture(t, "RespondToMeeting-error.response.xml", &r); err != nil {
		t.Fatal(err)
	}
	_, err := r.responseResult()
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "ErrorItemNotFound" {
		t.Fatalf("err = %v, want ErrorItemNotFound", err)
	}
	if !strings.HasPrefix(err.Error(), "ews: CreateItem: ") {
		t.Errorf("error not wrapped once with the op: %q", err)
	}

	r.Messages = append(r.Messages, r.Messages[0])
	if _, err := r.responseResult(); !errors.Is(err, ErrMalformed) {
		t.Errorf("two messages: err = %v, want ErrMalformed", err)
	}
}

// TestRespondToMeetingWire sends a decline through the client to a server
// that answers with Microsoft's example.
func TestRespondToMeetingWire(t *testing.T) {
	answer := readFixture(t, "RespondToMeeting.response.xml")
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		body = b.String()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	c := New(srv.URL, nil).Impersonating("raum.muenchen-grosser-saal@contoso.com")
	ids, err := c.RespondToMeeting(context.Background(), goldenDecline())
	if err != nil || len(ids) != 0 {
		t.Fatalf("RespondToMeeting = %v, %v", ids, err)
	}
	for _, want := range []string{`MessageDisposition="SendAndSaveCopy"`, "<t:DeclineItem>", `<t:ReferenceItemId Id="AAMkAGQ3`, "raum.muenchen-grosser-saal@contoso.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
}
