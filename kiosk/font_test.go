package kiosk

import (
	"bytes"
	"encoding/binary"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// makeTTC wraps fonts into a TrueType collection, shifting each face's
// table offsets to where the face lands.
func makeTTC(fonts ...[]byte) (ttc []byte, offsets []uint32) {
	head := 12 + 4*len(fonts)
	out := make([]byte, head)
	copy(out, "ttcf")
	binary.BigEndian.PutUint32(out[4:], 0x00010000)
	binary.BigEndian.PutUint32(out[8:], uint32(len(fonts)))
	for i, f := range fonts {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		base := uint32(len(out))
		offsets = append(offsets, base)
		binary.BigEndian.PutUint32(out[12+4*i:], base)
		face := bytes.Clone(f)
		n := int(binary.BigEndian.Uint16(face[4:]))
		for j := range n {
			p := 12 + 16*j + 8
			binary.BigEndian.PutUint32(face[p:], binary.BigEndian.Uint32(face[p:])+base)
		}
		out = append(out, face...)
	}
	return out, offsets
}

func TestExtractFace(t *testing.T) {
	test.NewTempApp(t)
	regular, bold := theme.DefaultTextFont().Content(), theme.DefaultTextBoldFont().Content()
	ttc, offs := makeTTC(regular, bold)

	faces, err := sfntFaces(ttc)
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) != 2 || faces[0].isBold() || !faces[1].isBold() {
		t.Fatalf("faces = %+v, want a regular and a bold face", faces)
	}
	for i, src := range [][]byte{regular, bold} {
		got, err := extractFace(ttc, offs[i])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tableDir(src, 0)
		have, err := tableDir(got, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(have) != len(want) {
			t.Fatalf("face %d: %d tables, want %d", i, len(have), len(want))
		}
		for tag, w := range want {
			h := have[tag]
			if !bytes.Equal(got[h.off:h.off+h.len], src[w.off:w.off+w.len]) {
				t.Errorf("face %d: table %q differs", i, tag)
			}
		}
		// Fyne measures text with the extracted face as with the original.
		style := fyne.TextStyle{Bold: i == 1}
		a, _ := fyne.CurrentApp().Driver().RenderedTextSize("Sitzungszimmer Säntis", 30, style, fyne.NewStaticResource("x.ttf", got))
		b, _ := fyne.CurrentApp().Driver().RenderedTextSize("Sitzungszimmer Säntis", 30, style, fyne.NewStaticResource("y.ttf", src))
		if a != b || a.Width < 100 {
			t.Errorf("face %d: extracted measures %v, original %v", i, a, b)
		}
	}
}

// TestFontParsingBounded feeds every truncation and some corruptions of a
// collection to the parser: it must return errors, never panic.
func TestFontParsingBounded(t *testing.T) {
	ttc, offs := makeTTC(theme.DefaultTextFont().Content()[:4096])
	for n := 0; n <= len(ttc); n += 7 {
		if faces, err := sfntFaces(ttc[:n]); err == nil {
			for _, f := range faces {
				_, _ = extractFace(ttc[:n], f.offset)
			}
		}
	}
	bad := bytes.Clone(ttc)
	binary.BigEndian.PutUint32(bad[8:], 0xffffffff) // absurd face count
	if _, err := sfntFaces(bad); err == nil {
		t.Error("absurd face count accepted")
	}
	bad = bytes.Clone(ttc)
	binary.BigEndian.PutUint32(bad[int(offs[0])+12+8:], 0x7fffffff) // table past the end
	if _, err := sfntFaces(bad); err == nil {
		t.Error("table outside the file accepted")
	}
	if _, err := extractFace(ttc, 1<<30); err == nil {
		t.Error("face offset past the end accepted")
	}
}

func TestFaceScore(t *testing.T) {
	faces := []sfntFace{{family: "Noto Sans CJK JP", style: "Regular"}, {family: "Noto Sans CJK SC", style: "Regular"},
		{family: "Noto Sans CJK TC", style: "Regular"}, {family: "Noto Sans Mono CJK TC", style: "Regular"},
		{family: "Noto Sans CJK TC", style: "Bold"}}
	best := func(want string, bold bool) string {
		b := 0
		for i, f := range faces {
			if f.score(want, bold) > faces[b].score(want, bold) {
				b = i
			}
		}
		return faces[b].family + " " + faces[b].style
	}
	for _, tc := range []struct {
		want string
		bold bool
		face string
	}{
		{"TC", false, "Noto Sans CJK TC Regular"}, {"SC", false, "Noto Sans CJK SC Regular"}, {"TC", true, "Noto Sans CJK TC Bold"},
	} {
		if got := best(tc.want, tc.bold); got != tc.face {
			t.Errorf("best(%s, bold=%v) = %s, want %s", tc.want, tc.bold, got, tc.face)
		}
	}
}

// TestCJKFontRenders checks that the located font has real CJK glyphs:
// an ideograph is one em wide, which no fallback box is.
func TestCJKFontRenders(t *testing.T) {
	for _, lang := range []string{"zh-TW", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			f := needCJK(t, lang)
			test.NewTempApp(t)
			t.Logf("%s: %s", lang, f.Source)
			for _, res := range []fyne.Resource{f.Regular, f.Bold} {
				if res == nil {
					t.Fatal("no face")
				}
				s, _ := fyne.CurrentApp().Driver().RenderedTextSize("會議室", 100, fyne.TextStyle{}, res)
				if s.Width < 290 || s.Width > 310 {
					t.Errorf("three ideographs at 100 px measure %.0f px wide, want 300", s.Width)
				}
			}
		})
	}
}
