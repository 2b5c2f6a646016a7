package ews

import (
	"context"
	"encoding/xml"
	"fmt"
)

type unsubscribeRequest struct {
	XMLName        xml.Name `xml:"m:Unsubscribe"`
	SubscriptionID string   `xml:"m:SubscriptionId"`
}

type unsubscribeResponse struct {
	Messages []ResponseMessage `xml:"ResponseMessages>UnsubscribeResponseMessage"`
}

// Unsubscribe ends a pull or streaming subscription before it times out.
// Push subscriptions end when the callback answers
// [PushNotificationResult] with unsubscribe set. An unknown subscription fails with
// a [*ResponseError] whose Code is ErrorSubscriptionNotFound.
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/unsubscribe-operation
func (c *Client) Unsubscribe(ctx context.Context, subscriptionID string) error {
	if subscriptionID == "" {
		return &ValidationError{Op: "Unsubscribe", Field: "subscriptionID", Reason: "empty"}
	}
	var r unsubscribeResponse
	if err := c.call(ctx, "Unsubscribe", &unsubscribeRequest{SubscriptionID: subscriptionID}, &r); err != nil {
		return err
	}
	return r.result()
}

func (r *unsubscribeResponse) result() error {
	if len(r.Messages) != 1 {
		return fmt.Errorf("ews: Unsubscribe: %w: %d response messages, want 1", ErrMalformed, len(r.Messages))
	}
	if err := r.Messages[0].Err(); err != nil {
		return wrapOp("Unsubscribe", err)
	}
	return nil
}
