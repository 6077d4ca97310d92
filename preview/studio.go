package preview

import (
	"fmt"
	"image"
	"strconv"
	"strings"
)

// Frame is what the studio needs to draw one preview inside its layout.
//
// Cells is the text for the preview area in the View: exactly Rows lines of Cols cells,
// joined by "\n". For half blocks, quadrants and text it is the picture itself; for kitty
// placeholders it is the kitty transmission (an APC, which bubbletea v2 carries to the
// terminal in the first cell) followed by placeholder cells; for the raw protocols it is
// spaces, which keep the renderer from ever repainting the area.
//
// Raw, when not nil, must be written to the terminal after the View is rendered (bubbletea
// v2: tea.Raw). It is wrapped in cursor save/restore (ESC 7 … ESC 8) with an absolute
// cursor move, so it never disturbs the renderer's idea of the cursor
// (docs/references.md, "Terminal graphics").
type Frame struct {
	Cells      string
	Raw        []byte
	Cols, Rows int // the area used, at most the area asked for
	// Fallback is set when the protocol could not draw this frame (e.g. a sixel over
	// tmux's size limit) and the frame was drawn with half blocks instead.
	Fallback error
}

// Previewer produces Frames for one protocol. Not safe for concurrent use.
type Previewer struct {
	proto  Protocol
	opts   Options
	kitty  *kittyEncoder
	sixel  *sixelEncoder
	iterm  *itermEncoder
	blocks textual
}

type textual interface {
	text(image.Image, int, int) ([]byte, layout, error)
}

// NewPreviewer returns a previewer for p (Auto must be resolved first).
func NewPreviewer(p Protocol, o Options) (*Previewer, error) {
	v := &Previewer{proto: p, opts: o}
	switch p {
	case Kitty, KittyDirect:
		v.kitty = newKittyEncoder(o, p == Kitty)
	case Sixel:
		v.sixel = newSixelEncoder(o)
	case ITerm:
		v.iterm = &itermEncoder{opts: o}
	case Blocks, None:
		v.blocks = &blocksEncoder{opts: o}
	case Quadrants:
		v.blocks = &quadrantsEncoder{opts: o}
	case Text:
		v.blocks = &textEncoder{opts: o}
	default:
		return nil, badInputf("preview protocol %q cannot be placed in the studio: resolve auto with Detect first", p)
	}
	return v, nil
}

// Protocol is the protocol this previewer draws with.
func (v *Previewer) Protocol() Protocol { return v.proto }

// Frame renders img for a cols×rows area whose top-left cell is (col, row), 0-based on the
// screen. A 0×0 area gives an empty Frame, not an error, so a collapsed pane is harmless.
func (v *Previewer) Frame(img image.Image, col, row, cols, rows int) (Frame, error) {
	if cols <= 0 || rows <= 0 {
		return Frame{}, nil
	}
	switch {
	case v.proto == None:
		return Frame{Cells: blank(cols, rows), Cols: cols, Rows: rows}, nil
	case v.blocks != nil:
		text, l, err := v.blocks.text(img, cols, rows)
		return Frame{Cells: string(text), Cols: l.Cols, Rows: l.Rows}, err
	case v.proto == Kitty:
		seq, l, err := v.kitty.transmit(img, cols, rows)
		if err != nil {
			return Frame{}, err
		}
		return Frame{Cells: string(seq) + Placeholders(v.opts.imageID(), l.Cols, l.Rows), Cols: l.Cols, Rows: l.Rows}, nil
	}
	seq, l, err := v.raw(img, cols, rows)
	if err != nil {
		text, bl, berr := (&blocksEncoder{opts: v.opts}).text(img, cols, rows)
		return Frame{Cells: string(text), Cols: bl.Cols, Rows: bl.Rows, Fallback: err}, berr
	}
	return Frame{Cells: blank(l.Cols, l.Rows), Raw: placeAt(seq, col, row), Cols: l.Cols, Rows: l.Rows}, nil
}

func (v *Previewer) raw(img image.Image, cols, rows int) ([]byte, layout, error) {
	switch v.proto {
	case KittyDirect:
		return v.kitty.transmit(img, cols, rows)
	case Sixel:
		return v.sixel.sixel(img, cols, rows)
	case ITerm:
		return v.iterm.inline(img, cols, rows)
	}
	return nil, layout{}, fmt.Errorf("preview: no raw encoder for %s", v.proto)
}

// Clear returns the bytes that remove the picture for good (on exit or resize): a kitty
// delete by id; nil for the others, whose pixels go when their cells are repainted.
func (v *Previewer) Clear() []byte {
	if v.kitty == nil {
		return nil
	}
	return KittyDelete(v.opts.imageID(), v.opts.InTmux)
}

// placeAt wraps seq in DECSC, CUP to (col,row), seq, DECRC.
func placeAt(seq []byte, col, row int) []byte {
	out := make([]byte, 0, len(seq)+24)
	out = append(out, "\x1b7\x1b["...)
	out = strconv.AppendInt(out, int64(row+1), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(col+1), 10)
	out = append(out, 'H')
	out = append(out, seq...)
	return append(out, "\x1b8"...)
}

func blank(cols, rows int) string {
	line := strings.Repeat(" ", cols)
	return strings.TrimSuffix(strings.Repeat(line+"\n", rows), "\n")
}
