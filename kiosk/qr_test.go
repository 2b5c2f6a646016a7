package kiosk

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRReedSolomon checks the error correction against the worked example
// of ISO/IEC 18004 Annex I (version 1-M, "01234567").
func TestQRReedSolomon(t *testing.T) {
	data := []byte{0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11}
	want := []byte{0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55}
	if got := rsRemainder(data, rsGenerator(10)); !bytes.Equal(got, want) {
		t.Errorf("EC codewords = % x, want % x", got, want)
	}
}

func TestQRVersions(t *testing.T) {
	for _, tc := range []struct {
		n, size int
	}{{1, 21}, {14, 21}, {15, 25}, {100, 41}, {107, 45}, {213, 57}} {
		q, err := encodeQR(strings.Repeat("a", tc.n))
		if err != nil {
			t.Fatalf("%d bytes: %v", tc.n, err)
		}
		if q.size != tc.size {
			t.Errorf("%d bytes: size %d, want %d", tc.n, q.size, tc.size)
		}
	}
	if _, err := encodeQR(strings.Repeat("a", 214)); !errors.Is(err, errQRTooLong) {
		t.Errorf("214 bytes: err = %v, want errQRTooLong", err)
	}
}

// TestQRDecodes decodes the codes with zbarimg (zbar-tools), an
// independent decoder, for every version the encoder makes.
func TestQRDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg (apt install zbar-tools) is not installed")
	}
	dir := t.TempDir()
	for _, text := range []string{
		"https://hub.example:8443/console/pair?code=K7Q4MX",
		"https://192.168.10.20:8443/console/pair?code=ABC123&room=%E5%8F%B0%E5%8C%97",
		"https://roomboard.example.com/console/pairings/approve?code=K7Q-4MX&hub=" + strings.Repeat("x", 120),
		"https://x.example/" + strings.Repeat("p", 190),
	} {
		q, err := encodeQR(text)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, q.image(4)); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "qr.png")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "-q", "--raw", path).Output()
		if err != nil {
			t.Errorf("version %d (%d bytes): zbarimg: %v", (q.size-17)/4, len(text), err)
			continue
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != text {
			t.Errorf("decoded %q, want %q", got, text)
		}
	}
}
