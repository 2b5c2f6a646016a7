package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// The JSON columns have their own shapes, with lower-case keys and enum
// names instead of numbers, so renaming or reordering something in
// core/room never silently changes what old rows mean.

type attendeeJSON struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Response string `json:"response,omitempty"`
}

var responses = map[string]room.Response{}

func init() {
	for r := room.ResponseUnknown; r <= room.ResponseOrganizer; r++ {
		responses[r.String()] = r
	}
}

func encodeAttendees(as []room.Attendee) (*string, error) {
	if len(as) == 0 {
		return nil, nil
	}
	js := make([]attendeeJSON, len(as))
	for i, a := range as {
		js[i] = attendeeJSON{Name: a.Name, Email: a.Email, Response: a.Response.String()}
	}
	return marshal(js)
}

func decodeAttendees(s *string) ([]room.Attendee, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var js []attendeeJSON
	if err := json.Unmarshal([]byte(*s), &js); err != nil {
		return nil, fmt.Errorf("decode attendees: %w", err)
	}
	as := make([]room.Attendee, len(js))
	for i, a := range js {
		as[i] = room.Attendee{Name: a.Name, Email: a.Email, Response: responses[a.Response]}
	}
	return as, nil
}

// duration is a time.Duration written as Go's duration text ("10m0s").
type duration time.Duration

func (d duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = duration(v)
	return err
}

type checkInJSON struct {
	Enabled          bool     `json:"enabled,omitempty"`
	Before           duration `json:"before,omitzero"`
	After            duration `json:"after,omitzero"`
	ReleaseAfter     duration `json:"releaseAfter,omitzero"`
	ExemptAllDay     bool     `json:"exemptAllDay,omitempty"`
	ExemptLongerThan duration `json:"exemptLongerThan,omitzero"`
}

type policyJSON struct {
	HideSubject   bool        `json:"hideSubject,omitempty"`
	HideOrganizer bool        `json:"hideOrganizer,omitempty"`
	HideAttendees bool        `json:"hideAttendees,omitempty"`
	CheckIn       checkInJSON `json:"checkIn,omitzero"`
}

func encodePolicy(p room.Policy) (*string, error) {
	if p == (room.Policy{}) {
		return nil, nil
	}
	c := p.CheckIn
	return marshal(policyJSON{
		HideSubject: p.HideSubject, HideOrganizer: p.HideOrganizer, HideAttendees: p.HideAttendees,
		CheckIn: checkInJSON{
			Enabled: c.Enabled, Before: duration(c.Before), After: duration(c.After),
			ReleaseAfter: duration(c.ReleaseAfter), ExemptAllDay: c.ExemptAllDay,
			ExemptLongerThan: duration(c.ExemptLongerThan),
		},
	})
}

func decodePolicy(s *string) (room.Policy, error) {
	if s == nil || *s == "" {
		return room.Policy{}, nil
	}
	var j policyJSON
	if err := json.Unmarshal([]byte(*s), &j); err != nil {
		return room.Policy{}, fmt.Errorf("decode policy: %w", err)
	}
	c := j.CheckIn
	return room.Policy{
		HideSubject: j.HideSubject, HideOrganizer: j.HideOrganizer, HideAttendees: j.HideAttendees,
		CheckIn: room.CheckInPolicy{
			Enabled: c.Enabled, Before: time.Duration(c.Before), After: time.Duration(c.After),
			ReleaseAfter: time.Duration(c.ReleaseAfter), ExemptAllDay: c.ExemptAllDay,
			ExemptLongerThan: time.Duration(c.ExemptLongerThan),
		},
	}, nil
}

// encodeStrings stores a list of IDs or names; an empty list is NULL.
func encodeStrings(ss []string) (*string, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	return marshal(ss)
}

func decodeStrings(s *string, what string) ([]string, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var ss []string
	if err := json.Unmarshal([]byte(*s), &ss); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return ss, nil
}

func marshal(v any) (*string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
