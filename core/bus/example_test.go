package bus_test

import (
	"fmt"

	"github.com/roomboard/roomboard/core/bus"
)

// RoomChanged is the kind of event the syncer publishes: only the newest
// version of a room matters to a subscriber that fell behind.
type RoomChanged struct {
	RoomID  string
	Version int
}

// CoalesceKey makes pending RoomChanged events coalesce per room.
func (e RoomChanged) CoalesceKey() string { return e.RoomID }

func Example() {
	b := bus.New()
	defer b.Close()

	sub := bus.Subscribe[RoomChanged](b, bus.WithBuffer(16))
	defer sub.Close()

	bus.Publish(b, RoomChanged{RoomID: "raum-müller", Version: 1})
	bus.Publish(b, RoomChanged{RoomID: "會議室-3", Version: 7})

	for range 2 {
		e := <-sub.Events()
		fmt.Println(e.RoomID, e.Version)
	}
	fmt.Println("dropped:", sub.Dropped())
	// Output:
	// raum-müller 1
	// 會議室-3 7
	// dropped: 0
}
