package preview

import (
	"bytes"
	"fmt"
	"image"
	"strconv"
	"testing"
)

// decodeSixel is an independent sixel reader: it follows the VT340 rules (raster attributes,
// colour definitions in RGB percent, `#n` selection, `!n` repeats, `$` and `-`) and returns
// the picture, with unset pixels transparent.
func decodeSixel(seq []byte) (*image.RGBA, error) {
	if !bytes.HasPrefix(seq, []byte("\x1bP")) || !bytes.HasSuffix(seq, []byte("\x1b\\")) {
		return nil, fmt.Errorf("not a DCS string")
	}
	q := bytes.IndexByte(seq, 'q')
	if q < 0 {
		return nil, fmt.Errorf("no q")
	}
	data := seq[q+1 : len(seq)-2]
	var w, h int
	if len(data) > 0 && data[0] == '"' {
		end := bytes.IndexFunc(data[1:], func(r rune) bool { return r != ';' && (r < '0' || r > '9') }) + 1
		p := bytes.Split(data[1:end], []byte(";"))
		if len(p) != 4 {
			return nil, fmt.Errorf("raster attributes %q", data[:end])
		}
		w, _ = strconv.Atoi(string(p[2]))
		h, _ = strconv.Atoi(string(p[3]))
		data = data[end:]
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	regs := map[int][3]uint8{}
	cur, x, y := 0, 0, 0
	num := func() []int {
		var out []int
		for len(data) > 0 {
			i := 0
			for i < len(data) && data[i] >= '0' && data[i] <= '9' {
				i++
			}
			n, _ := strconv.Atoi(string(data[:i]))
			out, data = append(out, n), data[i:]
			if len(data) == 0 || data[0] != ';' {
				break
			}
			data = data[1:]
		}
		return out
	}
	for len(data) > 0 {
		c := data[0]
		data = data[1:]
		switch {
		case c == '#':
			p := num()
			cur = p[0]
			if len(p) == 5 && p[1] == 2 {
				regs[cur] = [3]uint8{pct(p[2]), pct(p[3]), pct(p[4])}
			}
		case c == '!':
			n := num()[0]
			ch := data[0]
			data = data[1:]
			for range n {
				paintSixel(img, x, y, ch-'?', regs[cur])
				x++
			}
		case c == '$':
			x = 0
		case c == '-':
			x, y = 0, y+6
		case c >= '?' && c <= '~':
			paintSixel(img, x, y, c-'?', regs[cur])
			x++
		default:
			return nil, fmt.Errorf("unexpected byte %q", c)
		}
	}
	return img, nil
}

func pct(p int) uint8 { return uint8((p*255 + 50) / 100) }

func paintSixel(img *image.RGBA, x, y int, bits uint8, c [3]uint8) {
	for dy := range 6 {
		if bits&(1<<dy) != 0 && image.Pt(x, y+dy).In(img.Rect) {
			i := img.PixOffset(x, y+dy)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c[0], c[1], c[2], 255
		}
	}
}

// paletteError is the largest per-channel error of the 6×7×6 cube: half a level step plus
// the register's rounding to whole percent.
func paletteError(ch int) int {
	levels := [3]int{levelsR, levelsG, levelsB}[ch]
	return (255/(levels-1)+1)/2 + 2
}

func TestSixelRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		img        *image.RGBA
		cols, rows int
		wantW      int
	}{
		{"scene at size", sceneImage(100, 60), 10, 3, 100},
		{"noise at size", noiseImage(37, 13, 5), 37, 13, 37}, // 1×1-pixel cells below
		{"scaled down", sceneImage(300, 300), 10, 5, 100},
		{"scaled up", sceneImage(16, 16), 8, 4, 80},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{}
			if tc.cols == tc.img.Rect.Dx() {
				opts = Options{CellW: 1, CellH: 1}
			}
			enc, _ := NewEncoder(Sixel, opts)
			var buf bytes.Buffer
			if err := enc.Encode(&buf, tc.img, tc.cols, tc.rows); err != nil {
				t.Fatal(err)
			}
			got, err := decodeSixel(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got.Rect.Dx() != tc.wantW {
				t.Fatalf("sixel is %v, want width %d", got.Rect, tc.wantW)
			}
			want := Resize(tc.img, got.Rect.Dx(), got.Rect.Dy())
			for i := 0; i < len(got.Pix); i += 4 {
				if got.Pix[i+3] != 255 {
					t.Fatalf("pixel %d not painted", i/4)
				}
				for ch := range 3 {
					if d := absDiff(got.Pix[i+ch], want.Pix[i+ch]); d > paletteError(ch) {
						t.Fatalf("pixel %d channel %d: %d vs %d, beyond the palette error", i/4, ch, got.Pix[i+ch], want.Pix[i+ch])
					}
				}
			}
		})
	}
}

// TestSixelDitherKeepsMeans checks ordered dithering: single pixels may be a whole level off,
// but the mean over each 4×4 tile stays close to the original.
func TestSixelDitherKeepsMeans(t *testing.T) {
	img := sceneImage(64, 64)
	enc, _ := NewEncoder(Sixel, Options{Dither: true, CellW: 8, CellH: 16})
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img, 8, 4); err != nil {
		t.Fatal(err)
	}
	got, err := decodeSixel(buf.Bytes())
	if err != nil || got.Rect.Dx() != 64 {
		t.Fatalf("decode: %v, %v", got.Rect, err)
	}
	worst := 0.0
	for ty := 0; ty < 64; ty += 4 {
		for tx := 0; tx < 64; tx += 4 {
			for ch := range 3 {
				var sg, sw float64
				for y := ty; y < ty+4; y++ {
					for x := tx; x < tx+4; x++ {
						sg += float64(got.Pix[got.PixOffset(x, y)+ch])
						sw += float64(img.Pix[img.PixOffset(x, y)+ch])
					}
				}
				worst = max(worst, abs(sg-sw)/16)
			}
		}
	}
	if worst > 12 {
		t.Errorf("worst 4×4 tile mean error %.1f; ordered dithering should keep it under 12", worst)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestSixelGolden(t *testing.T) {
	enc, _ := NewEncoder(Sixel, Options{})
	var buf bytes.Buffer
	if err := enc.Encode(&buf, sceneImage(8, 7), 1, 1); err != nil {
		t.Fatal(err)
	}
	golden(t, "sixel_8x7.golden", buf.Bytes())
}

// TestSixelSizeLimit: a frame over the byte limit (tmux's 1 MiB input buffer) is shrunk
// until it fits; one that cannot fit is an error, so callers fall back to half blocks.
func TestSixelSizeLimit(t *testing.T) {
	tests := []struct {
		name  string
		img   *image.RGBA
		opts  Options
		limit int
		fails bool
	}{
		{"tmux limit", noiseImage(512, 512, 6), Options{InTmux: true}, tmuxInputLimit, false}, // ~1.3 MB unshrunk
		{"small limit shrinks", noiseImage(64, 64, 6), Options{MaxBytes: 20000}, 20000, false},
		{"impossible limit", noiseImage(64, 64, 6), Options{MaxBytes: 10}, 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, _ := NewEncoder(Sixel, tc.opts)
			var buf bytes.Buffer
			err := enc.Encode(&buf, tc.img, 52, 26)
			if tc.fails {
				if err == nil || buf.Len() != 0 {
					t.Fatalf("err=%v, wrote %d bytes; want an error and nothing written", err, buf.Len())
				}
				return
			}
			if err != nil || buf.Len() > tc.limit {
				t.Fatalf("err=%v, %d bytes; want ≤ %d", err, buf.Len(), tc.limit)
			}
			if _, err := decodeSixel(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPaletteLevels(t *testing.T) {
	p := newPalette(false)
	for v := range 256 {
		i := int(p.r[0][v]) + int(p.g[0][v]) + int(p.b[0][v])
		r, g, b := paletteRGB(i)
		for ch, got := range [3]uint8{r, g, b} {
			if d := absDiff(got, uint8(v)); d > paletteError(ch)-2 {
				t.Fatalf("grey %d → register %d channel %d = %d", v, i, ch, got)
			}
		}
	}
}
