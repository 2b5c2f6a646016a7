package ews

import (
	"bytes"
	"testing"
)

// FuzzParseReadResponses feeds arbitrary bytes to parseEnvelope and the
// result conversions of the read operations (directory, calendar,
// availability, sync), which FuzzParseEnvelope does not reach: none may
// panic, whatever the server sends.
func FuzzParseReadResponses(f *testing.F) {
	addSeeds(f, "*.response.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		var gi getItemResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &gi); err == nil {
			gi.result(len(gi.Messages))
		}
		var fi findItemResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &fi); err == nil {
			fi.result()
		}
		var fp findPeopleResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &fp); err == nil {
			fp.result(0)
			fp.result(1 << 40)
		}
		var sf syncFolderItemsResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &sf); err == nil {
			sf.result()
		}
		var ua getUserAvailabilityResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &ua); err == nil {
			ua.result(make([]string, len(ua.Responses)))
		}
		var rn resolveNamesResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &rn); err == nil {
			rn.result()
		}
		var ed expandDLResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &ed); err == nil {
			ed.result()
		}
		var gr getRoomsResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &gr); err == nil {
			gr.result()
		}
		var gl getRoomListsResponse
		if _, err := parseEnvelope(bytes.NewReader(b), &gl); err == nil {
			gl.result()
		}
	})
}
