package preview

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
)

// itermEncoder writes iTerm2 inline images (OSC 1337 File=; iterm2.com/documentation-images):
// the payload is an encoded file, so JPEG makes a 512² frame about 15 KB instead of ~200 KB
// for PNG or zlib RGB, the best choice over SSH (docs/references.md, "Terminal graphics"). PNG is
// lossless for final images when asked. The terminal scales the file into width×height cells.
type itermEncoder struct {
	opts Options
	file bytes.Buffer
	out  []byte
}

func (e *itermEncoder) Protocol() Protocol { return ITerm }

// Encode draws img at the cursor; the cursor ends after the image as for text.
func (e *itermEncoder) Encode(w io.Writer, img image.Image, cols, rows int) error {
	seq, _, err := e.inline(img, cols, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(seq)
	return err
}

func (e *itermEncoder) inline(img image.Image, cols, rows int) ([]byte, layout, error) {
	l, err := fitPixels(img, cols, rows, e.opts)
	if err != nil {
		return nil, l, err
	}
	m := prepare(img, l, false)
	e.file.Reset()
	if e.opts.PNG {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&e.file, m)
	} else {
		err = jpeg.Encode(&e.file, m, &jpeg.Options{Quality: e.quality()})
	}
	if err != nil {
		return nil, l, err
	}
	seq := []byte("\x1b]1337;File=inline=1;size=")
	seq = strconv.AppendInt(seq, int64(e.file.Len()), 10)
	seq = append(seq, ";width="...)
	seq = strconv.AppendInt(seq, int64(l.Cols), 10)
	seq = append(seq, ";height="...)
	seq = strconv.AppendInt(seq, int64(l.Rows), 10)
	seq = append(seq, ";preserveAspectRatio=1:"...)
	seq = base64.StdEncoding.AppendEncode(seq, e.file.Bytes())
	seq = append(seq, '\a')
	if e.opts.InTmux {
		e.out = tmuxWrap(e.out[:0], seq)
		return e.out, l, nil
	}
	return seq, l, nil
}

func (e *itermEncoder) quality() int {
	if e.opts.JPEGQuality <= 0 || e.opts.JPEGQuality > 100 {
		return 80
	}
	return e.opts.JPEGQuality
}
