package preview

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"image"
	"io"
	"strconv"
)

// kittyChunk is the largest base64 payload per APC (graphics-protocol.rst "Remote client":
// ≤4096 bytes, every chunk but the last a multiple of 4).
const kittyChunk = 4096

// kittyEncoder sends RGB pixels, zlib-compressed and base64-encoded, in 4096-byte chunks:
// `a=T,f=24,o=z,s,v` (kitty graphics protocol spec, "Transferring pixel data"; docs/references.md:
// 3–6× faster than x/ansi/kitty, which reads pixels through At() and compresses at the default
// level). The default zlib level is HuffmanOnly: diffusion frames carry per-pixel grain, so LZ77
// matching (BestSpeed) saves only ~4 % of the bytes on them but doubles the time (6.7 vs 3.5 ms for
// 512² on one core, docs/benchmarks.md), which would miss the 5 ms goal. Options.KittyLevel picks
// another.
//
// With placeholders (U=1) the picture is a virtual placement, shown wherever the
// placeholder cells of placeholder.go are printed; the same image id is re-sent every frame,
// which replaces the old image while the cells stay unchanged (§1.2, §1.3). Without
// placeholders it is a direct placement at the cursor with C=1, so the cursor does not move,
// and a fixed placement id p=1 so a new frame replaces the old one without flicker.
type kittyEncoder struct {
	opts         Options
	placeholders bool
	rgb          []byte
	zbuf         bytes.Buffer
	zw           *zlib.Writer
	b64          []byte
	out          []byte
}

func newKittyEncoder(o Options, placeholders bool) *kittyEncoder {
	return &kittyEncoder{opts: o, placeholders: placeholders}
}

func (e *kittyEncoder) Protocol() Protocol {
	if e.placeholders {
		return Kitty
	}
	return KittyDirect
}

// Encode writes the transmission. For placeholders the caller must also print
// Placeholders(id, l.Cols, l.Rows); Encode does not, because the studio places those cells.
func (e *kittyEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	seq, _, err := e.transmit(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(seq)
	return err
}

// transmit builds the chunked APC train and returns it with the cell layout used. The
// returned slice is reused by the next call.
func (e *kittyEncoder) transmit(img image.Image, cols, rows int) ([]byte, layout, error) {
	if e.placeholders {
		cols, rows = min(cols, maxPlaceholderCells), min(rows, maxPlaceholderCells)
	}
	l, err := fitPixels(img, cols, rows, e.opts)
	if err != nil {
		return nil, l, err
	}
	m := prepare(img, l, false)
	if err := e.compress(m); err != nil {
		return nil, l, err
	}
	n := base64.StdEncoding.EncodedLen(e.zbuf.Len())
	e.b64 = growBytes(e.b64, n)
	base64.StdEncoding.Encode(e.b64, e.zbuf.Bytes())
	e.out = e.chunks(e.out[:0], e.keys(m.Rect.Dx(), m.Rect.Dy(), l))
	return e.out, l, nil
}

// keys are the control data of the first chunk; q=2 keeps replies out of the TUI's input.
func (e *kittyEncoder) keys(w, h int, l layout) []byte {
	k := []byte("a=T,f=24,o=z,q=2,i=")
	k = strconv.AppendInt(k, int64(e.opts.imageID()), 10)
	k = append(k, ",s="...)
	k = strconv.AppendInt(k, int64(w), 10)
	k = append(k, ",v="...)
	k = strconv.AppendInt(k, int64(h), 10)
	k = append(k, ",c="...)
	k = strconv.AppendInt(k, int64(l.Cols), 10)
	k = append(k, ",r="...)
	k = strconv.AppendInt(k, int64(l.Rows), 10)
	if e.placeholders {
		return append(k, ",U=1"...)
	}
	return append(k, ",p=1,C=1"...)
}

// compress writes m's RGB bytes, without alpha (f=24), through zlib into e.zbuf. Pixels are
// premultiplied, so transparency shows as black.
func (e *kittyEncoder) compress(m *image.RGBA) error {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	e.rgb = growBytes(e.rgb, 3*w*h)
	for y := range h {
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		dst := e.rgb[3*w*y : 3*w*(y+1)]
		for i, j := 0, 0; i < len(src); i, j = i+4, j+3 {
			dst[j], dst[j+1], dst[j+2] = src[i], src[i+1], src[i+2]
		}
	}
	e.zbuf.Reset()
	if e.zw == nil {
		zw, err := zlib.NewWriterLevel(&e.zbuf, e.level())
		if err != nil {
			return badInputf("kitty compression level %d is invalid: use -2..9", e.level())
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.zbuf)
	}
	if _, err := e.zw.Write(e.rgb); err != nil {
		return err
	}
	return e.zw.Close()
}

func (e *kittyEncoder) level() int {
	if e.opts.KittyLevel == nil {
		return zlib.HuffmanOnly
	}
	return *e.opts.KittyLevel
}

// chunks appends the APC train: keys and m=1 on the first chunk, m=1/m=0 alone on the rest.
func (e *kittyEncoder) chunks(dst, keys []byte) []byte {
	payload := e.b64
	var apc []byte
	for first := true; first || len(payload) > 0; first = false {
		n := min(kittyChunk, len(payload))
		apc = append(apc[:0], "\x1b_G"...)
		if first {
			apc = append(apc, keys...)
			apc = append(apc, ',')
		}
		if n < len(payload) {
			apc = append(apc, "m=1;"...)
		} else {
			apc = append(apc, "m=0;"...)
		}
		apc = append(apc, payload[:n]...)
		apc = append(apc, "\x1b\\"...)
		payload = payload[n:]
		dst = e.emit(dst, apc)
	}
	return dst
}

func (e *kittyEncoder) emit(dst, seq []byte) []byte {
	if e.opts.InTmux {
		return tmuxWrap(dst, seq)
	}
	return append(dst, seq...)
}

// KittyDelete returns the command that deletes image id and frees its data (`a=d,d=I`),
// for exit and resize; placeholder placements are removed only by id (§1.2).
func KittyDelete(id uint8, inTmux bool) []byte {
	seq := []byte("\x1b_Ga=d,d=I,q=2,i=" + strconv.Itoa(int(id)) + "\x1b\\")
	if inTmux {
		return tmuxWrap(nil, seq)
	}
	return seq
}

func growBytes(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
