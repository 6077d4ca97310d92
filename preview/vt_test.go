package preview

import (
	"image"
	"image/color"
	"io"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
	"github.com/charmbracelet/x/vt"
)

// terminal is a headless terminal emulator (charmbracelet/x/vt) that records every APC.
type terminal struct {
	*vt.Emulator
	apcs [][]byte
}

func newTerminal(t *testing.T, w, h int) *terminal {
	t.Helper()
	term := &terminal{Emulator: vt.NewEmulator(w, h)}
	term.RegisterApcHandler(func(data []byte) bool {
		term.apcs = append(term.apcs, append([]byte(nil), data...))
		return true
	})
	go io.Copy(io.Discard, term.Emulator) // drain replies so Write never blocks
	t.Cleanup(func() { term.Close() })
	// LNM: "\n" also returns the carriage, as a tty's ONLCR does for a real program.
	term.WriteString("\x1b[20h")
	return term
}

func rgbOf(c color.Color) rgb {
	if c == nil {
		return rgb{}
	}
	r, g, b, _ := c.RGBA()
	return rgb{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// TestKittyPlaceholdersInEmulator feeds a whole studio frame (transmission + placeholder
// cells) to a terminal emulator and checks what a kitty-capable terminal would see: the
// chunked commands in order and a grid of U+10EEEE cells with the right row/column
// diacritics and the image id in the 256-colour foreground.
func TestKittyPlaceholdersInEmulator(t *testing.T) {
	pv, err := NewPreviewer(Kitty, Options{ImageID: 42, CellW: 10, CellH: 20})
	if err != nil {
		t.Fatal(err)
	}
	img := noiseImage(200, 160, 9) // incompressible: several 4096-byte chunks
	f, err := pv.Frame(img, 0, 0, 30, 10)
	if err != nil {
		t.Fatal(err)
	}
	if f.Raw != nil || f.Cols != 25 || f.Rows != 10 {
		t.Fatalf("frame uses %d×%d cells with raw=%v; want 25×10 (250×200 px on screen) and no raw bytes", f.Cols, f.Rows, f.Raw != nil)
	}
	term := newTerminal(t, 40, 12)
	term.WriteString(f.Cells)
	if len(term.apcs) < 2 {
		t.Fatalf("got %d APCs, want a chunked transmission", len(term.apcs))
	}
	var cmds []kittyCmd
	for _, apc := range term.apcs {
		cmds = append(cmds, parseKitty(t, append(append([]byte("\x1b_"), apc...), "\x1b\\"...), false)...)
	}
	got, keys := decodeKitty(t, cmds)
	if keys["U"] != "1" || keys["i"] != "42" || keys["c"] != "25" || keys["r"] != "10" {
		t.Errorf("transmission keys %v", keys)
	}
	if !sameImage(got, toRGBA(img)) {
		t.Error("transmitted pixels differ")
	}
	for y := range f.Rows {
		for x := range f.Cols {
			c := term.CellAt(x, y)
			want := string([]rune{kitty.Placeholder, kitty.Diacritic(y), kitty.Diacritic(x)})
			if c == nil || c.Content != want {
				t.Fatalf("cell (%d,%d) = %+q, want placeholder row %d col %d", x, y, c.Content, y, x)
			}
			if id, ok := c.Style.Fg.(ansi.IndexedColor); !ok || id != 42 {
				t.Fatalf("cell (%d,%d) foreground %v, want indexed colour 42 (the image id)", x, y, c.Style.Fg)
			}
		}
	}
	if c := term.CellAt(f.Cols, 0); c != nil && c.Content != " " && c.Content != "" {
		t.Errorf("cell right of the image holds %q", c.Content)
	}
}

// TestBlocksInEmulator checks that every half-block cell shows the resized image's top
// pixel as foreground and bottom pixel as background.
func TestBlocksInEmulator(t *testing.T) {
	img := sceneImage(64, 48)
	pv, _ := NewPreviewer(Blocks, Options{CellW: 10, CellH: 20})
	f, err := pv.Frame(img, 0, 0, 16, 8)
	if err != nil {
		t.Fatal(err)
	}
	if f.Cols != 16 || f.Rows != 6 {
		t.Fatalf("blocks use %d×%d cells, want 16×6 (16×12 half-block pixels keep 4:3)", f.Cols, f.Rows)
	}
	ref := Resize(img, 16, 12)
	term := newTerminal(t, 20, 8)
	term.WriteString(f.Cells)
	for y := range f.Rows {
		for x := range f.Cols {
			c := term.CellAt(x, y)
			top, bottom := pixelAt(ref.Pix, ref.PixOffset(x, 2*y)), pixelAt(ref.Pix, ref.PixOffset(x, 2*y+1))
			if rgbOf(c.Style.Bg) != bottom {
				t.Fatalf("cell (%d,%d) background %v, want %v", x, y, rgbOf(c.Style.Bg), bottom)
			}
			if c.Content == " " && top == bottom {
				continue
			}
			if c.Content != upperHalf || rgbOf(c.Style.Fg) != top {
				t.Fatalf("cell (%d,%d) = %q fg %v, want ▀ fg %v", x, y, c.Content, rgbOf(c.Style.Fg), top)
			}
		}
	}
	if c := term.CellAt(0, f.Rows); c.Style.Bg != nil {
		t.Errorf("colour leaks past the picture: %v", c.Style.Bg)
	}
}

// TestQuadrantsInEmulator rebuilds the 2×2 pixels of each cell from glyph and colours and
// checks them against the per-cell best split computed independently by brute force.
func TestQuadrantsInEmulator(t *testing.T) {
	img := noiseImage(40, 40, 4)
	pv, _ := NewPreviewer(Quadrants, Options{CellW: 10, CellH: 20})
	f, err := pv.Frame(img, 0, 0, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	ref := Resize(img, 2*f.Cols, 2*f.Rows)
	term := newTerminal(t, 12, 12)
	term.WriteString(f.Cells)
	glyphMask := map[string]uint8{}
	for m, g := range quadrantGlyphs {
		glyphMask[g] = uint8(m)
	}
	for y := range f.Rows {
		for x := range f.Cols {
			c := term.CellAt(x, y)
			mask, ok := glyphMask[c.Content]
			if !ok {
				t.Fatalf("cell (%d,%d) holds %q, not a quadrant glyph", x, y, c.Content)
			}
			var px [4]rgb
			for i := range 4 {
				px[i] = pixelAt(ref.Pix, ref.PixOffset(2*x+i%2, 2*y+i/2))
			}
			got := 0
			for i := range 4 {
				shown := rgbOf(c.Style.Bg)
				if mask&(1<<i) != 0 {
					shown = rgbOf(c.Style.Fg)
				}
				got += sqDist(px[i], shown)
			}
			if best := bruteForceSplit(px); got > best {
				t.Fatalf("cell (%d,%d): squared error %d, brute force finds %d", x, y, got, best)
			}
		}
	}
}

// bruteForceSplit tries all 16 masks with float means, rounding as the encoder does.
func bruteForceSplit(px [4]rgb) int {
	best := -1
	for mask := range 16 {
		var mean [2][3]float64
		var n [2]float64
		for i, p := range px {
			g := 0
			if mask&(1<<i) != 0 {
				g = 1
			}
			n[g]++
			for k := range 3 {
				mean[g][k] += float64(p[k])
			}
		}
		e := 0
		for i, p := range px {
			g := 0
			if mask&(1<<i) != 0 {
				g = 1
			}
			var m rgb
			for k := range 3 {
				m[k] = uint8(mean[g][k]/n[g] + 0.5)
			}
			e += sqDist(p, m)
		}
		if best < 0 || e < best {
			best = e
		}
	}
	return best
}

func sameImage(a, b *image.RGBA) bool {
	if a.Rect != b.Rect {
		return false
	}
	for y := range a.Rect.Dy() {
		ra := a.Pix[y*a.Stride : y*a.Stride+4*a.Rect.Dx()]
		rb := b.Pix[y*b.Stride : y*b.Stride+4*b.Rect.Dx()]
		if string(ra) != string(rb) {
			return false
		}
	}
	return true
}
