package preview

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func writePNG(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "img.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, sceneImage(64, 48)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestView(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "bad.png"), []byte("\x89PNG\r\n\x1a\nnope"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		proto    Protocol
		contains string
		badInput bool
	}{
		{"kitty", path, Kitty, "\U0010EEEE", false},
		{"kitty direct moves below", path, KittyDirect, "C=1", false},
		{"sixel", path, Sixel, "\x1bP0;1;0q", false},
		{"iterm", path, ITerm, "\x1b]1337;File=", false},
		{"blocks", path, Blocks, upperHalf, false},
		{"none", path, None, "[image 64×48", false},
		{"missing", filepath.Join(dir, "nope.png"), Blocks, "", true},
		{"corrupt", filepath.Join(dir, "bad.png"), Blocks, "", true},
		{"auto unresolved", path, Auto, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := View(&buf, tc.path, ViewOptions{Protocol: tc.proto, Cols: 80, Rows: 24})
			if tc.badInput {
				var bad interface{ BadInput() bool }
				if err == nil || !errorsAs(err, &bad) || strings.Contains(err.Error(), "\n") || buf.Len() != 0 {
					t.Fatalf("err %v, %d bytes written; want a one-line bad-input error and no output", err, buf.Len())
				}
				return
			}
			if err != nil || !strings.Contains(buf.String(), tc.contains) || !strings.HasSuffix(buf.String(), "\n") {
				t.Fatalf("err %v; output lacks %q or a final newline", err, tc.contains)
			}
		})
	}
}

// TestShowSize: by default a picture fills the terminal keeping its aspect ratio (a 64×48
// sixel in 200×60 cells of 10×20 px is limited by the 59 rows: 1180 px high, 1573 wide);
// with Native it stays at its own 64 px.
func TestShowSize(t *testing.T) {
	cases := []struct {
		name         string
		native       bool
		wantW, wantH int
	}{
		{"fit", false, 1573, 1180},
		{"native", true, 64, 48},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			o := ViewOptions{Protocol: Sixel, Cols: 200, Rows: 60, Native: c.native}
			if err := Show(&buf, sceneImage(64, 48), o); err != nil {
				t.Fatal(err)
			}
			img, err := decodeSixel(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
			if err != nil || absInt(img.Rect.Dx()-c.wantW) > 6 || absInt(img.Rect.Dy()-c.wantH) > 6 {
				t.Errorf("shown at %v (%v), want about %d×%d px", img.Rect, err, c.wantW, c.wantH)
			}
		})
	}
}

// A 64² picture in half blocks on an 80×24 terminal: 23 rows (one is left for the prompt)
// of 46 cells, square on screen with 10×20-pixel cells — not the 7×4 cells of its pixel size.
func TestShowFitsSmallPictureToTheTerminal(t *testing.T) {
	var buf bytes.Buffer
	if err := Show(&buf, sceneImage(64, 64), ViewOptions{Protocol: Blocks, Cols: 80, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	cells := utf8.RuneCountInString(sgrRe.ReplaceAllString(lines[0], ""))
	if len(lines) != 23 || cells != 46 {
		t.Fatalf("drawn as %d×%d cells, want 46×23", cells, len(lines))
	}
}

// FuzzView feeds arbitrary file contents to View: it must return an error or draw, never
// panic, and errors must be one line.
func FuzzView(f *testing.F) {
	var pngBytes bytes.Buffer
	png.Encode(&pngBytes, sceneImage(5, 4))
	f.Add(pngBytes.Bytes())
	f.Add([]byte("\xff\xd8\xff\xe0 not really a jpeg"))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := View(&buf, path, ViewOptions{Protocol: Blocks, Cols: 20, Rows: 10}); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}

// `nudge view` refuses a picture whose declared size would not fit in memory, in one line,
// through the shared bounded decoder.
func TestViewRefusesHugeDeclaredSize(t *testing.T) {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 60000), 60000)
	data := []byte("\x89PNG\r\n\x1a\n")
	data = binary.BigEndian.AppendUint32(data, 13)
	data = append(append(data, "IHDR"...), append(ihdr, 8, 6, 0, 0, 0)...)
	data = binary.BigEndian.AppendUint32(data, crc32.ChecksumIEEE(data[12:]))
	p := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	err := View(io.Discard, p, ViewOptions{Protocol: Blocks})
	var bi *BadInputError
	if !errors.As(err, &bi) || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("got %v", err)
	}
}

var sgrRe = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func absInt(v int) int { return max(v, -v) }
