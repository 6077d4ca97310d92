package preview

import (
	"fmt"
	"image"
	"io"
)

// asciiRamp orders characters from light coverage to heavy; on a dark background the heavier
// glyphs read as brighter.
const asciiRamp = " .:-=+*#%@"

// textEncoder draws plain ASCII shading with no escape sequences, for TERM=dumb, logs and
// pipes: it still shows composition, which is what a preview is for.
type textEncoder struct {
	opts Options
	out  []byte
}

func (e *textEncoder) Protocol() Protocol { return Text }

// Encode writes the picture as lines of ASCII, each ending in a newline.
func (e *textEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	text, _, err := e.text(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(append(text, '\n'))
	return err
}

func (e *textEncoder) text(img image.Image, cols, rows int) ([]byte, layout, error) {
	cw, ch := e.opts.cell()
	b := img.Bounds()
	l, err := fitLayout(b.Dx(), b.Dy(), cols, rows, cw, ch, grid{1, 1})
	if err != nil {
		return nil, l, err
	}
	m := Resize(img, l.Cols, l.Rows)
	out := e.out[:0]
	for r := range l.Rows {
		if r > 0 {
			out = append(out, '\n')
		}
		row := m.Pix[r*m.Stride:]
		for x := range l.Cols {
			out = append(out, asciiRamp[(luma(pixelAt(row, 4*x))*(len(asciiRamp)-1)+127)/255])
		}
	}
	e.out = out
	return out, l, nil
}

// luma is the Rec. 601 weighted brightness in 0..255.
func luma(c rgb) int { return (299*int(c[0]) + 587*int(c[1]) + 114*int(c[2]) + 500) / 1000 }

// noneEncoder draws nothing; for `nudge view` it prints a one-line description instead.
type noneEncoder struct{}

func (noneEncoder) Protocol() Protocol { return None }

func (noneEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	b := img.Bounds()
	_, err := fmt.Fprintf(w, "[image %d×%d; previews are off (--preview none)]\n", b.Dx(), b.Dy())
	return err
}
