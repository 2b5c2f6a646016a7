package kiosk

import (
	"errors"
	"image"
	"image/color"
)

// A QR code encoder (ISO/IEC 18004) for the pairing screen: byte mode,
// error correction level M, versions 1 to 10, which holds up to 213 bytes —
// more than a console URL with a pairing code needs. It is small enough to
// read in one sitting, so the kiosk needs no extra module for the one QR
// code it ever draws.

// errQRTooLong is returned for text that does not fit version 10-M.
var errQRTooLong = errors.New("kiosk: text too long for a QR code")

// qrBlocks is, per version, the error correction codewords per block and
// the blocks of data codewords (level M).
var qrBlocks = [...]struct {
	ec     int
	blocks []int
}{
	1:  {10, []int{16}},
	2:  {16, []int{28}},
	3:  {26, []int{44}},
	4:  {18, []int{32, 32}},
	5:  {24, []int{43, 43}},
	6:  {16, []int{27, 27, 27, 27}},
	7:  {18, []int{31, 31, 31, 31}},
	8:  {22, []int{38, 38, 39, 39}},
	9:  {22, []int{36, 36, 36, 37, 37}},
	10: {26, []int{43, 43, 43, 43, 44}},
}

// qrAlign are the alignment pattern centres per version.
var qrAlign = [...][]int{2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50}}

// qrCode is a square of modules, true for dark.
type qrCode struct {
	size     int
	dark     [][]bool
	function [][]bool // finder, timing, alignment, format and version modules
}

// encodeQR returns the QR code of text with the lowest mask penalty.
func encodeQR(text string) (*qrCode, error) {
	data := []byte(text)
	version := 0
	for v := 1; v < len(qrBlocks); v++ {
		capacity := 0
		for _, n := range qrBlocks[v].blocks {
			capacity += n
		}
		countBits := 8
		if v >= 10 {
			countBits = 16
		}
		if 4+countBits+8*len(data) <= 8*capacity {
			version = v
			break
		}
	}
	if version == 0 {
		return nil, errQRTooLong
	}
	best, bestPenalty := (*qrCode)(nil), -1
	codewords := qrCodewords(version, data)
	for mask := range 8 {
		q := newQR(version)
		q.place(codewords)
		q.applyMask(mask)
		q.format(mask)
		if p := q.penalty(); bestPenalty < 0 || p < bestPenalty {
			best, bestPenalty = q, p
		}
	}
	return best, nil
}

// qrCodewords builds the data bit stream and interleaves it with the
// Reed–Solomon codewords of each block.
func qrCodewords(version int, data []byte) []byte {
	spec := qrBlocks[version]
	capacity := 0
	for _, n := range spec.blocks {
		capacity += n
	}
	var bits []bool
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(0b0100, 4) // byte mode
	if version >= 10 {
		put(len(data), 16)
	} else {
		put(len(data), 8)
	}
	for _, b := range data {
		put(int(b), 8)
	}
	put(0, min(4, 8*capacity-len(bits))) // terminator
	for len(bits)%8 != 0 {
		bits = append(bits, false)
	}
	stream := make([]byte, 0, capacity)
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := range 8 {
			if bits[i+j] {
				b |= 0x80 >> j
			}
		}
		stream = append(stream, b)
	}
	for pad := byte(0xec); len(stream) < capacity; pad ^= 0xec ^ 0x11 {
		stream = append(stream, pad)
	}
	gen := rsGenerator(spec.ec)
	var dataBlocks, ecBlocks [][]byte
	for _, n := range spec.blocks {
		dataBlocks = append(dataBlocks, stream[:n])
		ecBlocks = append(ecBlocks, rsRemainder(stream[:n], gen))
		stream = stream[n:]
	}
	var out []byte
	for i := range spec.blocks[len(spec.blocks)-1] {
		for _, b := range dataBlocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := range spec.ec {
		for _, b := range ecBlocks {
			out = append(out, b[i])
		}
	}
	return out
}

// gfMul multiplies in GF(2^8) modulo x^8+x^4+x^3+x^2+1.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		if b&1 != 0 {
			p ^= a
		}
		carry := a & 0x80
		a <<= 1
		if carry != 0 {
			a ^= 0x1d
		}
		b >>= 1
	}
	return p
}

// rsGenerator returns the coefficients of (x-α^0)…(x-α^(n-1)) without
// the leading 1, highest power first.
func rsGenerator(n int) []byte {
	g := make([]byte, n)
	g[n-1] = 1
	root := byte(1)
	for range n {
		for j := range n {
			g[j] = gfMul(g[j], root)
			if j+1 < n {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

// rsRemainder returns the error correction codewords of data.
func rsRemainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, b := range data {
		f := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i := range r {
			r[i] ^= gfMul(gen[i], f)
		}
	}
	return r
}

func newQR(version int) *qrCode {
	n := 17 + 4*version
	q := &qrCode{size: n, dark: make([][]bool, n), function: make([][]bool, n)}
	for i := range n {
		q.dark[i], q.function[i] = make([]bool, n), make([]bool, n)
	}
	for i := range n { // timing patterns
		q.set(6, i, i%2 == 0)
		q.set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= n || y >= n {
					continue
				}
				d := max(abs(dx), abs(dy))
				q.set(x, y, d != 2 && d != 4)
			}
		}
	}
	if version >= 2 {
		pos := qrAlign[version]
		last := len(pos) - 1
		for i, y := range pos {
			for j, x := range pos {
				if i == 0 && j == 0 || i == 0 && j == last || i == last && j == 0 {
					continue // the finders are there
				}
				for dy := -2; dy <= 2; dy++ {
					for dx := -2; dx <= 2; dx++ {
						q.set(x+dx, y+dy, max(abs(dx), abs(dy)) != 1)
					}
				}
			}
		}
	}
	q.format(0) // reserve the format modules; rewritten after masking
	if version >= 7 {
		rem := version
		for range 12 {
			rem = rem<<1 ^ rem>>11*0x1f25
		}
		bits := version<<12 | rem
		for i := range 18 {
			a, b := n-11+i%3, i/3
			q.set(a, b, bits>>i&1 == 1)
			q.set(b, a, bits>>i&1 == 1)
		}
	}
	return q
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// set marks the function module at column x, row y.
func (q *qrCode) set(x, y int, dark bool) {
	q.dark[y][x] = dark
	q.function[y][x] = true
}

// format writes the format information (level M, mask) in both copies.
func (q *qrCode) format(mask int) {
	data := 0<<3 | mask // level M is 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ rem>>9*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>i&1 == 1 }
	n := q.size
	for i := 0; i <= 5; i++ {
		q.set(8, i, bit(i))
	}
	q.set(8, 7, bit(6))
	q.set(8, 8, bit(7))
	q.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		q.set(14-i, 8, bit(i))
	}
	for i := range 8 {
		q.set(n-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		q.set(8, n-15+i, bit(i))
	}
	q.set(8, n-8, true) // the dark module
}

// place lays the codewords out in the two-column zigzag from the bottom
// right corner, skipping the function modules.
func (q *qrCode) place(data []byte) {
	n, i := q.size, 0
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := range n {
			for j := range 2 {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = n - 1 - vert
				}
				if !q.function[y][x] && i < len(data)*8 {
					q.dark[y][x] = data[i>>3]>>(7-i&7)&1 == 1
					i++
				}
			}
		}
	}
}

func (q *qrCode) applyMask(mask int) {
	for y := range q.size {
		for x := range q.size {
			var flip bool
			switch mask {
			case 0:
				flip = (x+y)%2 == 0
			case 1:
				flip = y%2 == 0
			case 2:
				flip = x%3 == 0
			case 3:
				flip = (x+y)%3 == 0
			case 4:
				flip = (x/3+y/2)%2 == 0
			case 5:
				flip = x*y%2+x*y%3 == 0
			case 6:
				flip = (x*y%2+x*y%3)%2 == 0
			case 7:
				flip = ((x+y)%2+x*y%3)%2 == 0
			}
			if flip && !q.function[y][x] {
				q.dark[y][x] = !q.dark[y][x]
			}
		}
	}
}

// penalty scores the symbol by the four rules of the standard; the mask
// with the lowest score is the easiest to scan.
func (q *qrCode) penalty() int {
	n, p := q.size, 0
	at := func(x, y int, transpose bool) bool {
		if transpose {
			return q.dark[x][y]
		}
		return q.dark[y][x]
	}
	finder := []bool{true, false, true, true, true, false, true}
	for _, tr := range []bool{false, true} {
		for y := range n {
			run := 1
			for x := 1; x <= n; x++ {
				if x < n && at(x, y, tr) == at(x-1, y, tr) {
					run++
					continue
				}
				if run >= 5 {
					p += 3 + run - 5
				}
				run = 1
			}
			// 1:1:3:1:1 with four light modules on one side.
			for x := 0; x+7 <= n; x++ {
				match := true
				for k, d := range finder {
					if at(x+k, y, tr) != d {
						match = false
						break
					}
				}
				if !match {
					continue
				}
				light := func(from, to int) bool {
					for k := from; k < to; k++ {
						if k >= 0 && k < n && at(k, y, tr) {
							return false
						}
					}
					return true
				}
				if light(x-4, x) || light(x+7, x+11) {
					p += 40
				}
			}
		}
	}
	dark := 0
	for y := range n {
		for x := range n {
			if q.dark[y][x] {
				dark++
			}
			if x+1 < n && y+1 < n {
				c := q.dark[y][x]
				if q.dark[y][x+1] == c && q.dark[y+1][x] == c && q.dark[y+1][x+1] == c {
					p += 3
				}
			}
		}
	}
	total := n * n
	k := (abs(dark*20-total*10)+total-1)/total - 1
	return p + max(k, 0)*10
}

// image draws the code with a quiet zone of four modules, scale pixels a
// module, dark on light whatever the theme: scanners expect that.
func (q *qrCode) image(scale int) image.Image {
	const quiet = 4
	side := (q.size + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := range q.size {
		for x := range q.size {
			if !q.dark[y][x] {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
				}
			}
		}
	}
	return img
}
