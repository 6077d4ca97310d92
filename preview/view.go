package preview

import (
	"bytes"
	"fmt"
	"image"
	"io"

	"github.com/nudge-studio/nudge/imagefile"
)

// ViewOptions say where and how `nudge view` and `render --show` draw.
type ViewOptions struct {
	Protocol   Protocol // resolved protocol (Detect's Result.Protocol)
	Options             // encoder options (Result.Options())
	Cols, Rows int      // terminal size in cells; 0 = 80×24
	// Native draws the picture at its own pixel size (never enlarged); by default it is
	// scaled to the terminal, keeping its aspect ratio, so a 64² image is not 7×4 cells.
	Native bool
}

// ViewOptionsFor builds ViewOptions from a detection result.
func ViewOptionsFor(r Result) ViewOptions {
	return ViewOptions{Protocol: r.Protocol, Options: r.Options(), Cols: r.Cols, Rows: r.Rows}
}

// View decodes the PNG or JPEG at path and shows it with Show. A missing or undecodable file
// is a bad-input error.
func View(w io.Writer, path string, o ViewOptions) error {
	img, _, err := imagefile.DecodeFile(path)
	if err != nil {
		return badInputf("view %v", err)
	}
	return Show(w, img, o)
}

// Show writes img inline at the cursor, fitted to the terminal (one line is left for the
// prompt): scaled up or down to the cells available, keeping its aspect ratio (enlarging
// picks the nearest pixel, see Resize, so small pictures stay crisp), or with o.Native at
// no more than its own pixel size. The frame is encoded into memory
// first so a failure never leaves half a sequence on the screen; if the protocol fails
// (e.g. a sixel too large for tmux) it falls back to half blocks.
func Show(w io.Writer, img image.Image, o ViewOptions) error {
	if _, err := NewEncoder(o.Protocol, o.Options); err != nil {
		return err
	}
	cols, rows := o.Cols, o.Rows-1
	if o.Cols <= 0 || o.Rows <= 1 {
		cols, rows = 80, 23
	}
	if o.Native {
		cw, ch := o.Options.cell()
		b := img.Bounds()
		cols = max(1, min(cols, ceilDiv(b.Dx(), cw)))
		rows = max(1, min(rows, ceilDiv(b.Dy(), ch)))
	}
	out, err := inline(img, cols, rows, o)
	if err != nil {
		text, _, ferr := (&blocksEncoder{opts: o.Options}).text(img, cols, rows)
		if ferr != nil {
			return fmt.Errorf("preview: %s failed (%v) and so did half blocks: %w", o.Protocol, err, ferr)
		}
		out = append(text, '\n')
	}
	_, err = w.Write(out)
	return err
}

// inline encodes img for sequential output: the bytes end with the cursor on the line below
// the picture.
func inline(img image.Image, cols, rows int, o ViewOptions) ([]byte, error) {
	switch o.Protocol {
	case Kitty:
		seq, l, err := newKittyEncoder(o.Options, true).transmit(img, cols, rows)
		return append(seq, Placeholders(o.Options.imageID(), l.Cols, l.Rows)+"\n"...), err
	case KittyDirect:
		seq, l, err := newKittyEncoder(o.Options, false).transmit(img, cols, rows)
		return append(seq, bytes.Repeat([]byte("\n"), l.Rows)...), err // C=1 left the cursor at the top
	}
	enc, err := NewEncoder(o.Protocol, o.Options)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img, cols, rows); err != nil {
		return nil, err
	}
	if o.Protocol == ITerm || o.Protocol == Sixel {
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}
