package kiosk

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// TraceFrame is what a player shows at one moment, in the words on the
// screen: times and titles as formatted for the display's language. It is
// for checking a real screen from outside (Settings.Trace); it is not a
// protocol.
type TraceFrame struct {
	Player   string    `json:"player"` // "room" or "floor"
	At       time.Time `json:"at"`     // the player's clock when it rendered
	Language string    `json:"language"`
	Online   bool      `json:"online"`
	Banner   string    `json:"banner,omitempty"`
	// Dimmed is true while the off-hours overlay dims or blanks the screen.
	Dimmed bool        `json:"dimmed,omitempty"`
	Rooms  []TraceRoom `json:"rooms"`
}

// TraceRoom is one room as shown: the whole room player, or a floor tile.
type TraceRoom struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`             // room.Status.String()
	Headline string `json:"headline,omitempty"` // room player: the big status line
	Detail   string `json:"detail,omitempty"`   // room player: the line under it; floor: the tile's line
	// Current is the meeting on the room player's card.
	Current *TraceMeeting `json:"current,omitempty"`
	// Next are the room player's agenda rows.
	Next []TraceMeeting `json:"next,omitempty"`
}

// TraceMeeting is a meeting as shown: its title (masked if the hub masks
// it) and its time range as formatted.
type TraceMeeting struct {
	Title     string `json:"title"`
	Organizer string `json:"organizer,omitempty"`
	Range     string `json:"range"`
}

// JSONLinesTrace returns a Settings.Trace that writes each frame as one
// line of JSON to w, safe for several players sharing w. Write errors are
// dropped: a trace must never stop a display.
func JSONLinesTrace(w io.Writer) func(TraceFrame) {
	var mu sync.Mutex
	return func(f TraceFrame) {
		b, err := json.Marshal(f)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(append(b, '\n'))
	}
}
