package ics

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roomboard/roomboard/core/room"
)

func TestWriteCSVGolden(t *testing.T) {
	cal := sampleCalendar()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, cal.Rooms, cal.Bookings, nil); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "sample.csv", buf.Bytes())
}

func TestWriteCSV(t *testing.T) {
	cal := sampleCalendar()
	byID := map[string]room.Booking{}
	for _, b := range cal.Bookings {
		byID[b.ID] = b
	}
	pick := func(ids ...string) []room.Booking {
		var bs []room.Booking
		for _, id := range ids {
			bs = append(bs, byID[id])
		}
		return bs
	}
	zh, _ := time.LoadLocation("Europe/Zurich")
	tests := []struct {
		name string
		ids  []string
		loc  *time.Location
		want [][]string
	}{
		{"room zones, umlauts, attendees", []string{"b01"}, nil, [][]string{{
			"Sitzungszimmer Zürichsee (3. OG, Größe M)", "ZH-Zuerichsee@example.ch", "2026-03-10 09:00", "2026-03-10 10:30",
			"Europe/Zurich", "no", "Quartalsplanung – Überblick; Budget, Ziele und Maßnahmen für Zürich, Genève & Lugano (Q3/2026)",
			"Jürg Müller", "juerg.mueller@example.ch",
			`Zoë Bäcker <zoe.baecker@example.ch>; 王小明 <wang.xiaoming@example.cn>; Max "Mäxchen" Öztürk <max.oeztuerk@example.ch>`,
			"no", "no", "040000008200E00074C5B7101A82E008-quartal",
		}}},
		{"taipei all-day has inclusive dates; private masked", []string{"b09", "b10"}, nil, [][]string{
			{"台北101 會議室「玉山」", "TPE-101@example.tw", "2026-02-18", "2026-02-19", "Asia/Taipei", "yes", "補休（兩天）", "", "", "", "no", "no", "uid-buxiu@example.tw"},
			{"台北101 會議室「玉山」", "TPE-101@example.tw", "2026-02-23", "2026-02-23", "Asia/Taipei", "yes", "Private", "", "", "", "yes", "no", "uid-jimi@example.tw"},
		}},
		{"one zone for all; formulas defused", []string{"b11", "b16"}, zh, [][]string{
			{"台北101 會議室「玉山」", "TPE-101@example.tw", "2026-03-02 02:30", "2026-03-02 02:45", "Europe/Zurich", "no", "每週站立會議", "", "", "", "no", "no", "uid-weekly@example.tw"},
			{"Thames", "LON-Thames@example.com", "2026-03-05 11:00", "2026-03-05 12:00", "Europe/Zurich", "no",
				"'=HYPERLINK(\"http://x\") board, \"quoted\"\nline two", "Ann Smith", "ann@example.com", "", "no", "no", "uid-thames@example.com"},
		}},
		{"hidden subject and attendees", []string{"b13"}, nil, [][]string{
			{"上海浦东会议室", "SHA-Pudong@example.cn", "2026-03-03 14:00", "2026-03-03 15:00", "Asia/Shanghai", "no", "Booked", "张伟", "zhang.wei@example.cn", "", "no", "no", "uid-jimi-sh@example.cn"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCSV(&buf, cal.Rooms, pick(tc.ids...), tc.loc); err != nil {
				t.Fatal(err)
			}
			raw, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
			if !ok {
				t.Fatal("no UTF-8 byte-order mark")
			}
			if !bytes.HasSuffix(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\r\n")) < len(tc.want)+1 {
				t.Errorf("records do not end in CRLF: %q", raw)
			}
			r := csv.NewReader(bytes.NewReader(raw))
			r.FieldsPerRecord = len(CSVHeader)
			got, err := r.ReadAll()
			if err != nil {
				t.Fatalf("RFC 4180 reader: %v\n%s", err, raw)
			}
			// encoding/csv reads a quoted CRLF back as LF.
			if diff := cmp.Diff(append([][]string{CSVHeader}, tc.want...), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteCSVErrors(t *testing.T) {
	cal := sampleCalendar()
	var buf bytes.Buffer
	err := WriteCSV(&buf, cal.Rooms[:1], cal.Bookings, nil)
	var e *UnknownRoomError
	if !errors.As(err, &e) || e.BookingID != "b08" {
		t.Errorf("WriteCSV with a missing room: %v", err)
	}
	bad := []room.Room{{ID: "x", TimeZone: "W. Europe Standard Time"}}
	var ze *room.ZoneError
	if err := WriteCSV(&buf, bad, nil, nil); !errors.As(err, &ze) || !strings.HasPrefix(err.Error(), "ics: ") {
		t.Errorf("WriteCSV with a Windows zone name: %v", err)
	}
}
