package autostart

import "strings"

// This file renders the XDG entry on every OS, so its quoting is tested
// everywhere.

// desktopEntry returns the .desktop file for app, following the Desktop
// Entry Specification 1.5.
// https://specifications.freedesktop.org/desktop-entry-spec/latest/
func desktopEntry(app App) []byte {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Version=1.5\n")
	b.WriteString("Name=" + escapeString(app.Name) + "\n")
	b.WriteString("Exec=" + escapeString(execLine(app.Exec)) + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return []byte(b.String())
}

// execLine quotes args by the spec's rules for the Exec key: an argument
// with a reserved character goes in double quotes, inside which '"', '`',
// '$' and '\' take a backslash; '%' is doubled everywhere because it
// starts field codes.
func execLine(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		a = strings.ReplaceAll(a, "%", "%%")
		if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
			b.WriteString(a)
			continue
		}
		b.WriteByte('"')
		for _, r := range a {
			switch r {
			case '"', '`', '$', '\\':
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	return b.String()
}

// escapeString applies the escapes of the spec's string type. They are
// undone before the Exec quoting is, which is why a backslash inside a
// quoted argument ends up as four.
func escapeString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	if strings.HasPrefix(s, " ") {
		s = `\s` + s[1:]
	}
	return s
}

// desktopEnabled reports whether a .desktop file's main group leaves the
// entry active: Hidden=true deletes it, and GNOME's own key disables it.
func desktopEnabled(data []byte) bool {
	group := ""
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		if group != "[Desktop Entry]" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Hidden":
			if strings.TrimSpace(v) == "true" {
				return false
			}
		case "X-GNOME-Autostart-enabled":
			if strings.TrimSpace(v) == "false" {
				return false
			}
		}
	}
	return true
}
