package ics

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roomboard/roomboard/core/room"
)

// CSVHeader is the first row WriteCSV writes.
var CSVHeader = []string{
	"Room", "Room email", "Start", "End", "Time zone", "All day",
	"Subject", "Organizer", "Organizer email", "Attendees",
	"Private", "Cancelled", "UID",
}

// WriteCSV writes bookings as CSV for spreadsheets: a header row
// (CSVHeader), then one row per booking in the order given, masked with its
// room's policy exactly as Write masks them.
//
// The format is RFC 4180 (comma-separated, CRLF line ends, fields with a
// comma, quote or line break quoted) in UTF-8 with a byte-order mark, which
// is what makes Excel read CJK and umlauts correctly instead of guessing a
// legacy code page (Big5, GBK, Windows-1252). Excel still splits on the
// locale's list separator when a file is double-clicked; where that is ";"
// (de-CH) users import it with Data > From Text/CSV.
//
// Timed bookings are written as "2006-01-02 15:04" in loc, or in each
// room's own zone when loc is nil; the "Time zone" column names it. All-day
// bookings are dates of the room's local day with an inclusive End (a
// one-day booking has Start == End), as people read them.
//
// Text that a spreadsheet would run as a formula (starting with =, +, -, @,
// tab or CR) is prefixed with an apostrophe: subjects and names come from
// whoever sent the meeting invitation.
func WriteCSV(w io.Writer, rooms []room.Room, bookings []room.Booking, loc *time.Location) error {
	idx, err := resolveRooms(rooms)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("ics: csv: %w", err)
	}
	row := make([]string, len(CSVHeader))
	var att strings.Builder
	for _, b := range bookings {
		ri, ok := idx[b.RoomID]
		if !ok {
			return &UnknownRoomError{BookingID: b.ID, RoomID: b.RoomID}
		}
		b = room.InZone(room.Mask(b, ri.room.Policy), ri.loc)
		zone := loc
		if zone == nil || b.AllDay {
			zone = ri.loc
		}
		start, end := b.Start.In(zone), b.End.In(zone)
		allDay := "no"
		if b.AllDay {
			allDay = "yes"
			row[2], row[3] = start.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
		} else {
			row[2], row[3] = start.Format("2006-01-02 15:04"), end.Format("2006-01-02 15:04")
		}
		att.Reset()
		for i, a := range b.Attendees {
			if i > 0 {
				att.WriteString("; ")
			}
			switch {
			case a.Name != "" && a.Email != "":
				fmt.Fprintf(&att, "%s <%s>", a.Name, a.Email)
			case a.Name != "":
				att.WriteString(a.Name)
			default:
				att.WriteString(a.Email)
			}
		}
		row[0] = cell(ri.room.Name)
		row[1] = cell(ri.room.Email)
		row[4] = zone.String()
		row[5] = allDay
		row[6] = cell(Summary(b))
		row[7] = cell(b.Organizer.Name)
		row[8] = cell(b.Organizer.Email)
		row[9] = cell(att.String())
		row[10] = yesNo(b.Private)
		row[11] = yesNo(b.Cancelled)
		row[12] = cell(b.ICalUID)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("ics: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("ics: csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ics: csv: %w", err)
	}
	return nil
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// cell makes text safe for a spreadsheet cell: valid UTF-8 without control
// characters other than line breaks and tab, and never a formula.
func cell(s string) string {
	s = cleanText(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
