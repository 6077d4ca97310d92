package preview

import (
	"fmt"
	"image"
	"io"
	"math"
	"strconv"
)

// sixelEncoder writes DEC sixel graphics (VT330/340 programmer reference, "Sixel graphics") with
// the fixed palette of palette.go, optionally ordered-dithered. Each 6-row band is emitted colour
// by colour, each colour's row run-length encoded (`!n`) and trimmed to the columns it uses.
//
// tmux discards any escape string longer than its input-buffer-size (1 MiB by default), so in
// tmux, or when Options.MaxBytes is set, a frame that comes out larger is re-encoded smaller.
type sixelEncoder struct {
	opts Options
	pal  *palette
	idx  []uint8
	bits []uint8 // paletteSize rows of one band: 6-bit masks per column
	lo   [paletteSize]int
	in   [paletteSize]bool // colour occurs in the current band
	hi   [paletteSize]int
	used []int
	out  []byte
}

func newSixelEncoder(o Options) *sixelEncoder {
	return &sixelEncoder{opts: o, pal: newPalette(o.Dither)}
}

func (e *sixelEncoder) Protocol() Protocol { return Sixel }

// Encode draws img at the cursor, at most cols×rows cells.
func (e *sixelEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	seq, _, err := e.sixel(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(seq)
	return err
}

// sixel returns the encoded frame (reused by the next call) and its layout, shrinking it up
// to four times to fit the byte limit.
func (e *sixelEncoder) sixel(img image.Image, cols, rows int) ([]byte, layout, error) {
	l, err := fitPixels(img, cols, rows, e.opts)
	if err != nil {
		return nil, l, err
	}
	limit := e.limit()
	for range 5 {
		e.encode(prepare(img, l, true))
		if limit == 0 || len(e.out) <= limit {
			return e.out, l, nil
		}
		shrink := math.Sqrt(float64(limit)/float64(len(e.out))) * 0.9
		l.W, l.H = max(1, int(float64(l.W)*shrink)), max(1, int(float64(l.H)*shrink))
	}
	return nil, l, fmt.Errorf("preview: sixel frame is still %d bytes after shrinking, over the %d-byte limit (tmux input-buffer-size); use --preview blocks", len(e.out), limit)
}

func (e *sixelEncoder) limit() int {
	if e.opts.MaxBytes > 0 {
		return e.opts.MaxBytes
	}
	if e.opts.InTmux {
		return tmuxInputLimit
	}
	return 0
}

// encode fills e.out with the complete DCS sequence for m.
func (e *sixelEncoder) encode(m *image.RGBA) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	usedColours := e.quantise(m)
	out := append(e.out[:0], "\x1bP0;1;0q\"1;1;"...)
	out = strconv.AppendInt(out, int64(w), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(h), 10)
	for i, u := range usedColours {
		if u {
			out = appendRegister(out, i)
		}
	}
	e.bits = growBytes(e.bits, paletteSize*w)
	clear(e.bits)
	for y := 0; y < h; y += 6 {
		if y > 0 {
			out = append(out, '-')
		}
		out = e.band(out, w, y, min(6, h-y))
	}
	e.out = append(out, "\x1b\\"...)
}

// quantise maps every pixel to a register index and reports which registers occur.
func (e *sixelEncoder) quantise(m *image.RGBA) [paletteSize]bool {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	e.idx = growBytes(e.idx, w*h)
	var used [paletteSize]bool
	for y := range h {
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		dst := e.idx[y*w : (y+1)*w]
		row := (y & 3) * 4
		for x := range dst {
			pos := row + x&3
			p := src[4*x : 4*x+3 : 4*x+3]
			c := e.pal.r[pos][p[0]] + e.pal.g[pos][p[1]] + e.pal.b[pos][p[2]]
			dst[x] = c
			used[c] = true
		}
	}
	return used
}

// appendRegister defines colour register i in RGB percent: `#i;2;r;g;b`.
func appendRegister(out []byte, i int) []byte {
	r, g, b := paletteRGB(i)
	out = append(out, '#')
	out = strconv.AppendInt(out, int64(i), 10)
	out = append(out, ";2;"...)
	for k, v := range [3]uint8{r, g, b} {
		if k > 0 {
			out = append(out, ';')
		}
		out = strconv.AppendInt(out, int64((int(v)*100+127)/255), 10)
	}
	return out
}

// band emits one band of n≤6 rows starting at row y: for each colour in it, `#c`, its
// run-length-encoded sixel row over the columns it touches, then `$` (carriage return).
func (e *sixelEncoder) band(out []byte, w, y, n int) []byte {
	e.used = e.used[:0]
	for x := range w {
		for dy := range n {
			c := int(e.idx[(y+dy)*w+x])
			row := e.bits[c*w : (c+1)*w]
			if !e.in[c] {
				e.in[c] = true
				e.used = append(e.used, c)
				e.lo[c] = x
			}
			row[x] |= 1 << dy
			e.hi[c] = x
		}
	}
	for i, c := range e.used {
		if i > 0 {
			out = append(out, '$')
		}
		out = append(out, '#')
		out = strconv.AppendInt(out, int64(c), 10)
		row := e.bits[c*w : (c+1)*w]
		out = appendRun(out, '?', e.lo[c])
		out = appendSixels(out, row[e.lo[c]:e.hi[c]+1])
		clear(row[e.lo[c] : e.hi[c]+1])
		e.in[c] = false
	}
	return out
}

// appendSixels run-length encodes masks as sixel characters ('?'+mask).
func appendSixels(out []byte, masks []uint8) []byte {
	for i := 0; i < len(masks); {
		j := i + 1
		for j < len(masks) && masks[j] == masks[i] {
			j++
		}
		out = appendRun(out, '?'+masks[i], j-i)
		i = j
	}
	return out
}

// appendRun writes n copies of ch, as `!n` + ch when that is shorter.
func appendRun(out []byte, ch byte, n int) []byte {
	if n > 3 {
		out = append(out, '!')
		out = strconv.AppendInt(out, int64(n), 10)
		return append(out, ch)
	}
	for range n {
		out = append(out, ch)
	}
	return out
}
