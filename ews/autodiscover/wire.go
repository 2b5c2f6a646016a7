package autodiscover

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/roomboard/roomboard/ews"
)

// XML namespaces and actions of the two Autodiscover services.
const (
	NSPOXRequest  = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
	NSPOXResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
	NSSOAP        = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
	// ActionGetUserSettings is the WS-Addressing action of GetUserSettings.
	ActionGetUserSettings = NSSOAP + "/Autodiscover/GetUserSettings"

	nsSoapEnv    = "http://schemas.xmlsoap.org/soap/envelope/"
	nsAddressing = "http://www.w3.org/2005/08/addressing"
)

// answer is what one Autodiscover response says, in either dialect. At most
// one of err, redirectAddr, redirectURL and the EWS URLs is meaningful.
type answer struct {
	err          *ResponseError
	redirectAddr string
	redirectURL  string
	internal     string // EWS URL for clients inside the organisation
	external     string // EWS URL for clients outside it
}

// poxRequest is the Outlook provider request body.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-request-for-exchange
type poxRequest struct {
	XMLName                  xml.Name `xml:"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006 Autodiscover"`
	EMailAddress             string   `xml:"Request>EMailAddress"`
	AcceptableResponseSchema string   `xml:"Request>AcceptableResponseSchema"`
}

func marshalPOX(email string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	// Encoding a fixed struct of strings cannot fail.
	_ = enc.Encode(poxRequest{EMailAddress: email, AcceptableResponseSchema: NSPOXResponse})
	b.WriteByte('\n')
	return b.Bytes()
}

// poxResponse decodes both the Outlook answer and the generic error answer;
// elements match by local name because the two use different namespaces and
// Microsoft's own examples have been published with https:// misspellings
// of them.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-response-for-exchange
type poxResponse struct {
	XMLName  xml.Name `xml:"Autodiscover"`
	Response *struct {
		Error   *poxError `xml:"Error"`
		Account *struct {
			Action       string        `xml:"Action"`
			RedirectAddr string        `xml:"RedirectAddr"`
			RedirectUrl  string        `xml:"RedirectUrl"`
			RedirectURL  string        `xml:"RedirectURL"` // the spelling of the Exchange 2007 docs
			Error        *poxError     `xml:"Error"`
			Protocols    []poxProtocol `xml:"Protocol"`
		} `xml:"Account"`
	} `xml:"Response"`
}

type poxError struct {
	ErrorCode string `xml:"ErrorCode"`
	Message   string `xml:"Message"`
}

type poxProtocol struct {
	Type     string    `xml:"Type"`
	EwsURL   string    `xml:"EwsUrl"`
	ASURL    string    `xml:"ASUrl"`
	Internal poxIntExt `xml:"Internal"`
	External poxIntExt `xml:"External"`
}

// poxIntExt is the Internal/External element of the WEB protocol, which may
// carry a stripped-down Protocol with an ASUrl.
type poxIntExt struct {
	Protocols []struct {
		ASURL string `xml:"ASUrl"`
	} `xml:"Protocol"`
}

func (e *poxError) toError() *ResponseError {
	code := strings.TrimSpace(e.ErrorCode)
	if code == "" {
		code = "unknown"
	}
	return &ResponseError{Code: code, Message: strings.TrimSpace(e.Message)}
}

// parsePOX reads a POX Autodiscover response. EXPR is the protocol meant for
// clients outside the organisation and EXCH the one for inside; EwsUrl is
// preferred over ASUrl, which Exchange 2007 used for the same endpoint, and
// the WEB protocol's ASUrl is the last resort.
func parsePOX(b []byte) (*answer, error) {
	var x poxResponse
	if err := decodeXML(b, &x); err != nil {
		return nil, err
	}
	if x.Response == nil {
		return nil, fmt.Errorf("%w: no Response element", ews.ErrMalformed)
	}
	if e := x.Response.Error; e != nil {
		return &answer{err: e.toError()}, nil
	}
	acc := x.Response.Account
	if acc == nil {
		return nil, fmt.Errorf("%w: no Account element", ews.ErrMalformed)
	}
	if acc.Error != nil {
		return &answer{err: acc.Error.toError()}, nil
	}
	switch action := strings.TrimSpace(acc.Action); action {
	case "redirectAddr":
		a := strings.TrimSpace(acc.RedirectAddr)
		if a == "" {
			return nil, fmt.Errorf("%w: redirectAddr without RedirectAddr", ews.ErrMalformed)
		}
		return &answer{redirectAddr: a}, nil
	case "redirectUrl":
		u := strings.TrimSpace(firstNonEmpty(acc.RedirectUrl, acc.RedirectURL))
		if u == "" {
			return nil, fmt.Errorf("%w: redirectUrl without RedirectUrl", ews.ErrMalformed)
		}
		return &answer{redirectURL: u}, nil
	case "settings", "":
	default:
		return nil, fmt.Errorf("%w: unknown Action %q", ews.ErrMalformed, action)
	}
	a := &answer{}
	var webIn, webEx string
	for _, p := range acc.Protocols {
		u := strings.TrimSpace(firstNonEmpty(p.EwsURL, p.ASURL))
		switch strings.TrimSpace(p.Type) {
		case "EXPR":
			a.external = firstNonEmpty(a.external, u)
		case "EXCH":
			a.internal = firstNonEmpty(a.internal, u)
		case "WEB":
			for _, q := range p.Internal.Protocols {
				webIn = firstNonEmpty(webIn, strings.TrimSpace(q.ASURL))
			}
			for _, q := range p.External.Protocols {
				webEx = firstNonEmpty(webEx, strings.TrimSpace(q.ASURL))
			}
		}
	}
	if a.internal == "" && a.external == "" {
		a.internal, a.external = webIn, webEx
	}
	return a, nil
}

// soapRequest renders GetUserSettings for the EWS URLs of email. to is the
// endpoint URL, which WS-Addressing repeats in the header.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getusersettings-operation-soap
func marshalSOAP(email, to string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<soap:Envelope xmlns:soap="` + nsSoapEnv + `" xmlns:a="` + NSSOAP + `" xmlns:wsa="` + nsAddressing + `">` + "\n")
	b.WriteString("  <soap:Header>\n")
	b.WriteString("    <a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>\n")
	b.WriteString("    <wsa:Action>" + ActionGetUserSettings + "</wsa:Action>\n")
	b.WriteString("    <wsa:To>")
	xml.EscapeText(&b, []byte(to))
	b.WriteString("</wsa:To>\n  </soap:Header>\n  <soap:Body>\n")
	b.WriteString("    <a:GetUserSettingsRequestMessage>\n      <a:Request>\n")
	b.WriteString("        <a:Users><a:User><a:Mailbox>")
	xml.EscapeText(&b, []byte(email))
	b.WriteString("</a:Mailbox></a:User></a:Users>\n")
	b.WriteString("        <a:RequestedSettings>\n")
	b.WriteString("          <a:Setting>InternalEwsUrl</a:Setting>\n")
	b.WriteString("          <a:Setting>ExternalEwsUrl</a:Setting>\n")
	b.WriteString("        </a:RequestedSettings>\n")
	b.WriteString("      </a:Request>\n    </a:GetUserSettingsRequestMessage>\n  </soap:Body>\n</soap:Envelope>\n")
	return b.Bytes()
}

type soapResponse struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Fault *struct {
			Code   string `xml:"faultcode"`
			String string `xml:"faultstring"`
		} `xml:"Fault"`
		Message *struct {
			ErrorCode     string             `xml:"Response>ErrorCode"`
			ErrorMessage  string             `xml:"Response>ErrorMessage"`
			UserResponses []soapUserResponse `xml:"Response>UserResponses>UserResponse"`
		} `xml:"GetUserSettingsResponseMessage"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type soapUserResponse struct {
	ErrorCode      string `xml:"ErrorCode"`
	ErrorMessage   string `xml:"ErrorMessage"`
	RedirectTarget string `xml:"RedirectTarget"`
	Settings       []struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	} `xml:"UserSettings>UserSetting"`
}

// parseSOAP reads a GetUserSettings response for one user.
func parseSOAP(b []byte) (*answer, error) {
	var x soapResponse
	if err := decodeXML(b, &x); err != nil {
		return nil, err
	}
	if f := x.Body.Fault; f != nil {
		// A fault is about the request as this server understood it,
		// so it fails this endpoint only.
		return nil, &ResponseError{Code: strings.TrimSpace(f.Code), Message: strings.TrimSpace(f.String)}
	}
	m := x.Body.Message
	if m == nil {
		return nil, fmt.Errorf("%w: no GetUserSettingsResponseMessage", ews.ErrMalformed)
	}
	if code := strings.TrimSpace(m.ErrorCode); code != "" && code != "NoError" {
		return &answer{err: &ResponseError{Code: code, Message: strings.TrimSpace(m.ErrorMessage)}}, nil
	}
	if len(m.UserResponses) == 0 {
		return nil, fmt.Errorf("%w: no UserResponse", ews.ErrMalformed)
	}
	u := m.UserResponses[0]
	target := strings.TrimSpace(u.RedirectTarget)
	switch code := strings.TrimSpace(u.ErrorCode); code {
	case "NoError", "":
	case "RedirectAddress", "RedirectUrl":
		if target == "" {
			return nil, fmt.Errorf("%w: %s without RedirectTarget", ews.ErrMalformed, code)
		}
		if code == "RedirectAddress" {
			return &answer{redirectAddr: target}, nil
		}
		return &answer{redirectURL: target}, nil
	default:
		return &answer{err: &ResponseError{Code: code, Message: strings.TrimSpace(u.ErrorMessage)}}, nil
	}
	a := &answer{}
	for _, s := range u.Settings {
		switch strings.TrimSpace(s.Name) {
		case "InternalEwsUrl":
			a.internal = strings.TrimSpace(s.Value)
		case "ExternalEwsUrl":
			a.external = strings.TrimSpace(s.Value)
		}
	}
	return a, nil
}

// decodeXML unmarshals a whole document, accepting only UTF-8 as Exchange
// always sends, and reports any failure as ews.ErrMalformed.
func decodeXML(b []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ews.ErrMalformed, err)
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
