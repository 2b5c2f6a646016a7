package ewstest

// Push subscriptions: the server POSTs m:SendNotification envelopes to the
// subscriber's URL and reads its m:SendNotificationResult.
//
// Each push subscription has one goroutine. It sends a StatusEvent as soon
// as the subscription exists (Exchange checks the endpoint right away),
// then notifications as events arrive (at most 50 events each, with
// watermarks; MoreEvents makes it send the next batch at once), and a
// StatusEvent after StatusFrequency minutes without any notification.
//
// A delivery succeeds when the subscriber answers 200 with a
// SendNotificationResult; SubscriptionStatus Unsubscribe ends the
// subscription. A failed delivery is retried 30 s, 1, 2, 4, ... minutes
// after the first attempt, as Exchange does, as long as the retry falls
// within StatusFrequency minutes of it; after that the subscription is
// dropped and the subscriber has to subscribe again. The events of an
// unacknowledged notification stay queued, so nothing is lost while
// retrying. Minutes here are Options.NotificationMinute.
//
// Deliveries run off the request goroutines and never hold Server.mu or
// subscriptions.mu during network I/O.

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxPushResultBytes bounds a subscriber's SendNotificationResult.
const maxPushResultBytes = 64 << 10

type ntfSendNotification struct {
	XMLName  xml.Name                     `xml:"m:SendNotification"`
	Messages []ntfSendNotificationMessage `xml:"m:ResponseMessages>m:SendNotificationResponseMessage"`
}

type ntfSendNotificationMessage struct {
	ntfResponseMessage
	Notification ntfNotification `xml:"m:Notification"`
}

// runPush delivers sub's notifications until it is removed.
func (sm *subscriptions) runPush(sub *subscription) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-sub.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	minute := sm.minute()
	every := time.Duration(sub.statusFrequency) * minute
	client := &http.Client{Timeout: max(minute, 10*time.Second)}

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		status := false
		select {
		case <-ctx.Done():
			return
		case <-sub.wake:
		case <-timer.C:
			status = true
		}
		for {
			body, last, sent, more, ok := sm.pushBatch(sub, status)
			if !ok {
				break // woken for events already delivered
			}
			result, err := sm.deliver(ctx, client, sub, body, every, minute)
			if err != nil {
				if ctx.Err() == nil {
					sm.logf("ewstest: push subscription %s dropped: %v", sub.id, err)
					sm.mu.Lock()
					sm.removeLocked(sub, true)
					sm.mu.Unlock()
				}
				return
			}
			if !sm.acknowledge(sub, last, sent, result) {
				return
			}
			if !more {
				break
			}
			status = false
		}
		timer.Reset(every)
	}
}

func (sm *subscriptions) logf(format string, args ...any) {
	if f := sm.s.opts.Logf; f != nil {
		f(format, args...)
	}
}

// pushBatch renders the next notification for sub: up to 50 queued events,
// or a StatusEvent when status is set and nothing is queued. last is the
// watermark sequence the notification moves the subscription to, sent how
// many queued events it carries; ok is false when there is nothing to send
// or sub is gone.
func (sm *subscriptions) pushBatch(sub *subscription, status bool) (body []byte, last uint64, sent int, more, ok bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.byID[sub.id] != sub || (len(sub.queue) == 0 && !status) {
		return nil, 0, 0, false, false
	}
	sent = min(len(sub.queue), maxEventsPerNotification)
	more = len(sub.queue) > sent
	note := ntfNotification{SubscriptionID: sub.id, PreviousWatermark: sm.watermark(sub.ack), MoreEvents: &more}
	for _, e := range sub.queue[:sent] {
		note.Events = append(note.Events, sm.eventXML(e, true))
		last = e.seq
	}
	if sent == 0 {
		note.Events = []ntfEvent{sm.statusEvent(true)}
		last = sm.seq
	}
	version := sub.version
	if !knownVersion(version) {
		version = "Exchange2013"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<s:Envelope xmlns:s="` + nsSoap + `" xmlns:m="` + nsMessages + `" xmlns:t="` + nsTypes + `">`)
	b.WriteString(`<s:Header><t:RequestServerVersion Version="` + version + `"/></s:Header><s:Body>`)
	msg := ntfSendNotification{Messages: []ntfSendNotificationMessage{{ntfResponseMessage: ntfSuccess(), Notification: note}}}
	if err := xml.NewEncoder(&b).Encode(&msg); err != nil {
		return nil, 0, 0, false, false
	}
	b.WriteString(`</s:Body></s:Envelope>`)
	return b.Bytes(), last, sent, more, true
}

// deliver POSTs body to sub's URL, retrying with Exchange's back-off, and
// returns the subscriber's SubscriptionStatus.
func (sm *subscriptions) deliver(ctx context.Context, client *http.Client, sub *subscription, body []byte, every, minute time.Duration) (string, error) {
	retry := minute / 2
	start := time.Now()
	for {
		status, err := postNotification(ctx, client, sub.url, body)
		if err == nil {
			return status, nil
		}
		if retry > every {
			return "", fmt.Errorf("no acknowledgement within %d status minutes: %w", sub.statusFrequency, err)
		}
		sm.logf("ewstest: push to %s failed, retrying: %v", sub.url, err)
		t := time.NewTimer(time.Until(start.Add(retry)))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
		retry *= 2
	}
}

// postNotification sends one SendNotification request.
func postNotification(ctx context.Context, client *http.Client, url string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+nsMessages+`/SendNotification"`)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPushResultBytes))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("subscriber answered %s", resp.Status)
	}
	var env struct {
		Status string `xml:"Body>SendNotificationResult>SubscriptionStatus"`
	}
	if err := xml.Unmarshal(b, &env); err != nil {
		return "", fmt.Errorf("subscriber's answer is not a SendNotificationResult: %v", err)
	}
	switch st := strings.TrimSpace(env.Status); st {
	case "OK", "Unsubscribe":
		return st, nil
	default:
		return "", fmt.Errorf("subscriber's SubscriptionStatus %q is neither OK nor Unsubscribe", st)
	}
}

// acknowledge records a delivered notification: its events leave the
// queue and the subscription's watermark moves to last. It reports whether
// the subscription lives on.
func (sm *subscriptions) acknowledge(sub *subscription, last uint64, sent int, result string) bool {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.deliveries++
	close(sm.delivered)
	sm.delivered = make(chan struct{})
	if sm.byID[sub.id] != sub {
		return false
	}
	sub.queue = sub.queue[min(sent, len(sub.queue)):]
	sub.ack = max(sub.ack, last)
	if result == "Unsubscribe" {
		sm.removeLocked(sub, false)
		return false
	}
	return true
}
