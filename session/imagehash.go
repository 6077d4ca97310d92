package session

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
)

// ImageHash is the SHA-256 (hex) of an image's pixels: the text "nudge-nrgba8 W H\n" and
// then every pixel as 8-bit non-premultiplied R, G, B, A, row by row. History entries store
// this rather than a hash of the PNG file so that a re-render compares equal exactly when
// its pixels do — whatever the PNG encoder version, compression or embedded metadata (which
// include the ORT version and so legitimately change between machines).
func ImageHash(img image.Image) string {
	h := sha256.New()
	b := img.Bounds()
	fmt.Fprintf(h, "nudge-nrgba8 %d %d\n", b.Dx(), b.Dy())
	row := make([]byte, 0, 4*b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row = row[:0]
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			row = append(row, c.R, c.G, c.B, c.A)
		}
		h.Write(row)
	}
	return hex.EncodeToString(h.Sum(nil))
}
