package ews

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxPushNotificationBytes bounds the SendNotification request that
// [ParsePushNotification] reads.
const MaxPushNotificationBytes = 4 << 20

// sendNotificationRequest is what Exchange POSTs to a push subscriber: a
// m:SendNotification element shaped like a response, with one message per
// notification.
type sendNotificationRequest struct {
	Messages []getEventsMessage `xml:"ResponseMessages>SendNotificationResponseMessage"`
}

// ParsePushNotification parses the SendNotification request that Exchange
// POSTs to a push subscription's URL. It reads at most
// MaxPushNotificationBytes of r. The handler should answer with
// [PushNotificationResult] (Content-Type text/xml; charset=utf-8) once it has
// recorded the events; Exchange retries a notification that gets no
// answer, and ends the subscription after repeated failures.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/sendnotification
func ParsePushNotification(r io.Reader) (*Notification, error) {
	lb := &limitedBody{rc: io.NopCloser(r), left: MaxPushNotificationBytes}
	var req sendNotificationRequest
	if _, err := parseEnvelope(lb, &req); err != nil {
		if errors.Is(err, ErrMalformed) && errors.Is(lb.err, ErrTooLarge) {
			return nil, fmt.Errorf("ews: SendNotification: %w", lb.err)
		}
		return nil, fmt.Errorf("ews: SendNotification: %w", err)
	}
	return req.result()
}

func (r *sendNotificationRequest) result() (*Notification, error) {
	if len(r.Messages) != 1 {
		return nil, fmt.Errorf("ews: SendNotification: %w: %d notification messages, want 1", ErrMalformed, len(r.Messages))
	}
	m := &r.Messages[0]
	if err := m.Err(); err != nil {
		return nil, wrapOp("SendNotification", err)
	}
	if m.Notification == nil {
		return nil, fmt.Errorf("ews: SendNotification: %w: no notification", ErrMalformed)
	}
	n := Notification(*m.Notification)
	return &n, nil
}

type sendNotificationResult struct {
	XMLName            xml.Name `xml:"m:SendNotificationResult"`
	SubscriptionStatus string   `xml:"m:SubscriptionStatus"`
}

// PushNotificationResult returns the SOAP envelope a push subscriber sends
// back to Exchange: SubscriptionStatus OK to keep the subscription, or
// Unsubscribe to end it.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/sendnotificationresult
func PushNotificationResult(unsubscribe bool) []byte {
	res := sendNotificationResult{SubscriptionStatus: "OK"}
	if unsubscribe {
		res.SubscriptionStatus = "Unsubscribe"
	}
	var b bytes.Buffer
	b.WriteString(envelopeOpen)
	b.WriteString("\n<soap:Body>")
	// A fixed struct of two literal strings cannot fail to marshal.
	_ = xml.NewEncoder(&b).Encode(res)
	b.WriteString("</soap:Body>\n</soap:Envelope>\n")
	return b.Bytes()
}
