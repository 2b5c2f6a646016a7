// Package ewstest is a stateful Exchange simulator speaking EWS over HTTP,
// in the spirit of net/http/httptest: tests start one in-process, and
// `roomboard simulate` serves one on a port for people and other clients.
//
// It models the parts of Exchange Roomboard depends on: a directory of rooms,
// equipment, users, groups and room lists generated from a seed; calendars
// with recurring series and exceptions; SyncFolderItems sync states;
// availability computed from the calendars; notifications (streaming, pull,
// push); Exchange's limits (concurrency per account with ErrorServerBusy,
// 1,000 items per FindItem, 100 mailboxes and 42 days for availability, 200
// subscriptions per streaming connection, 30-minute streams); Basic and
// Bearer authentication; and fault injection.
//
// It parses requests with its own wire structs, never with package ews's, so
// the client and the simulator cannot share a misreading of the protocol;
// both are checked against Microsoft's schema and a third-party client.
//
// It does not model mail flow, the full set of item types, public folders,
// or NTLM (tests put a real NTLM front end before it).
package ewstest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Namespaces used on the wire.
const (
	nsSoap     = "http://schemas.xmlsoap.org/soap/envelope/"
	nsTypes    = "http://schemas.microsoft.com/exchange/services/2006/types"
	nsMessages = "http://schemas.microsoft.com/exchange/services/2006/messages"
	nsErrors   = "http://schemas.microsoft.com/exchange/services/2006/errors"
)

// MaxRequestBytes bounds a request body, as IIS's request limits do.
const MaxRequestBytes = 8 << 20

// A Server is a simulated Exchange organisation. It is safe for concurrent
// use; all state sits behind mu.
type Server struct {
	opts Options

	mu sync.Mutex
	// The remaining state is owned by the files that implement it:
	// directory.go / calendar.go (org), notify.go (subs), faults.go.
	org    *org
	subs   *subscriptions
	faults faultList
	active map[string]int   // in-flight requests per account, for ErrorServerBusy
	tokens map[string]token // bearer tokens issued by IssueToken
	// adRedirects maps an e-mail domain to the address Autodiscover
	// redirects it to (autodiscover.go).
	adRedirects map[string]string
	// responses holds the meeting responses each organizer received
	// (respond.go).
	responses map[string][]Response

	handlers map[string]handlerFunc
	stats    Stats
}

// Stats counts what a server has answered, for benchmarks and tests.
type Stats struct {
	Requests    int64            // every POST to the EWS endpoint
	ByOperation map[string]int64 // per operation
	Faults      int64            // SOAP faults and injected HTTP errors
}

// request is one decoded SOAP request.
type request struct {
	Op          string // local name of the soap:Body child, e.g. "FindItem"
	Body        []byte // that element, verbatim
	Version     string // RequestServerVersion/@Version
	Impersonate string // ExchangeImpersonation SMTP address, or ""
	TimeZone    string // TimeZoneContext/TimeZoneDefinition/@Id, or ""
	Account     string // authenticated account (SMTP or user name), or ""
	Anchor      string // X-AnchorMailbox
	HTTP        *http.Request
	// Fault is an injected fault that the handler itself must carry out
	// (Fault.ResponseCode, ResetMidStream, ExpireSubscriptions), or nil.
	Fault *Fault
}

// decode unmarshals the body element into v. Request structs match by local
// name, so any namespace prefix the client chose works.
func (r *request) decode(v any) error {
	if err := xml.Unmarshal(r.Body, v); err != nil {
		return schemaFault(fmt.Sprintf("The request failed schema validation: %v", err))
	}
	return nil
}

// mailbox is the mailbox a request acts as: the impersonated one, else the
// authenticated account.
func (r *request) mailbox() string {
	if r.Impersonate != "" {
		return r.Impersonate
	}
	return r.Account
}

// A handlerFunc answers one operation. It returns the response element (a
// struct with an "m:...Response" XMLName) or an error; a *soapFault error is
// sent as a SOAP fault, anything else as ErrorInternalServerError.
// Streaming operations write to w themselves and return (nil, nil).
type handlerFunc func(ctx context.Context, w http.ResponseWriter, req *request) (any, error)

// handle registers an operation handler. Files call it from their
// register* functions.
func (s *Server) handle(op string, h handlerFunc) { s.handlers[op] = h }

// soapFault is an error answered as a soap:Fault.
type soapFault struct {
	Code    string // EWS response code, e.g. ErrorServerBusy, ErrorSchemaValidation
	String  string
	Client  bool          // faultcode soap:Client rather than a:<Code>
	BackOff time.Duration // adds MessageXml BackOffMilliseconds
	Values  map[string]string
	Status  int // HTTP status; 500 when zero
}

func (f *soapFault) Error() string { return f.Code + ": " + f.String }

func schemaFault(msg string) *soapFault {
	return &soapFault{Code: "ErrorSchemaValidation", String: msg, Client: true}
}

// ServeHTTP routes the EWS endpoint and the Autodiscover endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.ToLower(r.URL.Path)
	switch {
	case p == "/ews/exchange.asmx":
		s.serveEWS(w, r)
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		s.serveToken(w, r)
	case strings.HasPrefix(p, "/autodiscover/"):
		s.serveAutodiscover(w, r)
	case p == "/healthz":
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "ok\n")
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveEWS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// Exchange answers GET on the endpoint with the service page; a
		// client only needs to know it is not SOAP.
		w.Header().Set("Allow", "POST")
		http.Error(w, "EWS accepts SOAP over POST", http.StatusMethodNotAllowed)
		return
	}
	account, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, perr := parseRequest(body)
	if perr != nil {
		s.writeFault(w, perr)
		return
	}
	req.Account, req.Anchor, req.HTTP = account, r.Header.Get("X-AnchorMailbox"), r
	s.count(req.Op)

	// The budget is taken first so that injected latency counts as time
	// spent inside Exchange, as real slowness does.
	release, busy := s.acquire(req.Op, req.mailbox(), req.Account)
	if busy != nil {
		s.writeFault(w, busy)
		return
	}
	defer release()
	if f := s.takeFault(req.Op); f != nil {
		if f.apply(r.Context(), w, s) {
			return
		}
		req.Fault = f
	}
	if s.opts.Validate != nil {
		if err := s.opts.Validate(body); err != nil {
			s.writeFault(w, schemaFault("The request failed schema validation: "+err.Error()))
			return
		}
	}

	h, ok := s.handlers[req.Op]
	if !ok {
		s.writeFault(w, &soapFault{Code: "ErrorInvalidRequest", String: "The request is invalid: operation " + req.Op + " is not supported by this server.", Client: true})
		return
	}
	resp, err := h(r.Context(), w, req)
	switch {
	case err != nil:
		var f *soapFault
		if !errors.As(err, &f) {
			f = &soapFault{Code: "ErrorInternalServerError", String: err.Error()}
		}
		s.writeFault(w, f)
	case resp != nil:
		s.writeResponse(w, resp)
	}
}

// parseRequest reads the SOAP envelope: headers and the body element.
func parseRequest(body []byte) (*request, *soapFault) {
	d := xml.NewDecoder(bytes.NewReader(body))
	req := &request{}
	var inHeader, inBody, sawEnv bool
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, schemaFault("The request failed schema validation: the SOAP body is missing.")
			}
			return nil, schemaFault("The request failed schema validation: " + err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !sawEnv:
				if t.Name.Space != nsSoap || t.Name.Local != "Envelope" {
					return nil, schemaFault("The request failed schema validation: the root element is not a SOAP 1.1 Envelope.")
				}
				sawEnv = true
			case !inHeader && !inBody && t.Name.Local == "Header" && t.Name.Space == nsSoap:
				inHeader = true
			case !inHeader && !inBody && t.Name.Local == "Body" && t.Name.Space == nsSoap:
				inBody = true
			case inHeader:
				if err := req.readHeader(d, t); err != nil {
					return nil, err
				}
			case inBody:
				if t.Name.Space != nsMessages {
					return nil, schemaFault(fmt.Sprintf("The request failed schema validation: The element '%s' in namespace '%s' is not expected.", t.Name.Local, t.Name.Space))
				}
				if err := d.Skip(); err != nil {
					return nil, schemaFault("The request failed schema validation: " + err.Error())
				}
				req.Op = t.Name.Local
				req.Body = rebind(body[off:d.InputOffset()], t)
				return req, nil
			default:
				return nil, schemaFault(fmt.Sprintf("The request failed schema validation: unexpected element '%s'.", t.Name.Local))
			}
		case xml.EndElement:
			if inHeader && t.Name.Local == "Header" {
				inHeader = false
			}
		}
	}
}

// rebind returns the raw body element. Namespace declarations made on the
// envelope are not in this slice; decoding by local name does not need
// them, but handlers that check namespaces use the original start element.
func rebind(raw []byte, _ xml.StartElement) []byte { return raw }

func (req *request) readHeader(d *xml.Decoder, t xml.StartElement) *soapFault {
	switch t.Name.Local {
	case "RequestServerVersion":
		for _, a := range t.Attr {
			if a.Name.Local == "Version" {
				req.Version = a.Value
			}
		}
		if !knownVersion(req.Version) {
			return &soapFault{Code: "ErrorInvalidServerVersion", String: "The specified server version is invalid.", Client: true}
		}
		return skip(d)
	case "ExchangeImpersonation":
		var x struct {
			SmtpAddress   string `xml:"ConnectingSID>SmtpAddress"`
			PrimarySmtp   string `xml:"ConnectingSID>PrimarySmtpAddress"`
			PrincipalName string `xml:"ConnectingSID>PrincipalName"`
		}
		if err := d.DecodeElement(&x, &t); err != nil {
			return schemaFault("The request failed schema validation: " + err.Error())
		}
		req.Impersonate = strings.ToLower(strings.TrimSpace(firstNonEmpty(x.SmtpAddress, x.PrimarySmtp, x.PrincipalName)))
		if req.Impersonate == "" {
			return &soapFault{Code: "ErrorInvalidExchangeImpersonationHeaderData", String: "The impersonation header is empty.", Client: true}
		}
		return nil
	case "TimeZoneContext":
		// encoding/xml cannot reach an attribute through a path ("a>b,attr"),
		// so the definition gets its own struct.
		var x struct {
			Def struct {
				ID string `xml:"Id,attr"`
			} `xml:"TimeZoneDefinition"`
		}
		if err := d.DecodeElement(&x, &t); err != nil {
			return schemaFault("The request failed schema validation: " + err.Error())
		}
		req.TimeZone = x.Def.ID
		return nil
	}
	return skip(d)
}

func skip(d *xml.Decoder) *soapFault {
	if err := d.Skip(); err != nil {
		return schemaFault("The request failed schema validation: " + err.Error())
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// knownVersion reports whether v is in t:ExchangeVersionType.
func knownVersion(v string) bool {
	switch v {
	case "Exchange2007", "Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
		"Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016",
		"V2015_10_05", "V2016_01_06", "V2016_04_13", "V2016_07_13", "V2016_10_10", "V2017_01_07", "V2017_04_14", "V2017_07_11":
		return true
	}
	return false
}

// The simulator reports itself as Exchange 2019 CU14.
const serverVersionHeader = `<h:ServerVersionInfo xmlns:h="` + nsTypes + `" MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11"/>`

const responseOpen = `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
	`<s:Envelope xmlns:s="` + nsSoap + `" xmlns:m="` + nsMessages + `" xmlns:t="` + nsTypes + `">` +
	`<s:Header>` + serverVersionHeader + `</s:Header><s:Body>`

const responseClose = `</s:Body></s:Envelope>`

// marshalResponse wraps v in a response envelope.
func marshalResponse(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(responseOpen)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	b.WriteString(responseClose)
	return b.Bytes(), nil
}

func (s *Server) writeResponse(w http.ResponseWriter, v any) {
	b, err := marshalResponse(v)
	if err != nil {
		s.writeFault(w, &soapFault{Code: "ErrorInternalServerError", String: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// marshalFault renders f as Exchange does.
func marshalFault(f *soapFault) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<s:Envelope xmlns:s="` + nsSoap + `"><s:Body><s:Fault>`)
	if f.Client {
		b.WriteString(`<faultcode>s:Client</faultcode>`)
	} else {
		b.WriteString(`<faultcode xmlns:a="` + nsTypes + `">a:` + f.Code + `</faultcode>`)
	}
	b.WriteString(`<faultstring xml:lang="en-US">`)
	xml.EscapeText(&b, []byte(f.String))
	b.WriteString(`</faultstring><detail>`)
	b.WriteString(`<e:ResponseCode xmlns:e="` + nsErrors + `">` + f.Code + `</e:ResponseCode>`)
	b.WriteString(`<e:Message xmlns:e="` + nsErrors + `">`)
	xml.EscapeText(&b, []byte(f.String))
	b.WriteString(`</e:Message>`)
	if f.BackOff > 0 || len(f.Values) > 0 {
		b.WriteString(`<t:MessageXml xmlns:t="` + nsTypes + `">`)
		if f.BackOff > 0 {
			fmt.Fprintf(&b, `<t:Value Name="BackOffMilliseconds">%d</t:Value>`, f.BackOff.Milliseconds())
		}
		for k, v := range f.Values {
			b.WriteString(`<t:Value Name="`)
			xml.EscapeText(&b, []byte(k))
			b.WriteString(`">`)
			xml.EscapeText(&b, []byte(v))
			b.WriteString(`</t:Value>`)
		}
		b.WriteString(`</t:MessageXml>`)
	}
	b.WriteString(`</detail></s:Fault></s:Body></s:Envelope>`)
	return b.Bytes()
}

func (s *Server) writeFault(w http.ResponseWriter, f *soapFault) {
	s.mu.Lock()
	s.stats.Faults++
	s.mu.Unlock()
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write(marshalFault(f))
}

func (s *Server) count(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	if s.stats.ByOperation == nil {
		s.stats.ByOperation = map[string]int64{}
	}
	s.stats.ByOperation[op]++
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByOperation = make(map[string]int64, len(s.stats.ByOperation))
	for k, v := range s.stats.ByOperation {
		st.ByOperation[k] = v
	}
	return st
}

// acquire enforces Exchange's per-account budgets. Ordinary requests count
// against EWSMaxConcurrency (27 by default) and are refused with
// ErrorServerBusy. GetStreamingEvents holds its connection for up to 30
// minutes, so Exchange counts it separately, against the hanging-connection
// limit (10 per account), and refuses with ErrorExceededConnectionCount.
// Impersonated calls count against the impersonated mailbox, as Exchange's
// throttling does.
func (s *Server) acquire(op, mailbox, account string) (release func(), busy *soapFault) {
	key := strings.ToLower(firstNonEmpty(mailbox, account, "anonymous"))
	limit := s.opts.MaxConcurrency
	fault := &soapFault{Code: "ErrorServerBusy", String: "The server cannot service this request right now. Try again later.", BackOff: s.opts.BusyBackOff}
	if op == "GetStreamingEvents" {
		key = "hanging:" + key
		limit = s.opts.HangingConnections
		fault = &soapFault{Code: "ErrorExceededConnectionCount", String: "You have exceeded the available concurrent connections for your account. Try again once your other requests have completed."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[string]int{}
	}
	if limit > 0 && s.active[key] >= limit {
		return nil, fault
	}
	s.active[key]++
	return func() {
		s.mu.Lock()
		s.active[key]--
		s.mu.Unlock()
	}, nil
}
