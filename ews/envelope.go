package ews

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// XML namespaces of EWS and SOAP 1.1.
const (
	NSSoap     = "http://schemas.xmlsoap.org/soap/envelope/"
	NSTypes    = "http://schemas.microsoft.com/exchange/services/2006/types"
	NSMessages = "http://schemas.microsoft.com/exchange/services/2006/messages"
	NSErrors   = "http://schemas.microsoft.com/exchange/services/2006/errors"
)

// Request structs use literal "m:" and "t:" prefixes in their tags; the
// envelope declares both. Go's encoding/xml would otherwise repeat a default
// xmlns on every element, which Exchange accepts but which is unreadable in
// goldens and traces.
const envelopeOpen = `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
	`<soap:Envelope xmlns:soap="` + NSSoap + `" xmlns:t="` + NSTypes + `" xmlns:m="` + NSMessages + `">`

// header is what a client puts in soap:Header.
type header struct {
	Version     Version
	Impersonate string // SMTP address for ExchangeImpersonation, or ""
	TimeZone    string // Windows time zone ID for TimeZoneContext, or ""
}

type xmlRequestServerVersion struct {
	XMLName xml.Name `xml:"t:RequestServerVersion"`
	Version string   `xml:"Version,attr"`
}

type xmlExchangeImpersonation struct {
	XMLName     xml.Name `xml:"t:ExchangeImpersonation"`
	SmtpAddress string   `xml:"t:ConnectingSID>t:SmtpAddress"`
}

type xmlTimeZoneContext struct {
	XMLName xml.Name `xml:"t:TimeZoneContext"`
	Def     struct {
		ID string `xml:"Id,attr"`
	} `xml:"t:TimeZoneDefinition"`
}

// marshalEnvelope wraps body (a request struct with an "m:" XMLName) in a
// SOAP envelope with the EWS headers described by h.
func marshalEnvelope(h header, body any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(envelopeOpen)
	b.WriteString("\n<soap:Header>")
	enc := xml.NewEncoder(&b)
	hs := []any{xmlRequestServerVersion{Version: h.Version.String()}}
	if h.Impersonate != "" {
		hs = append(hs, xmlExchangeImpersonation{SmtpAddress: h.Impersonate})
	}
	if h.TimeZone != "" {
		var tz xmlTimeZoneContext
		tz.Def.ID = h.TimeZone
		hs = append(hs, tz)
	}
	for _, v := range hs {
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("ews: marshal header: %w", err)
		}
	}
	b.WriteString("</soap:Header>\n<soap:Body>")
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("ews: marshal request: %w", err)
	}
	b.WriteString("</soap:Body>\n</soap:Envelope>\n")
	return b.Bytes(), nil
}

// xmlFault is soap:Fault as Exchange sends it.
type xmlFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
	Detail struct {
		ResponseCode string      `xml:"ResponseCode"`
		Message      string      `xml:"Message"`
		MessageXML   xmlMessageX `xml:"MessageXml"`
	} `xml:"detail"`
}

// xmlMessageX is the MessageXml element: name/value pairs such as
// BackOffMilliseconds, or schema-violation line numbers.
type xmlMessageX struct {
	Values []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:",chardata"`
	} `xml:"Value"`
}

func (m xmlMessageX) toMap() map[string]string {
	if len(m.Values) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Values))
	for _, v := range m.Values {
		out[v.Name] = strings.TrimSpace(v.Value)
	}
	return out
}

func (f *xmlFault) toError() *Fault {
	vals := f.Detail.MessageXML.toMap()
	return &Fault{
		Code:         strings.TrimSpace(f.Code),
		String:       strings.TrimSpace(f.String),
		ResponseCode: strings.TrimSpace(f.Detail.ResponseCode),
		Message:      strings.TrimSpace(f.Detail.Message),
		BackOff:      backOffFrom(vals),
		Values:       vals,
	}
}

// ResponseMessage holds the fields every EWS response message carries.
// Operation response structs embed it.
type ResponseMessage struct {
	ResponseClass string      `xml:"ResponseClass,attr"`
	MessageText   string      `xml:"MessageText"`
	ResponseCode  string      `xml:"ResponseCode"`
	MessageXML    xmlMessageX `xml:"MessageXml"`
}

// Err returns a [*ResponseError] when the message's ResponseClass is
// "Error", and nil for "Success" and "Warning".
func (m *ResponseMessage) Err() error {
	if m.ResponseClass != "Error" {
		return nil
	}
	vals := m.MessageXML.toMap()
	code := strings.TrimSpace(m.ResponseCode)
	if code == "" {
		code = "ErrorUnknown"
	}
	return &ResponseError{
		Code:    code,
		Message: strings.TrimSpace(m.MessageText),
		BackOff: backOffFrom(vals),
		Values:  vals,
	}
}

// parseEnvelope decodes a SOAP response: it records ServerVersionInfo from
// the header, turns a soap:Fault into a [*Fault], and decodes the first
// element of soap:Body into resp. resp may be nil to only check for faults.
func parseEnvelope(r io.Reader, resp any) (ServerVersionInfo, error) {
	var sv ServerVersionInfo
	d := xml.NewDecoder(r)
	// Exchange always answers in UTF-8; a document claiming another charset
	// is malformed for our purposes rather than something to transcode.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	inBody, inHeader, sawEnvelope := false, false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !sawEnvelope {
				return sv, fmt.Errorf("%w: no soap envelope", ErrMalformed)
			}
			return sv, fmt.Errorf("%w: empty soap body", ErrMalformed)
		}
		if err != nil {
			return sv, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !sawEnvelope:
				if t.Name.Local != "Envelope" || t.Name.Space != NSSoap {
					return sv, fmt.Errorf("%w: root element %q is not a soap envelope", ErrMalformed, t.Name.Local)
				}
				sawEnvelope = true
			case !inBody && !inHeader && t.Name.Local == "Header":
				inHeader = true
			case inHeader && t.Name.Local == "ServerVersionInfo":
				if err := d.DecodeElement(&sv, &t); err != nil {
					return sv, fmt.Errorf("%w: server version: %v", ErrMalformed, err)
				}
			case inHeader:
				if err := d.Skip(); err != nil {
					return sv, fmt.Errorf("%w: %v", ErrMalformed, err)
				}
			case !inBody && t.Name.Local == "Body":
				inBody = true
			case inBody && t.Name.Local == "Fault" && t.Name.Space == NSSoap:
				var f xmlFault
				if err := d.DecodeElement(&f, &t); err != nil {
					return sv, fmt.Errorf("%w: fault: %v", ErrMalformed, err)
				}
				return sv, f.toError()
			case inBody:
				if resp == nil {
					return sv, nil
				}
				if err := d.DecodeElement(resp, &t); err != nil {
					return sv, fmt.Errorf("%w: %s: %v", ErrMalformed, t.Name.Local, err)
				}
				return sv, nil
			}
		case xml.EndElement:
			if inHeader && t.Name.Local == "Header" {
				inHeader = false
			}
			if inBody && t.Name.Local == "Body" {
				return sv, fmt.Errorf("%w: empty soap body", ErrMalformed)
			}
		}
	}
}

// Time formats for the wire. EWS accepts xs:dateTime; the client always
// sends UTC so requests do not depend on the machine's zone.
const wireTime = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(wireTime) }

// Time is an xs:dateTime that decodes every form Exchange sends: UTC with
// "Z", an explicit offset, or (for some TimeZoneContext answers) no zone.
type Time struct{ time.Time }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Time) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02Z", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("ews: bad dateTime %q", s)
}

// MarshalText implements encoding.TextMarshaler; it always writes UTC.
func (t Time) MarshalText() ([]byte, error) { return []byte(formatTime(t.Time)), nil }
