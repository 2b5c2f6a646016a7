package ewstest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Autodiscover namespaces, as Exchange uses them.
const (
	nsADPOXRequest   = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
	nsADPOXResponse  = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
	nsADResponseBase = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
	nsADSOAP         = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
	nsAddressing     = "http://www.w3.org/2005/08/addressing"

	adActionGetUserSettings = nsADSOAP + "/Autodiscover/GetUserSettings"
	// maxAutodiscoverRequest bounds an Autodiscover request; real ones
	// are well under a kilobyte.
	maxAutodiscoverRequest = 64 << 10
)

// SetAutodiscoverRedirect makes Autodiscover answer requests for any
// address in fromDomain (other than toEmail itself) with a redirect to
// toEmail: POX Action redirectAddr and SOAP ErrorCode RedirectAddress, as
// Exchange hybrid and multi-domain set-ups do. An empty toEmail removes the
// redirect.
func (s *Server) SetAutodiscoverRedirect(fromDomain, toEmail string) {
	d := strings.ToLower(strings.TrimSpace(fromDomain))
	s.mu.Lock()
	defer s.mu.Unlock()
	if toEmail == "" {
		delete(s.adRedirects, d)
		return
	}
	if s.adRedirects == nil {
		s.adRedirects = map[string]string{}
	}
	s.adRedirects[d] = strings.TrimSpace(toEmail)
}

// adRedirect returns the address a request for email is redirected to, or
// "".
func (s *Server) adRedirect(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	s.mu.Lock()
	to := s.adRedirects[strings.ToLower(email[at+1:])]
	s.mu.Unlock()
	if strings.EqualFold(to, email) {
		return ""
	}
	return to
}

// serveAutodiscover answers POX (autodiscover.xml) and SOAP
// (autodiscover.svc, GetUserSettings) Autodiscover requests with this
// server's own EWS URL. Like Exchange, both require authentication.
func (s *Server) serveAutodiscover(w http.ResponseWriter, r *http.Request) {
	switch strings.ToLower(r.URL.Path) {
	case "/autodiscover/autodiscover.xml":
		s.serveAutodiscoverPOX(w, r)
	case "/autodiscover/autodiscover.svc":
		s.serveAutodiscoverSOAP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// adEWSURL is the EWS endpoint as seen by the client that sent r.
func (s *Server) adEWSURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (s.opts.TrustRemoteUserHeader && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/EWS/Exchange.asmx"
}

func readAutodiscoverBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAutodiscoverRequest))
	if err != nil {
		http.Error(w, "request too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return b, true
}

func adValidAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, " \t\r\n<>")
}

// serveAutodiscoverPOX answers the Outlook provider schema.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-response-for-exchange
func (s *Server) serveAutodiscoverPOX(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	if r.Method != http.MethodPost {
		// Exchange answers a GET with the Invalid Request error.
		writePOXError(w, "600", "Invalid Request")
		return
	}
	body, ok := readAutodiscoverBody(w, r)
	if !ok {
		return
	}
	var req struct {
		XMLName xml.Name
		Email   string `xml:"Request>EMailAddress"`
		Schema  string `xml:"Request>AcceptableResponseSchema"`
	}
	if err := xml.Unmarshal(body, &req); err != nil || req.XMLName.Space != nsADPOXRequest || req.XMLName.Local != "Autodiscover" {
		writePOXError(w, "600", "Invalid Request")
		return
	}
	if strings.TrimSpace(req.Schema) != nsADPOXResponse {
		writePOXError(w, "601", "Provider is not available")
		return
	}
	email := strings.TrimSpace(req.Email)
	if !adValidAddress(email) {
		writePOXError(w, "500", "The email address can't be found.")
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<Autodiscover xmlns="` + nsADResponseBase + `">` + "\n")
	b.WriteString(`  <Response xmlns="` + nsADPOXResponse + `">` + "\n")
	if to := s.adRedirect(email); to != "" {
		fmt.Fprintf(&b, "    <Account>\n      <Action>redirectAddr</Action>\n      <RedirectAddr>%s</RedirectAddr>\n    </Account>\n", adEscape(to))
	} else {
		u := adEscape(s.adEWSURL(r))
		host := adEscape(r.Host)
		fmt.Fprintf(&b, "    <User>\n      <AutoDiscoverSMTPAddress>%s</AutoDiscoverSMTPAddress>\n    </User>\n", adEscape(email))
		b.WriteString("    <Account>\n      <AccountType>email</AccountType>\n      <Action>settings</Action>\n")
		for _, typ := range []string{"EXCH", "EXPR"} {
			fmt.Fprintf(&b, "      <Protocol>\n        <Type>%s</Type>\n        <Server>%s</Server>\n        <ASUrl>%s</ASUrl>\n        <EwsUrl>%s</EwsUrl>\n      </Protocol>\n", typ, host, u, u)
		}
		b.WriteString("    </Account>\n")
	}
	b.WriteString("  </Response>\n</Autodiscover>\n")
	adWriteXML(w, http.StatusOK, b.Bytes())
}

// writePOXError answers with an Autodiscover Error element; the codes are
// those of [MS-OXDSCLI] 2.2.4.1.1.3.2 (500 address not found, 600 invalid
// request, 601 schema not supported, ...).
func writePOXError(w http.ResponseWriter, code, msg string) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<Autodiscover xmlns="` + nsADResponseBase + `">` + "\n")
	b.WriteString(`  <Response xmlns="` + nsADResponseBase + `">` + "\n")
	fmt.Fprintf(&b, "    <Error Time=\"12:00:00.0000000\" Id=\"2477272013\">\n      <ErrorCode>%s</ErrorCode>\n      <Message>%s</Message>\n      <DebugData />\n    </Error>\n", adEscape(code), adEscape(msg))
	b.WriteString("  </Response>\n</Autodiscover>\n")
	adWriteXML(w, http.StatusOK, b.Bytes())
}

// adSOAPRequest is a GetUserSettings request. The body element's namespace
// is checked; its children match by local name.
type adSOAPRequest struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Header  struct {
		RequestedServerVersion string `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover RequestedServerVersion"`
		Action                 string `xml:"http://www.w3.org/2005/08/addressing Action"`
		To                     string `xml:"http://www.w3.org/2005/08/addressing To"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Header"`
	Body struct {
		Message *struct {
			Mailboxes []string `xml:"Request>Users>User>Mailbox"`
			Settings  []string `xml:"Request>RequestedSettings>Setting"`
		} `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetUserSettingsRequestMessage"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

// serveAutodiscoverSOAP answers GetUserSettings.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getusersettings-operation-soap
func (s *Server) serveAutodiscoverSOAP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "Autodiscover SOAP accepts POST", http.StatusMethodNotAllowed)
		return
	}
	if _, ok := s.authenticate(w, r); !ok {
		return
	}
	body, ok := readAutodiscoverBody(w, r)
	if !ok {
		return
	}
	var req adSOAPRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		writeADFault(w, "s:Client", "The request could not be parsed: "+err.Error())
		return
	}
	if strings.TrimSpace(req.Header.Action) != adActionGetUserSettings {
		// WCF's answer to an action it does not serve.
		writeADFault(w, "a:ActionNotSupported", "The message with Action '"+strings.TrimSpace(req.Header.Action)+"' cannot be processed at the receiver.")
		return
	}
	m := req.Body.Message
	switch {
	case m == nil:
		writeADFault(w, "s:Client", "The body does not hold a GetUserSettingsRequestMessage in "+nsADSOAP+".")
		return
	case !knownADVersion(strings.TrimSpace(req.Header.RequestedServerVersion)):
		writeUserSettings(w, "InvalidRequest", "The RequestedServerVersion header is invalid.", "")
		return
	case len(m.Mailboxes) == 0:
		writeUserSettings(w, "InvalidRequest", "The request names no user.", "")
		return
	}
	var users strings.Builder
	for _, mb := range m.Mailboxes {
		users.WriteString(s.adUserResponse(r, strings.TrimSpace(mb), m.Settings))
	}
	writeUserSettings(w, "NoError", "", users.String())
}

// knownADVersion reports whether v is acceptable as RequestedServerVersion.
// Exchange 2016 and later accept the EWS schema names there (exchangelib
// sends "Exchange2016"), and requests without the header too.
func knownADVersion(v string) bool { return v == "" || knownVersion(v) }

// adUserResponse renders one UserResponse.
func (s *Server) adUserResponse(r *http.Request, mailbox string, settings []string) string {
	if !adValidAddress(mailbox) {
		return fmt.Sprintf("<UserResponse><ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: '%s'</ErrorMessage>"+
			"<RedirectTarget i:nil=\"true\" /><UserSettingErrors /><UserSettings /></UserResponse>", adEscape(mailbox))
	}
	if to := s.adRedirect(mailbox); to != "" {
		return fmt.Sprintf("<UserResponse><ErrorCode>RedirectAddress</ErrorCode><ErrorMessage>Redirection address.</ErrorMessage>"+
			"<RedirectTarget>%s</RedirectTarget><UserSettingErrors /><UserSettings /></UserResponse>", adEscape(to))
	}
	values := map[string]string{
		"InternalEwsUrl":          s.adEWSURL(r),
		"ExternalEwsUrl":          s.adEWSURL(r),
		"AutoDiscoverSMTPAddress": mailbox,
		"CasVersion":              "15.02.1544.004",
		"EwsSupportedSchemas":     "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2016",
	}
	var errs, sets strings.Builder
	for _, name := range settings {
		name = strings.TrimSpace(name)
		v, ok := values[name]
		if !ok {
			fmt.Fprintf(&errs, "<UserSettingError><ErrorCode>InvalidSetting</ErrorCode><ErrorMessage>The requested setting is invalid.</ErrorMessage><SettingName>%s</SettingName></UserSettingError>", adEscape(name))
			continue
		}
		fmt.Fprintf(&sets, "<UserSetting i:type=\"StringSetting\"><Name>%s</Name><Value>%s</Value></UserSetting>", adEscape(name), adEscape(v))
	}
	return "<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil=\"true\" />" +
		"<UserSettingErrors>" + errs.String() + "</UserSettingErrors><UserSettings>" + sets.String() + "</UserSettings></UserResponse>"
}

// The simulator's Autodiscover reports Exchange 2019 CU14, which calls its
// schema Exchange2015 here.
const adServerVersionInfo = `<h:ServerVersionInfo xmlns:h="` + nsADSOAP + `" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
	`<h:MajorVersion>15</h:MajorVersion><h:MinorVersion>2</h:MinorVersion><h:MajorBuildNumber>1544</h:MajorBuildNumber>` +
	`<h:MinorBuildNumber>4</h:MinorBuildNumber><h:Version>Exchange2015</h:Version></h:ServerVersionInfo>`

func writeUserSettings(w http.ResponseWriter, code, msg, users string) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<s:Envelope xmlns:s="` + nsSoap + `" xmlns:a="` + nsAddressing + `"><s:Header>`)
	b.WriteString(`<a:Action s:mustUnderstand="1">` + adActionGetUserSettings + `Response</a:Action>`)
	b.WriteString(adServerVersionInfo + `</s:Header><s:Body>`)
	b.WriteString(`<GetUserSettingsResponseMessage xmlns="` + nsADSOAP + `"><Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`)
	fmt.Fprintf(&b, "<ErrorCode>%s</ErrorCode>", adEscape(code))
	if msg == "" {
		b.WriteString("<ErrorMessage />")
	} else {
		fmt.Fprintf(&b, "<ErrorMessage>%s</ErrorMessage>", adEscape(msg))
	}
	b.WriteString("<UserResponses>" + users + "</UserResponses>")
	b.WriteString(`</Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`)
	adWriteXML(w, http.StatusOK, b.Bytes())
}

// writeADFault answers with a SOAP 1.1 fault as WCF sends it (HTTP 500).
func writeADFault(w http.ResponseWriter, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<s:Envelope xmlns:s="` + nsSoap + `"><s:Body><s:Fault>`)
	fmt.Fprintf(&b, `<faultcode xmlns:a="%s">%s</faultcode><faultstring xml:lang="en-US">%s</faultstring>`, nsAddressing, adEscape(code), adEscape(msg))
	b.WriteString(`</s:Fault></s:Body></s:Envelope>`)
	adWriteXML(w, http.StatusInternalServerError, b.Bytes())
}

func adWriteXML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func adEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
