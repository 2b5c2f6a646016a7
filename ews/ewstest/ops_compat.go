package ewstest

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// This file holds operations Roomboard's own client never sends but other
// EWS clients send on the way to the operations it does use, found by
// driving the simulator with exchangelib (exchangelib_test.go):
//
//   - GetServerTimeZones: exchangelib's get_free_busy_info asks for the full
//     definition of the request's time zone before every GetUserAvailability,
//     to fill in the legacy t:TimeZone element.
//
// Handlers here only fill gaps: if the core files register the same
// operation, theirs wins.

func (s *Server) registerCompat() {
	for op, h := range map[string]handlerFunc{
		"GetServerTimeZones": s.getServerTimeZones,
	} {
		if _, ok := s.handlers[op]; !ok {
			s.handle(op, h)
		}
	}
}

type getServerTimeZonesRequest struct {
	// ReturnFullTimeZoneData is optional; Exchange treats absence as true.
	ReturnFull *bool    `xml:"ReturnFullTimeZoneData,attr"`
	IDs        []string `xml:"Ids>Id"`
}

type getServerTimeZonesResponse struct {
	XMLName  xml.Name                  `xml:"m:GetServerTimeZonesResponse"`
	Messages []getServerTimeZonesReply `xml:"m:ResponseMessages>m:GetServerTimeZonesResponseMessage"`
}

type getServerTimeZonesReply struct {
	respMsg
	Definitions []wireTimeZoneDefinition `xml:"m:TimeZoneDefinitions>t:TimeZoneDefinition"`
}

// wireTimeZoneDefinition is t:TimeZoneDefinitionType.
type wireTimeZoneDefinition struct {
	ID                string               `xml:"Id,attr"`
	Name              string               `xml:"Name,attr"`
	Periods           []wirePeriod         `xml:"t:Periods>t:Period,omitempty"`
	TransitionsGroups []wireTransitionsGrp `xml:"t:TransitionsGroups>t:TransitionsGroup,omitempty"`
	Transitions       *wireTransitions     `xml:"t:Transitions,omitempty"`
}

type wirePeriod struct {
	Bias string `xml:"Bias,attr"`
	Name string `xml:"Name,attr"`
	ID   string `xml:"Id,attr"`
}

type wireTransitionsGrp struct {
	ID         string              `xml:"Id,attr"`
	Transition []wireTransition    `xml:"t:Transition,omitempty"`
	Recurring  []wireRecurringTran `xml:"t:RecurringDayTransition,omitempty"`
}

type wireTransitions struct {
	Transition []wireTransition `xml:"t:Transition"`
}

type wireTransitionTarget struct {
	Kind  string `xml:"Kind,attr"` // Period or Group
	Value string `xml:",chardata"`
}

type wireTransition struct {
	To wireTransitionTarget `xml:"t:To"`
}

type wireRecurringTran struct {
	To         wireTransitionTarget `xml:"t:To"`
	TimeOffset string               `xml:"t:TimeOffset"`
	Month      int                  `xml:"t:Month"`
	DayOfWeek  string               `xml:"t:DayOfWeek"`
	Occurrence int                  `xml:"t:Occurrence"`
}

func (s *Server) getServerTimeZones(_ context.Context, _ http.ResponseWriter, req *request) (any, error) {
	var in getServerTimeZonesRequest
	if err := req.decode(&in); err != nil {
		return nil, err
	}
	full := in.ReturnFull == nil || *in.ReturnFull
	ids := in.IDs
	if len(ids) == 0 {
		for id := range windowsZones {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	msg := getServerTimeZonesReply{respMsg: success()}
	year := s.opts.Now().Year()
	for _, id := range ids {
		loc := zoneByWindowsID(id)
		if loc == nil {
			msg = getServerTimeZonesReply{respMsg: failure("ErrorTimeZone", "The specified time zone isn't valid.")}
			break
		}
		msg.Definitions = append(msg.Definitions, timeZoneDefinition(id, loc, year, full))
	}
	return &getServerTimeZonesResponse{Messages: []getServerTimeZonesReply{msg}}, nil
}

// timeZoneDefinition describes loc the way Exchange does: a standard
// period, a daylight period when the zone observes DST in year, and one
// transitions group holding the yearly rule.
func timeZoneDefinition(id string, loc *time.Location, year int, full bool) wireTimeZoneDefinition {
	jan := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	jul := time.Date(year, 7, 1, 0, 0, 0, 0, loc)
	_, offJan := jan.Zone()
	_, offJul := jul.Zone()
	std := min(offJan, offJul)
	def := wireTimeZoneDefinition{ID: id, Name: fmt.Sprintf("(UTC%s) %s", utcOffsetLabel(std), loc)}
	if !full {
		return def
	}
	def.Periods = []wirePeriod{{Bias: xsdBias(std), Name: "Standard", ID: "Std"}}
	group := wireTransitionsGrp{ID: "0"}
	toDST, toSTD, ok := dstTransitions(loc, year)
	if offJan == offJul || !ok {
		group.Transition = []wireTransition{{To: wireTransitionTarget{Kind: "Period", Value: "Std"}}}
	} else {
		dstPeriod := fmt.Sprintf("Dlt/%d", year)
		def.Periods = append(def.Periods, wirePeriod{Bias: xsdBias(max(offJan, offJul)), Name: "Daylight", ID: dstPeriod})
		group.Recurring = []wireRecurringTran{recurringRule(toDST, dstPeriod), recurringRule(toSTD, "Std")}
	}
	def.TransitionsGroups = []wireTransitionsGrp{group}
	def.Transitions = &wireTransitions{Transition: []wireTransition{{To: wireTransitionTarget{Kind: "Group", Value: "0"}}}}
	return def
}

// zoneChange is a DST switch, as the wall-clock time just before it.
type zoneChange struct {
	from, to int // UTC offsets in seconds
	wall     time.Time
}

// dstTransitions finds the switches into and out of daylight time in year
// by bisecting between days whose offsets differ.
func dstTransitions(loc *time.Location, year int) (toDST, toSTD zoneChange, ok bool) {
	var found []zoneChange
	for day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == year; day = day.Add(24 * time.Hour) {
		next := day.Add(24 * time.Hour)
		_, a := day.In(loc).Zone()
		_, b := next.In(loc).Zone()
		if a == b {
			continue
		}
		lo, hi := day, next
		for hi.Sub(lo) > time.Minute {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, m := mid.In(loc).Zone(); m == a {
				lo = mid
			} else {
				hi = mid
			}
		}
		at := hi.Truncate(time.Minute)
		found = append(found, zoneChange{from: a, to: b, wall: at.Add(time.Duration(a) * time.Second)})
	}
	if len(found) != 2 {
		return zoneChange{}, zoneChange{}, false
	}
	for _, c := range found {
		if c.to > c.from {
			toDST = c
		} else {
			toSTD = c
		}
	}
	return toDST, toSTD, true
}

// recurringRule turns a switch into "the Nth (or last) weekday of month at
// time" form; Occurrence -1 means the last one, as Exchange writes it.
func recurringRule(c zoneChange, to string) wireRecurringTran {
	w := c.wall
	occurrence := (w.Day()-1)/7 + 1
	if w.AddDate(0, 0, 7).Month() != w.Month() {
		occurrence = -1
	}
	offset := time.Duration(w.Hour())*time.Hour + time.Duration(w.Minute())*time.Minute
	return wireRecurringTran{
		To:         wireTransitionTarget{Kind: "Period", Value: to},
		TimeOffset: xsdDuration(offset),
		Month:      int(w.Month()),
		DayOfWeek:  w.Weekday().String(),
		Occurrence: occurrence,
	}
}

// xsdBias is a Period's Bias: minus the UTC offset, so UTC+01:00 is -PT1H.
func xsdBias(offsetSeconds int) string {
	d := -time.Duration(offsetSeconds) * time.Second
	if d < 0 {
		return "-" + xsdDuration(-d)
	}
	return xsdDuration(d)
}

// xsdDuration writes a non-negative duration as PT#H#M.
func xsdDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("PT%dH", h)
	case h == 0:
		return fmt.Sprintf("PT%dM", m)
	}
	return fmt.Sprintf("PT%dH%dM", h, m)
}

func utcOffsetLabel(offsetSeconds int) string {
	if offsetSeconds == 0 {
		return ""
	}
	sign := '+'
	if offsetSeconds < 0 {
		sign, offsetSeconds = '-', -offsetSeconds
	}
	return fmt.Sprintf("%c%02d:%02d", sign, offsetSeconds/3600, offsetSeconds%3600/60)
}
