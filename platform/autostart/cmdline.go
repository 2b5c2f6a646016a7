package autostart

import "strings"

// This file builds the Windows command line on every OS, so its quoting
// is tested everywhere.

// windowsCommandLine joins args into one command line that
// CommandLineToArgvW and the Microsoft C runtime split back into args:
// an argument with a space, a tab or a quote (or an empty one) goes in
// double quotes, a quote inside takes a backslash, and backslashes are
// doubled only where they precede a quote. The same rules as
// syscall.EscapeArg, which exists only on Windows.
func windowsCommandLine(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && !strings.ContainsAny(a, " \t\"") {
			b.WriteString(a)
			continue
		}
		b.WriteByte('"')
		slashes := 0
		for j := 0; j < len(a); j++ {
			switch c := a[j]; c {
			case '\\':
				slashes++
			case '"':
				b.WriteString(strings.Repeat(`\`, slashes+1))
				slashes = 0
			default:
				slashes = 0
			}
			b.WriteByte(a[j])
		}
		b.WriteString(strings.Repeat(`\`, slashes)) // before the closing quote
		b.WriteByte('"')
	}
	return b.String()
}
