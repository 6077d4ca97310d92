// Package imagefile is the one way nudge decodes an image from outside (saved renders that
// `verify` compares, `nudge view`, and the image inputs and training data to come): the
// header is read first and a picture whose decoded pixels would not fit the memory bound is
// refused before any pixel is decoded. image.Decode alone allocates what the header
// claims: a 69-byte PNG declaring 60000×60000 is a fatal out-of-memory.
package imagefile

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the formats nudge reads: PNG (its own) and JPEG (view)
	_ "image/png"
	"io"
	"os"
	"syscall"
)

// MaxDecodedBytes bounds the memory one decoded picture may take: 64 megapixels of 8-bit
// RGBA, 32 of 16-bit. nudge renders at most 2048×2048.
const MaxDecodedBytes = 256 << 20

// Error is an image the user has to fix: not an image, corrupt, or too large. BadInput
// makes the CLI exit 2.
type Error struct {
	Path string // may be empty
	What string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.What
	}
	return e.Path + ": " + e.What
}

// BadInput marks the error as the user's to fix.
func (e *Error) BadInput() bool { return true }

// Decode reads a PNG or JPEG from r after checking its declared size; name is for messages.
func Decode(r io.Reader, name string) (image.Image, string, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return nil, "", &Error{name, fmt.Sprintf("not a PNG or JPEG image (%v)", err)}
	}
	if err := CheckSize(cfg, format); err != nil {
		return nil, "", &Error{name, err.Error()}
	}
	img, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, "", &Error{name, fmt.Sprintf("%s data is corrupt (%v)", format, err)}
	}
	return img, format, nil
}

// DecodeFile opens path (a regular file only: a FIFO would block) and decodes it.
func DecodeFile(path string) (image.Image, string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "", &Error{path, fmt.Sprintf("cannot open (%v)", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, "", &Error{path, "not a regular file"}
	}
	return Decode(f, path)
}

// CheckSize refuses a declared size that is empty or whose pixels would take more than
// MaxDecodedBytes once decoded.
func CheckSize(cfg image.Config, format string) error {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s declares an empty %dx%d picture", format, w, h)
	}
	if w*h > MaxDecodedBytes/bytesPerPixel(cfg.ColorModel) {
		return fmt.Errorf("%dx%d %s is too large (the limit is %d MiB decoded, %d megapixels of RGBA)",
			w, h, format, MaxDecodedBytes>>20, MaxDecodedBytes>>22)
	}
	return nil
}

// bytesPerPixel is what the standard decoders allocate per pixel for a colour model
// (image/png and image/jpeg pick the image type from it).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, YCbCr (≤ 3), CMYK
}
