package ews

import (
	"context"
	"encoding/xml"
	"fmt"
)

type getEventsRequest struct {
	XMLName        xml.Name `xml:"m:GetEvents"`
	SubscriptionID string   `xml:"m:SubscriptionId"`
	Watermark      string   `xml:"m:Watermark"`
}

type getEventsMessage struct {
	ResponseMessage
	Notification *xmlNotification `xml:"Notification"`
}

type getEventsResponse struct {
	Messages []getEventsMessage `xml:"ResponseMessages>GetEventsResponseMessage"`
}

// GetEvents polls a pull subscription for the events since watermark (the
// Subscription's watermark first, then the Watermark of the last event
// received). When Notification.MoreEvents is true the caller should call
// again at once. A quiet mailbox answers with a single StatusEvent, which
// carries the watermark to use next.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getevents-operation
func (c *Client) GetEvents(ctx context.Context, subscriptionID, watermark string) (*Notification, error) {
	const op = "GetEvents"
	if subscriptionID == "" {
		return nil, &ValidationError{Op: op, Field: "subscriptionID", Reason: "empty"}
	}
	if watermark == "" {
		return nil, &ValidationError{Op: op, Field: "watermark", Reason: "empty"}
	}
	var r getEventsResponse
	if err := c.call(ctx, op, &getEventsRequest{SubscriptionID: subscriptionID, Watermark: watermark}, &r); err != nil {
		return nil, err
	}
	return r.result()
}

func (r *getEventsResponse) result() (*Notification, error) {
	if len(r.Messages) != 1 {
		return nil, fmt.Errorf("ews: GetEvents: %w: %d response messages, want 1", ErrMalformed, len(r.Messages))
	}
	m := &r.Messages[0]
	if err := m.Err(); err != nil {
		return nil, wrapOp("GetEvents", err)
	}
	if m.Notification == nil {
		return nil, fmt.Errorf("ews: GetEvents: %w: no notification", ErrMalformed)
	}
	n := Notification(*m.Notification)
	return &n, nil
}
