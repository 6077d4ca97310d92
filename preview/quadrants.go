package preview

import (
	"image"
	"io"
)

// quadrantGlyphs maps a 4-bit mask of foreground quadrants (1 top-left, 2 top-right,
// 4 bottom-left, 8 bottom-right) to its block element (U+2580–U+259F).
var quadrantGlyphs = [16]string{
	" ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█",
}

// quadrantMasks are the ways to split a 2×2 cell into a foreground group that contains the
// top-left pixel and a background group; 15 means one colour for the whole cell.
var quadrantMasks = [8]uint8{15, 1, 3, 5, 7, 9, 11, 13}

// quadrantsEncoder draws 2×2 pixels per cell with one foreground and one background colour,
// choosing for each cell the split with the least squared error (the approach of
// charmbracelet/x/mosaic). Twice the horizontal detail of half
// blocks, at some colour error where a cell holds more than two colours.
type quadrantsEncoder struct {
	opts Options
	out  []byte
}

func (e *quadrantsEncoder) Protocol() Protocol { return Quadrants }

// Encode writes the picture as lines of text, each ending in a newline.
func (e *quadrantsEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	text, _, err := e.text(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(append(text, '\n'))
	return err
}

func (e *quadrantsEncoder) text(img image.Image, cols, rows int) ([]byte, layout, error) {
	cw, ch := e.opts.cell()
	b := img.Bounds()
	l, err := fitLayout(b.Dx(), b.Dy(), cols, rows, cw, ch, grid{2, 2})
	if err != nil {
		return nil, l, err
	}
	m := Resize(img, 2*l.Cols, 2*l.Rows)
	out := e.out[:0]
	var s sgrState
	for r := range l.Rows {
		if r > 0 {
			out = append(out, '\n')
		}
		top, bottom := m.Pix[2*r*m.Stride:], m.Pix[(2*r+1)*m.Stride:]
		for x := range l.Cols {
			px := [4]rgb{pixelAt(top, 8*x), pixelAt(top, 8*x+4), pixelAt(bottom, 8*x), pixelAt(bottom, 8*x+4)}
			mask, fg, bg := bestSplit(px)
			out = s.setBG(out, bg)
			if mask != 15 {
				out = s.setFG(out, fg)
			}
			glyph := quadrantGlyphs[mask]
			if mask == 15 {
				glyph = " " // one colour: the background alone draws it
			}
			out = append(out, glyph...)
		}
		out = s.endLine(out)
	}
	e.out = out
	return out, l, nil
}

// bestSplit tries every split of the four pixels and returns the one with least squared
// error and the mean colours of its two groups.
func bestSplit(px [4]rgb) (uint8, rgb, rgb) {
	bestErr := -1
	var bestMask uint8
	var bestFG, bestBG rgb
	for _, mask := range quadrantMasks {
		fg, bg := groupMean(px, mask, true), groupMean(px, mask, false)
		errSum := 0
		for i, p := range px {
			ref := bg
			if mask&(1<<i) != 0 {
				ref = fg
			}
			errSum += sqDist(p, ref)
		}
		if bestErr < 0 || errSum < bestErr {
			bestErr, bestMask, bestFG, bestBG = errSum, mask, fg, bg
		}
	}
	if bestMask == 15 {
		bestBG = bestFG
	}
	return bestMask, bestFG, bestBG
}

func groupMean(px [4]rgb, mask uint8, in bool) rgb {
	var sum [3]int
	n := 0
	for i, p := range px {
		if (mask&(1<<i) != 0) == in {
			sum[0], sum[1], sum[2] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2])
			n++
		}
	}
	if n == 0 {
		return rgb{}
	}
	return rgb{uint8((sum[0] + n/2) / n), uint8((sum[1] + n/2) / n), uint8((sum[2] + n/2) / n)}
}

func sqDist(a, b rgb) int {
	d0, d1, d2 := int(a[0])-int(b[0]), int(a[1])-int(b[1]), int(a[2])-int(b[2])
	return d0*d0 + d1*d1 + d2*d2
}
