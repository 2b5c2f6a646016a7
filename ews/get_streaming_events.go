package ews

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// MaxStreamingEnvelopeBytes bounds each SOAP envelope of a streaming
// response. A GetStreamingEvents connection has no total bound, as it may
// legitimately stay open for 30 minutes; each envelope holds at most 50
// events per subscription and is far smaller than this.
const MaxStreamingEnvelopeBytes = 8 << 20

type getStreamingEventsRequest struct {
	XMLName           xml.Name `xml:"m:GetStreamingEvents"`
	SubscriptionIDs   []string `xml:"m:SubscriptionIds>t:SubscriptionId"`
	ConnectionTimeout int      `xml:"m:ConnectionTimeout"`
}

func newGetStreamingEventsRequest(ids []string, connectionTimeout time.Duration) (*getStreamingEventsRequest, error) {
	const op = "GetStreamingEvents"
	if len(ids) == 0 {
		return nil, &ValidationError{Op: op, Field: "ids", Reason: "no subscription ids"}
	}
	for i, id := range ids {
		if id == "" {
			return nil, &ValidationError{Op: op, Field: fmt.Sprintf("ids[%d]", i), Reason: "empty"}
		}
	}
	m, err := minutesArg(op, "connectionTimeout", connectionTimeout, 30)
	if err != nil {
		return nil, err
	}
	return &getStreamingEventsRequest{SubscriptionIDs: ids, ConnectionTimeout: m}, nil
}

// StreamingResponse is one SOAP envelope of a streaming connection.
type StreamingResponse struct {
	// ConnectionStatus is OK while the connection stays open, and Closed in
	// the last envelope before Exchange ends it (timeout reached, or all
	// subscriptions failed).
	ConnectionStatus string
	// Notifications, one per subscription with events. Exchange also sends
	// envelopes with none, as keep-alives.
	Notifications []Notification
	// Errors are per-subscription failures; the other subscriptions on the
	// connection keep streaming.
	Errors []*StreamingError
}

// StreamingError is a failure reported inside a streaming response, such as
// ErrorSubscriptionNotFound or ErrorInvalidSubscription after a
// subscription expired. SubscriptionIDs names the subscriptions concerned;
// it is empty when the error applies to the whole connection. Such
// subscriptions must be created again with Subscribe.
type StreamingError struct {
	Code            string
	Message         string
	SubscriptionIDs []string
}

func (e *StreamingError) Error() string {
	msg := "ews: GetStreamingEvents: " + e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.SubscriptionIDs) > 0 {
		msg += " (subscriptions " + strings.Join(e.SubscriptionIDs, ", ") + ")"
	}
	return msg
}

// Unwrap exposes the code as a [*ResponseError], so that [Code] and
// [IsTransient] work on a StreamingError too.
func (e *StreamingError) Unwrap() error { return &ResponseError{Code: e.Code, Message: e.Message} }

type getStreamingEventsMessage struct {
	ResponseMessage
	Notifications        []xmlNotification `xml:"Notifications>Notification"`
	ErrorSubscriptionIDs []string          `xml:"ErrorSubscriptionIds>SubscriptionId"`
	ConnectionStatus     string            `xml:"ConnectionStatus"`
}

type getStreamingEventsResponse struct {
	Messages []getStreamingEventsMessage `xml:"ResponseMessages>GetStreamingEventsResponseMessage"`
}

func (r *getStreamingEventsResponse) result() (*StreamingResponse, error) {
	if len(r.Messages) == 0 {
		return nil, fmt.Errorf("ews: GetStreamingEvents: %w: no response messages", ErrMalformed)
	}
	out := &StreamingResponse{}
	for i := range r.Messages {
		m := &r.Messages[i]
		// Closed in any message closes the connection.
		if st := strings.TrimSpace(m.ConnectionStatus); st != "" && out.ConnectionStatus != "Closed" {
			out.ConnectionStatus = st
		}
		out.Notifications = append(out.Notifications, notifications(m.Notifications)...)
		if err := m.Err(); err != nil {
			var re *ResponseError
			errors.As(err, &re)
			se := &StreamingError{Code: re.Code, Message: re.Message}
			for _, id := range m.ErrorSubscriptionIDs {
				if id = strings.TrimSpace(id); id != "" {
					se.SubscriptionIDs = append(se.SubscriptionIDs, id)
				}
			}
			out.Errors = append(out.Errors, se)
		}
	}
	return out, nil
}

// xmlStreamingEnvelope is one envelope of a streaming response.
type xmlStreamingEnvelope struct {
	ServerVersion ServerVersionInfo           `xml:"Header>ServerVersionInfo"`
	Fault         *xmlFault                   `xml:"Body>Fault"`
	Response      *getStreamingEventsResponse `xml:"Body>GetStreamingEventsResponse"`
}

// EventStream reads the envelopes of one GetStreamingEvents connection. Next
// must not be called concurrently; Close may be called at any time, also to
// interrupt a blocked Next.
type EventStream struct {
	c      *Client
	body   io.ReadCloser
	r      *envelopeReader
	dec    *xml.Decoder
	err    error // sticky: once set, Next returns it
	closed atomic.Bool
}

// envelopeReader counts the bytes of the current envelope and remembers why
// the connection ended.
type envelopeReader struct {
	r    io.Reader
	n    int64
	max  int64
	eof  bool  // the body ended cleanly
	rerr error // the body failed (reset, truncated chunk, closed)
}

func (e *envelopeReader) Read(p []byte) (int, error) {
	if e.n >= e.max {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > e.max-e.n {
		p = p[:e.max-e.n]
	}
	n, err := e.r.Read(p)
	e.n += int64(n)
	switch {
	case err == io.EOF:
		e.eof = true
	case err != nil:
		e.rerr = err
	}
	return n, err
}

func newEventStream(c *Client, body io.ReadCloser, maxEnvelope int64) *EventStream {
	r := &envelopeReader{r: body, max: maxEnvelope}
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	return &EventStream{c: c, body: body, r: r, dec: d}
}

// GetStreamingEvents opens a streaming connection for up to 200
// subscriptions (created with Subscribe and Kind Streaming) of mailboxes on
// the same server, and keeps it open for connectionTimeout (whole minutes,
// 1 to 30). Exchange answers with one long HTTP response that carries one
// SOAP envelope after another; read them with [EventStream.Next] and
// [EventStream.Close] the stream when done. ctx governs the whole
// connection, and so does HTTPClient.Timeout if set: it must exceed
// connectionTimeout. Errors of the whole request, such as a SOAP fault,
// arrive from the first Next.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getstreamingevents-operation
func (c *Client) GetStreamingEvents(ctx context.Context, ids []string, connectionTimeout time.Duration) (*EventStream, error) {
	req, err := newGetStreamingEventsRequest(ids, connectionTimeout)
	if err != nil {
		return nil, err
	}
	payload, err := marshalEnvelope(c.header(), req)
	if err != nil {
		return nil, err
	}
	lb, err := c.post(ctx, "GetStreamingEvents", payload)
	if err != nil {
		return nil, err
	}
	// The stream bounds each envelope instead of the whole body, so it
	// reads the raw body rather than post's total-size limit.
	return newEventStream(c, lb.rc, MaxStreamingEnvelopeBytes), nil
}

// Next blocks until the next envelope arrives and returns it. It returns
// io.EOF when the server has ended the connection cleanly (after an
// envelope with ConnectionStatus Closed). A reset or truncated connection
// is an error for which [IsTransient] is true: open a new one. Cancelling
// ctx closes the stream.
func (s *EventStream) Next(ctx context.Context) (*StreamingResponse, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := ctx.Err(); err != nil {
		s.fail(err)
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	resp, err := s.next()
	if !stop() {
		// ctx ended while reading and the body is closed; whatever
		// was read completely still counts.
		s.err = ctx.Err()
		if err != nil {
			return nil, ctx.Err()
		}
		return resp, nil
	}
	if err != nil {
		s.fail(err)
		return nil, err
	}
	if resp.ConnectionStatus == "Closed" {
		// Exchange ends the response after Closed; do not wait for a
		// server that keeps the connection open anyway.
		s.fail(io.EOF)
	}
	return resp, nil
}

// fail ends the stream: err is returned by every later Next, and the
// connection is released.
func (s *EventStream) fail(err error) {
	s.err = err
	s.Close()
}

// next reads one envelope.
func (s *EventStream) next() (*StreamingResponse, error) {
	s.r.n = 0
	for {
		tok, err := s.dec.Token()
		if err == io.EOF && s.r.rerr == nil {
			return nil, io.EOF
		}
		if err != nil {
			return nil, s.readErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "Envelope" || t.Name.Space != NSSoap {
				return nil, fmt.Errorf("ews: GetStreamingEvents: %w: element %q between envelopes", ErrMalformed, t.Name.Local)
			}
			var env xmlStreamingEnvelope
			if err := s.dec.DecodeElement(&env, &t); err != nil {
				return nil, s.readErr(err)
			}
			s.c.recordVersion(env.ServerVersion)
			return env.result()
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("ews: GetStreamingEvents: %w: text between envelopes", ErrMalformed)
			}
		}
		// XML declarations before each envelope, comments: skip.
	}
}

func (env *xmlStreamingEnvelope) result() (*StreamingResponse, error) {
	if env.Fault != nil {
		return nil, fmt.Errorf("ews: GetStreamingEvents: %w", env.Fault.toError())
	}
	if env.Response == nil {
		return nil, fmt.Errorf("ews: GetStreamingEvents: %w: envelope without GetStreamingEventsResponse", ErrMalformed)
	}
	return env.Response.result()
}

// readErr classifies a failure while reading an envelope.
func (s *EventStream) readErr(err error) error {
	switch {
	case s.closed.Load():
		return fmt.Errorf("ews: GetStreamingEvents: %w", net.ErrClosed)
	case errors.Is(err, ErrTooLarge):
		return fmt.Errorf("ews: GetStreamingEvents: envelope over %d bytes: %w", s.r.max, ErrTooLarge)
	case s.r.rerr != nil:
		// The transport failed: a reset, or a chunked body cut short
		// (io.ErrUnexpectedEOF). Both are worth reconnecting for.
		return fmt.Errorf("ews: GetStreamingEvents: %w", s.r.rerr)
	case s.r.eof:
		// The body ended cleanly but inside an envelope: the server
		// went away mid-message, which is as transient as a reset.
		return fmt.Errorf("ews: GetStreamingEvents: stream ended inside an envelope: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("ews: GetStreamingEvents: %w: %v", ErrMalformed, err)
}

// Close releases the connection. It is safe to call more than once and
// concurrently with Next, which then fails.
func (s *EventStream) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.body.Close()
}
