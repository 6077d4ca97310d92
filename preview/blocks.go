package preview

import (
	"image"
	"io"
)

// upperHalf is U+2580 UPPER HALF BLOCK: foreground paints the top pixel, background the
// bottom one, so each cell shows 1×2 pixels in truecolour (docs/references.md, "Terminal
// graphics").
const upperHalf = "▀"

// blocksEncoder draws truecolour half blocks, the fallback that works in any terminal with
// 24-bit colour and through tmux, mosh and any renderer, because it is plain text.
type blocksEncoder struct {
	opts Options
	out  []byte
}

func (e *blocksEncoder) Protocol() Protocol { return Blocks }

// Encode writes the picture as lines of text, each ending in a newline.
func (e *blocksEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	text, _, err := e.text(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(append(text, '\n'))
	return err
}

// text returns the lines joined by "\n" without a final newline (reused by the next call).
func (e *blocksEncoder) text(img image.Image, cols, rows int) ([]byte, layout, error) {
	cw, ch := e.opts.cell()
	b := img.Bounds()
	l, err := fitLayout(b.Dx(), b.Dy(), cols, rows, cw, ch, grid{1, 2})
	if err != nil {
		return nil, l, err
	}
	m := Resize(img, l.Cols, 2*l.Rows)
	out := e.out[:0]
	var s sgrState
	for r := range l.Rows {
		if r > 0 {
			out = append(out, '\n')
		}
		top := m.Pix[2*r*m.Stride:]
		bottom := m.Pix[(2*r+1)*m.Stride:]
		for x := range l.Cols {
			t, u := pixelAt(top, 4*x), pixelAt(bottom, 4*x)
			out = s.setBG(out, u)
			if t == u {
				out = append(out, ' ')
				continue
			}
			out = s.setFG(out, t)
			out = append(out, upperHalf...)
		}
		out = s.endLine(out)
	}
	e.out = out
	return out, l, nil
}
