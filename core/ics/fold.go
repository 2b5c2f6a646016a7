package ics

import "io"

// maxLine is the longest content line RFC 5545 3.1 allows, in octets,
// not counting the CRLF.
const maxLine = 75

// folder folds the content lines written through it at 75 octets. It only
// breaks before the first byte of a UTF-8 sequence, so a CJK character or
// an umlaut is never split across lines (RFC 5545 allows splitting it, but
// many parsers decode each physical line on its own). go-ical does not
// fold at all. The first error sticks and is returned by every later Write.
type folder struct {
	w   io.Writer
	col int // octets on the current physical line
	err error
}

func (f *folder) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\n':
			f.col = 0
			continue
		case c == '\r' || c&0xC0 == 0x80:
			// CR belongs to the line break; continuation bytes were
			// counted with their lead byte.
			if c != '\r' {
				f.col++
			}
			continue
		}
		n := 1
		switch {
		case c >= 0xF0:
			n = 4
		case c >= 0xE0:
			n = 3
		case c >= 0xC0:
			n = 2
		}
		if f.col+n > maxLine {
			if _, f.err = f.w.Write(p[start:i]); f.err != nil {
				return start, f.err
			}
			if _, f.err = io.WriteString(f.w, "\r\n "); f.err != nil {
				return i, f.err
			}
			start, f.col = i, 1
		}
		f.col++
	}
	if _, f.err = f.w.Write(p[start:]); f.err != nil {
		return start, f.err
	}
	return len(p), nil
}
