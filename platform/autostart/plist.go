package autostart

import (
	"encoding/xml"
	"strings"
)

// This file renders the macOS launch agent on every OS, so its escaping
// is tested everywhere.

// launchAgent returns a launchd property list that runs app once at login
// (RunAtLoad) as an interactive process. It does not keep it alive: the
// kiosk restarts itself, and a crash loop should not spin at launchd's
// pace.
// https://developer.apple.com/library/archive/documentation/MacOSX/Conceptual/BPSystemStartup/Chapters/CreatingLaunchdJobs.html
func launchAgent(app App) []byte {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	b.WriteString("\t<key>Label</key>\n\t<string>" + escapeXML(app.ID) + "</string>\n")
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range app.Exec {
		b.WriteString("\t\t<string>" + escapeXML(a) + "</string>\n")
	}
	b.WriteString("\t</array>\n")
	b.WriteString("\t<key>RunAtLoad</key>\n\t<true/>\n")
	b.WriteString("\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return []byte(b.String())
}

func escapeXML(s string) string {
	var b strings.Builder
	// validate has refused control characters and invalid UTF-8, the only
	// input EscapeText cannot represent, so it does not fail.
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// launchAgentEnabled reports whether a plist marks the job Disabled.
func launchAgentEnabled(data []byte) bool {
	var p struct {
		Dict struct {
			Items []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"dict"`
	}
	if xml.Unmarshal(data, &p) != nil {
		return true // launchd will complain about it, not us
	}
	items := p.Dict.Items
	for i := 0; i+1 < len(items); i++ {
		if items[i].XMLName.Local == "key" && items[i].Value == "Disabled" {
			return items[i+1].XMLName.Local != "true"
		}
	}
	return true
}
