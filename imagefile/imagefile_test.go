package imagefile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// BombPNG is a tiny PNG whose header declares w×h 8-bit RGBA pixels and whose image data
// is one compressed scanline: the decoder would allocate w·h·4 bytes before finding out.
func BombPNG(w, h uint32) []byte {
	out := []byte("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		start := len(out)
		out = append(append(out, typ...), data...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	chunk("IHDR", append(ihdr, 8, 6, 0, 0, 0))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0})
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out
}

func encoded(t *testing.T, img image.Image, format string) []byte {
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	small := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	small.Set(1, 1, color.NRGBA{200, 10, 20, 255})
	wide16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	cases := []struct {
		name    string
		data    []byte
		wantErr string // "" = decodes
	}{
		{"small png", encoded(t, small, "png"), ""},
		{"small jpeg", encoded(t, small, "jpeg"), ""},
		{"16-bit gray png", encoded(t, wide16, "png"), ""},
		{"60000x60000 bomb", BombPNG(60000, 60000), "too large"},
		{"8193x8193 rgba", BombPNG(8193, 8193), "too large"},
		{"zero width", BombPNG(0, 5), "not a PNG"},
		{"not an image", []byte("hello"), "not a PNG or JPEG"},
		{"corrupt data", BombPNG(64, 64), "corrupt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, _, err := Decode(bytes.NewReader(c.data), "x.png")
			runtime.ReadMemStats(&after)
			if c.wantErr == "" {
				if err != nil || img == nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want an *Error saying %q", err, c.wantErr)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Fatalf("refusing allocated %d MB", grew>>20)
			}
		})
	}
	if img, _, _ := Decode(bytes.NewReader(encoded(t, small, "png")), ""); img.At(1, 1) != (color.NRGBA{200, 10, 20, 255}) {
		t.Fatal("decoded pixels differ")
	}
}

func TestDecodeFileRefusesNonRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo.png")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := DecodeFile(p); err == nil || !strings.Contains(err.Error(), "regular") {
		t.Fatalf("got %v", err)
	}
	if _, _, err := DecodeFile(filepath.Join(t.TempDir(), "none.png")); err == nil {
		t.Fatal("a missing file decoded")
	}
	ok := filepath.Join(t.TempDir(), "ok.png")
	os.WriteFile(ok, encoded(t, image.NewGray(image.Rect(0, 0, 2, 2)), "png"), 0o644)
	if _, f, err := DecodeFile(ok); err != nil || f != "png" {
		t.Fatalf("got %q %v", f, err)
	}
}
