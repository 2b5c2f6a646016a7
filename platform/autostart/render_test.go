package autostart

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// argvCases are command lines that need every kind of quoting, with the
// German and Chinese paths kiosks really have.
var argvCases = []struct {
	name string
	args []string
}{
	{"plain", []string{"/usr/bin/roomboard", "kiosk", "--floor"}},
	{"spaces", []string{"/opt/Room Board/roomboard", "kiosk", "--hub", "https://hub.contoso.com:8443/"}},
	{"umlauts", []string{"/home/jürgen/Räume & Büros/roomboard", "--name=Großer Saal (3. OG)"}},
	{"CJK", []string{"/home/王小明/會議室/roomboard", "kiosk", "--room", "会议室-北京 1号"}},
	{"shell characters", []string{`/opt/x/roomboard`, `$HOME`, "`id`", `a"b`, `it's`, `*?#~|;<>`}},
	{"backslashes", []string{`/opt/x/roomboard`, `C:\Program Files\Roomboard\`, `\\server\share`, `a\"b`, `tail\`}},
	{"percent", []string{"/opt/x/roomboard", "50%", "%u", "%%"}},
	{"empty argument", []string{"/opt/x/roomboard", "", "x"}},
}

// parseExec undoes escapeString and execLine by the Desktop Entry
// Specification, independently of how they are written.
func parseExec(t *testing.T, value string) []string {
	t.Helper()
	// String escapes first.
	var u strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] != '\\' {
			u.WriteByte(value[i])
			continue
		}
		i++
		if i == len(value) {
			t.Fatalf("Exec ends in a lone backslash: %q", value)
		}
		switch value[i] {
		case 's':
			u.WriteByte(' ')
		case 'n':
			u.WriteByte('\n')
		case 't':
			u.WriteByte('\t')
		case 'r':
			u.WriteByte('\r')
		case '\\':
			u.WriteByte('\\')
		default:
			t.Fatalf("Exec has an invalid string escape \\%c: %q", value[i], value)
		}
	}
	s := u.String()
	// Then the Exec quoting.
	var args []string
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		var a strings.Builder
		if s[i] == '"' {
			i++
			for ; ; i++ {
				if i == len(s) {
					t.Fatalf("unterminated quote in Exec %q", s)
				}
				if s[i] == '"' {
					i++
					break
				}
				if s[i] == '\\' {
					i++
					if i == len(s) || !strings.ContainsRune("\"`$\\", rune(s[i])) {
						t.Fatalf("invalid escape in quoted Exec argument: %q", s)
					}
				}
				a.WriteByte(s[i])
			}
			if i < len(s) && s[i] != ' ' {
				t.Fatalf("quoted argument not followed by a space in %q", s)
			}
		} else {
			for ; i < len(s) && s[i] != ' '; i++ {
				if strings.ContainsRune("\t\n\"'\\><~|&;$*?#()`", rune(s[i])) {
					t.Fatalf("reserved character %q outside quotes in %q", s[i], s)
				}
				a.WriteByte(s[i])
			}
		}
		arg := a.String()
		// Field codes: %% is a literal percent; any other % code would be
		// expanded by the launcher.
		if strings.Contains(strings.ReplaceAll(arg, "%%", ""), "%") {
			t.Fatalf("field code left in argument %q", arg)
		}
		args = append(args, strings.ReplaceAll(arg, "%%", "%"))
	}
	return args
}

func TestExecRoundTrip(t *testing.T) {
	for _, tt := range argvCases {
		t.Run(tt.name, func(t *testing.T) {
			line := escapeString(execLine(tt.args))
			if diff := cmp.Diff(tt.args, parseExec(t, line)); diff != "" {
				t.Errorf("Exec=%s parses back differently (-want +got):\n%s", line, diff)
			}
		})
	}
}

func TestExecSpecExamples(t *testing.T) {
	// The spec's own example: a literal backslash in a quoted argument
	// takes four backslashes in the file.
	if got, want := escapeString(execLine([]string{"/bin/x", `a\b`})), `/bin/x "a\\\\b"`; got != want {
		t.Errorf("Exec = %s, want %s", got, want)
	}
	if got, want := escapeString(execLine([]string{"/bin/x", "100%"})), `/bin/x 100%%`; got != want {
		t.Errorf("Exec = %s, want %s", got, want)
	}
}

// parseWindows splits a command line the way CommandLineToArgvW does for
// arguments (2n backslashes + quote: n backslashes and a quote toggle;
// 2n+1 + quote: n and a literal quote; other backslashes are literal).
func parseWindows(s string) []string {
	var args []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return args
		}
		var a strings.Builder
		quoted := false
		for i < len(s) && (quoted || (s[i] != ' ' && s[i] != '\t')) {
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				a.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					a.WriteByte('"')
				} else {
					quoted = !quoted
				}
				i++
				continue
			}
			a.WriteString(strings.Repeat(`\`, n))
			if i < len(s) && (quoted || (s[i] != ' ' && s[i] != '\t')) {
				a.WriteByte(s[i])
				i++
			}
		}
		args = append(args, a.String())
	}
}

func TestWindowsCommandLineRoundTrip(t *testing.T) {
	for _, tt := range argvCases {
		t.Run(tt.name, func(t *testing.T) {
			line := windowsCommandLine(tt.args)
			if diff := cmp.Diff(tt.args, parseWindows(line)); diff != "" {
				t.Errorf("%s parses back differently (-want +got):\n%s", line, diff)
			}
		})
	}
	if got, want := windowsCommandLine([]string{`C:\Program Files\Roomboard\roomboard.exe`, "kiosk"}), `"C:\Program Files\Roomboard\roomboard.exe" kiosk`; got != want {
		t.Errorf("command line = %s, want %s", got, want)
	}
}

func TestLaunchAgentRoundTrip(t *testing.T) {
	for _, tt := range argvCases {
		t.Run(tt.name, func(t *testing.T) {
			app := App{ID: "com.roomboard.kiosk", Name: "Roomboard", Exec: tt.args}
			var p struct {
				Version string `xml:"version,attr"`
				Dict    struct {
					Keys    []string   `xml:"key"`
					Strings []string   `xml:"string"`
					Array   []string   `xml:"array>string"`
					True    []struct{} `xml:"true"`
				} `xml:"dict"`
			}
			data := launchAgent(app)
			if err := xml.Unmarshal(data, &p); err != nil {
				t.Fatalf("plist does not parse: %v\n%s", err, data)
			}
			if diff := cmp.Diff(tt.args, p.Dict.Array); diff != "" {
				t.Errorf("ProgramArguments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Label", "ProgramArguments", "RunAtLoad", "ProcessType"}, p.Dict.Keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"com.roomboard.kiosk", "Interactive"}, p.Dict.Strings); diff != "" {
				t.Errorf("strings (-want +got):\n%s", diff)
			}
			if len(p.Dict.True) != 1 || !launchAgentEnabled(data) {
				t.Errorf("RunAtLoad missing or job disabled:\n%s", data)
			}
		})
	}
	disabled := []byte(`<plist version="1.0"><dict><key>Label</key><string>x</string><key>Disabled</key><true/></dict></plist>`)
	if launchAgentEnabled(disabled) {
		t.Errorf("a plist with Disabled=true counts as enabled")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		app  App
	}{
		{"no ID", App{Exec: []string{"/bin/x"}}},
		{"ID with slash", App{ID: "../evil", Exec: []string{"/bin/x"}}},
		{"ID with umlaut", App{ID: "com.büro", Exec: []string{"/bin/x"}}},
		{"no Exec", App{ID: "com.roomboard.kiosk"}},
		{"relative program", App{ID: "com.roomboard.kiosk", Exec: []string{"roomboard"}}},
		{"newline in argument", App{ID: "com.roomboard.kiosk", Exec: []string{"/bin/x", "a\nb"}}},
		{"control character in name", App{ID: "com.roomboard.kiosk", Name: "x\x07", Exec: []string{"/bin/x"}}},
		{"invalid UTF-8", App{ID: "com.roomboard.kiosk", Exec: []string{"/bin/x", "\xff"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Enable(tt.app); err == nil {
				t.Errorf("Enable(%+v) succeeded", tt.app)
			}
		})
	}
}
