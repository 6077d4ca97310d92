package preview

import (
	"image"
	"io"
	"strings"
)

// Protocol names a way of drawing pictures in a terminal. The values match the
// `--preview` flag and the config key.
type Protocol string

// The protocols, best first. Auto is only an input to Detect; encoders exist for the rest.
const (
	Auto        Protocol = "auto"         // detect at start-up
	Kitty       Protocol = "kitty"        // kitty graphics + Unicode placeholders (kitty, Ghostty, tmux)
	KittyDirect Protocol = "kitty-direct" // kitty graphics, direct placement (WezTerm, Konsole)
	Sixel       Protocol = "sixel"        // DEC sixel, fixed 252-colour palette
	ITerm       Protocol = "iterm"        // iTerm2 inline images (JPEG, or PNG when asked)
	Blocks      Protocol = "blocks"       // truecolour upper half blocks, 1×2 pixels per cell
	Quadrants   Protocol = "quadrants"    // truecolour quadrant blocks, 2×2 pixels per cell
	Text        Protocol = "text"         // plain ASCII shading for dumb terminals
	None        Protocol = "none"         // no picture at all
)

// Protocols lists every accepted flag value, for help text and validation.
func Protocols() []Protocol {
	return []Protocol{Auto, Kitty, KittyDirect, Sixel, ITerm, Blocks, Quadrants, Text, None}
}

// ParseProtocol reads a `--preview` flag or config value.
func ParseProtocol(s string) (Protocol, error) {
	for _, p := range Protocols() {
		if strings.EqualFold(strings.TrimSpace(s), string(p)) {
			return p, nil
		}
	}
	names := make([]string, 0, len(Protocols()))
	for _, p := range Protocols() {
		names = append(names, string(p))
	}
	return "", badInputf("preview protocol %q is unknown: use one of %s", s, strings.Join(names, "|"))
}

// Encoder draws an image into a cols×rows cell area of a terminal, scaled to fit with its
// aspect ratio kept, starting at the cursor. An Encoder is not safe for concurrent use: it
// reuses buffers between frames so that per-step previews do not allocate.
type Encoder interface {
	Protocol() Protocol
	Encode(w io.Writer, img image.Image, cols, rows int) error
}

// Options configure the encoders. The zero value works: cells default to 10×20 pixels.
type Options struct {
	CellW, CellH int   // pixel size of one terminal cell (from CSI 16 t or TIOCGWINSZ)
	InTmux       bool  // wrap kitty and iTerm2 sequences in tmux passthrough; cap sixel size
	ImageID      uint8 // kitty image id; placeholders carry it as a 256-colour SGR (1..255)
	Dither       bool  // sixel: 4×4 ordered dithering before the fixed palette
	PNG          bool  // iTerm2: send PNG instead of JPEG
	JPEGQuality  int   // iTerm2 JPEG quality, default 80
	MaxBytes     int   // sixel: largest sequence; 0 = 1 MiB in tmux, unlimited otherwise
	KittyLevel   *int  // kitty zlib level; nil = zlib.HuffmanOnly (see kittyEncoder)
}

const (
	defaultCellW = 10
	defaultCellH = 20
	// tmuxInputLimit is tmux's default input-buffer-size: longer escape strings are discarded
	// (tmux input.c, INPUT_DISCARD; input-buffer-size).
	tmuxInputLimit = 1 << 20
)

func (o Options) cell() (int, int) {
	w, h := o.CellW, o.CellH
	if w <= 0 || h <= 0 {
		return defaultCellW, defaultCellH
	}
	return w, h
}

func (o Options) imageID() uint8 {
	if o.ImageID == 0 {
		return 1
	}
	return o.ImageID
}

// NewEncoder returns the encoder for p. Auto must be resolved by Detect first.
func NewEncoder(p Protocol, o Options) (Encoder, error) {
	switch p {
	case Kitty:
		return newKittyEncoder(o, true), nil
	case KittyDirect:
		return newKittyEncoder(o, false), nil
	case Sixel:
		return newSixelEncoder(o), nil
	case ITerm:
		return &itermEncoder{opts: o}, nil
	case Blocks:
		return &blocksEncoder{opts: o}, nil
	case Quadrants:
		return &quadrantsEncoder{opts: o}, nil
	case Text:
		return &textEncoder{opts: o}, nil
	case None:
		return noneEncoder{}, nil
	}
	return nil, badInputf("preview protocol %q has no encoder: run detection first or pick one of kitty|kitty-direct|sixel|iterm|blocks|quadrants|text|none", p)
}
