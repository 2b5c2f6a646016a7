package kiosk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf16"

	"fyne.io/fyne/v2"
)

// Fonts is a CJK-capable font located on the system, as Fyne resources.
// Fyne's bundled font has no CJK glyphs, so without one Chinese room names
// and the zh-TW and zh-CN translations would show boxes.
type Fonts struct {
	Regular, Bold fyne.Resource
	// Source names the files and faces used, for logs and the settings
	// screen.
	Source string
}

// ErrNoCJKFont means none of the candidate files exists or parses.
var ErrNoCJKFont = errors.New("kiosk: no CJK font found")

// maxFontFile bounds what LocateCJKFonts reads: macOS's PingFang.ttc, the
// largest candidate, is about 75 MB.
const maxFontFile = 128 << 20

// fontCandidate is a file that may hold a CJK face. Region is "TC", "SC"
// or "" (both, or unknown) for single-region files; collections are
// searched face by face.
type fontCandidate struct {
	regular, bold string
	region        string
}

// cjkCandidates returns the files to try on goos, best first. Windows and
// macOS ship their CJK fonts as TrueType collections (.ttc); Fyne's font
// loader reads single fonts only, so faces are cut out of collections (see
// extractFace).
func cjkCandidates(goos string) []fontCandidate {
	switch goos {
	case "windows":
		dir := filepath.Join(os.Getenv("WINDIR"), "Fonts")
		if os.Getenv("WINDIR") == "" {
			dir = `C:\Windows\Fonts`
		}
		j := func(f string) string { return filepath.Join(dir, f) }
		return []fontCandidate{
			{j("msjh.ttc"), j("msjhbd.ttc"), "TC"}, // Microsoft JhengHei
			{j("msyh.ttc"), j("msyhbd.ttc"), "SC"}, // Microsoft YaHei
			{j("msjh.ttf"), j("msjhbd.ttf"), "TC"}, // Windows 7
			{j("msyh.ttf"), j("msyhbd.ttf"), "SC"},
			{j("simsun.ttc"), "", "SC"},
		}
	case "darwin":
		return []fontCandidate{
			{"/System/Library/Fonts/PingFang.ttc", "", ""},
			{"/System/Library/AssetsV2/com_apple_MobileAsset_Font7/PingFang.ttc", "", ""},
			{"/System/Library/Fonts/STHeiti Light.ttc", "/System/Library/Fonts/STHeiti Medium.ttc", ""},
			{"/System/Library/Fonts/Hiragino Sans GB.ttc", "", "SC"},
			{"/Library/Fonts/Arial Unicode.ttf", "", ""},
			{"/System/Library/Fonts/Supplemental/Arial Unicode.ttf", "", ""},
		}
	}
	var out []fontCandidate
	for _, dir := range []string{"/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk",
		"/usr/share/fonts/google-noto-cjk", "/usr/share/fonts/opentype/noto-cjk"} {
		out = append(out, fontCandidate{filepath.Join(dir, "NotoSansCJK-Regular.ttc"), filepath.Join(dir, "NotoSansCJK-Bold.ttc"), ""})
	}
	return append(out,
		fontCandidate{"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "", ""},
		fontCandidate{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "", ""},
		fontCandidate{"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "", ""},
		fontCandidate{"/usr/share/fonts/truetype/arphic/uming.ttc", "", "TC"},
	)
}

// LocateCJKFonts finds a CJK font for lang on this system: the
// traditional-Chinese design for zh-TW, the simplified one otherwise (both
// cover all characters; they differ in glyph shapes). Files in extra are
// tried first, e.g. an operator's font setting.
func LocateCJKFonts(lang string, extra ...string) (Fonts, error) {
	var cands []fontCandidate
	for _, e := range extra {
		cands = append(cands, fontCandidate{regular: e})
	}
	return locate(append(cands, cjkCandidates(runtime.GOOS)...), lang)
}

func locate(cands []fontCandidate, lang string) (Fonts, error) {
	want := "SC"
	if lang == "zh-TW" {
		want = "TC"
	}
	// A file of the wanted region beats one of the other region.
	for pass := 0; pass < 2; pass++ {
		for _, c := range cands {
			if pass == 0 && c.region != "" && c.region != want {
				continue
			}
			reg, name, err := loadFace(c.regular, want, false)
			if err != nil {
				continue
			}
			f := Fonts{Regular: reg, Source: name}
			boldFile := c.bold
			if boldFile == "" {
				boldFile = c.regular // a collection with bold faces (PingFang)
			}
			if b, bname, err := loadFace(boldFile, want, true); err == nil && b != nil {
				f.Bold, f.Source = b, name+"; "+bname
			}
			return f, nil
		}
	}
	return Fonts{}, ErrNoCJKFont
}

// loadFace reads path and returns a single-face font for region want. With
// bold set it returns only a bold face (nil, "" and no error when the file
// has none).
func loadFace(path, want string, bold bool) (fyne.Resource, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if fi.Size() > maxFontFile {
		return nil, "", fmt.Errorf("kiosk: font %s: %d bytes is too large", path, fi.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	faces, err := sfntFaces(data)
	if err != nil {
		return nil, "", fmt.Errorf("kiosk: font %s: %w", path, err)
	}
	best, bestScore := -1, -1
	for i, f := range faces {
		s := f.score(want, bold)
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	if bold && !faces[best].isBold() {
		return nil, "", nil
	}
	out := data
	if len(faces) > 1 || faces[best].offset != 0 {
		if out, err = extractFace(data, faces[best].offset); err != nil {
			return nil, "", fmt.Errorf("kiosk: font %s: %w", path, err)
		}
	}
	name := filepath.Base(path) + ": " + faces[best].family + " " + faces[best].style
	res := fyne.NewStaticResource(strings.ReplaceAll(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), " ", "")+"-"+
		strings.ReplaceAll(faces[best].family+"-"+faces[best].style, " ", "")+".otf", out)
	return res, name, nil
}

// errFont reports a malformed font file.
var errFont = errors.New("malformed font file")

// sfntFace is one face of a font file.
type sfntFace struct {
	offset        uint32 // of its table directory
	family, style string
}

func (f sfntFace) isBold() bool {
	s := strings.ToLower(f.style)
	return strings.Contains(s, "bold") || strings.Contains(s, "semibold") || strings.Contains(s, "medium")
}

// score ranks a face for a region and weight: matching weight first, then
// the region named in the family, then plain proportional faces.
func (f sfntFace) score(want string, bold bool) int {
	s := 0
	if f.isBold() == bold {
		s += 8
	}
	fam := strings.ToUpper(f.family)
	tc := strings.Contains(fam, " TC") || strings.Contains(fam, "JHENGHEI") || strings.Contains(fam, "HANT")
	sc := strings.Contains(fam, " SC") || strings.Contains(fam, "YAHEI") || strings.Contains(fam, "HANS") || strings.Contains(fam, " GB")
	if (want == "TC" && tc) || (want == "SC" && sc) {
		s += 4
	}
	if !strings.Contains(fam, "MONO") && !strings.Contains(fam, " UI") {
		s += 2
	}
	if strings.EqualFold(f.style, "Regular") || (bold && strings.EqualFold(f.style, "Bold")) {
		s++
	}
	return s
}

// sfntFaces lists the faces of a TrueType/OpenType font or collection.
func sfntFaces(data []byte) ([]sfntFace, error) {
	if len(data) < 12 {
		return nil, errFont
	}
	var offsets []uint32
	if string(data[:4]) == "ttcf" {
		n := binary.BigEndian.Uint32(data[8:12])
		if n == 0 || n > 256 || 12+4*int(n) > len(data) {
			return nil, errFont
		}
		for i := range int(n) {
			offsets = append(offsets, binary.BigEndian.Uint32(data[12+4*i:]))
		}
	} else {
		offsets = []uint32{0}
	}
	var faces []sfntFace
	for _, off := range offsets {
		tables, err := tableDir(data, off)
		if err != nil {
			return nil, err
		}
		f := sfntFace{offset: off}
		if name, ok := tables["name"]; ok {
			f.family, f.style = faceNames(data[name.off : name.off+name.len])
		}
		faces = append(faces, f)
	}
	return faces, nil
}

type tableRec struct {
	tag      string
	checksum uint32
	off, len uint32
}

// tableDir parses the table directory at off, checking that every table
// lies inside data.
func tableDir(data []byte, off uint32) (map[string]tableRec, error) {
	if uint64(off)+12 > uint64(len(data)) {
		return nil, errFont
	}
	switch v := string(data[off : off+4]); v {
	case "\x00\x01\x00\x00", "OTTO", "true":
	default:
		return nil, fmt.Errorf("%w: version %q", errFont, v)
	}
	n := int(binary.BigEndian.Uint16(data[off+4:]))
	if n == 0 || uint64(off)+12+16*uint64(n) > uint64(len(data)) {
		return nil, errFont
	}
	out := make(map[string]tableRec, n)
	for i := range n {
		r := data[int(off)+12+16*i:]
		t := tableRec{tag: string(r[:4]), checksum: binary.BigEndian.Uint32(r[4:]),
			off: binary.BigEndian.Uint32(r[8:]), len: binary.BigEndian.Uint32(r[12:])}
		if uint64(t.off)+uint64(t.len) > uint64(len(data)) {
			return nil, fmt.Errorf("%w: table %q outside the file", errFont, t.tag)
		}
		out[t.tag] = t
	}
	return out, nil
}

// faceNames reads the family and style from a name table, preferring the
// typographic names (16, 17) and Windows English records.
func faceNames(t []byte) (family, style string) {
	if len(t) < 6 {
		return "", ""
	}
	count, strOff := int(binary.BigEndian.Uint16(t[2:])), int(binary.BigEndian.Uint16(t[4:]))
	best := map[uint16]int{} // nameID -> rank of the record kept
	names := map[uint16]string{}
	for i := range count {
		r := 6 + 12*i
		if r+12 > len(t) {
			break
		}
		platform, lang, id := binary.BigEndian.Uint16(t[r:]), binary.BigEndian.Uint16(t[r+4:]), binary.BigEndian.Uint16(t[r+6:])
		ln, so := int(binary.BigEndian.Uint16(t[r+8:])), int(binary.BigEndian.Uint16(t[r+10:]))
		if id != 1 && id != 2 && id != 16 && id != 17 {
			continue
		}
		s, e := strOff+so, strOff+so+ln
		if e > len(t) || s > e {
			continue
		}
		raw := t[s:e]
		var text string
		rank := 0
		switch platform {
		case 3, 0:
			u := make([]uint16, len(raw)/2)
			for j := range u {
				u[j] = binary.BigEndian.Uint16(raw[2*j:])
			}
			text = string(utf16.Decode(u))
			rank = 2
			if lang == 0x0409 {
				rank = 3
			}
		case 1:
			text, rank = string(raw), 1
		default:
			continue
		}
		if rank > best[id] {
			best[id], names[id] = rank, text
		}
	}
	family, style = names[1], names[2]
	if names[16] != "" {
		family = names[16]
	}
	if names[17] != "" {
		style = names[17]
	}
	return family, style
}

// extractFace returns a standalone font file holding the face whose table
// directory is at off in the collection data: a new directory followed by
// copies of the face's tables, each 4-byte aligned. Checksums are kept;
// tables are copied byte for byte, so they stay valid.
func extractFace(data []byte, off uint32) ([]byte, error) {
	tables, err := tableDir(data, off)
	if err != nil {
		return nil, err
	}
	n := len(tables)
	// Keep the directory order of the source, which is sorted by tag.
	recs := make([]tableRec, 0, n)
	for i := range n {
		recs = append(recs, tables[string(data[int(off)+12+16*i:int(off)+16+16*i])])
	}
	size := 12 + 16*n
	for _, r := range recs {
		size += int(r.len+3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	copy(out[:12], data[off:off+12])
	for i, r := range recs {
		pos := len(out)
		out = append(out, data[r.off:r.off+r.len]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		d := out[12+16*i:]
		copy(d[:4], r.tag)
		binary.BigEndian.PutUint32(d[4:], r.checksum)
		binary.BigEndian.PutUint32(d[8:], uint32(pos))
		binary.BigEndian.PutUint32(d[12:], r.len)
	}
	return out, nil
}
