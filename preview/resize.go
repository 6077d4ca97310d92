package preview

import (
	"image"
	"image/draw"
)

// toRGBA returns img as an *image.RGBA with bounds starting at (0,0), copying only when it
// must. draw.Draw has fast paths for the types image decoders return (YCbCr, NRGBA, Gray).
func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// Resize scales img to w×h. Shrinking averages the source box under each target pixel (a
// box filter: cheap, and it does not alias the noise of early diffusion steps); enlarging
// picks the nearest pixel, which keeps latent-resolution previews crisp. It is several
// times faster than a general resampler, which matters for a resize on every step.
func Resize(img image.Image, w, h int) *image.RGBA {
	src := toRGBA(img)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if sw == w && sh == h {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xs := spans(sw, w)
	for y := 0; y < h; y++ {
		y0, y1 := span(sh, h, y)
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			boxAverage(src, xs[2*x], xs[2*x+1], y0, y1, row[4*x:4*x+4])
		}
	}
	return dst
}

// spans precomputes span for every target column: pairs [x0, x1).
func spans(srcN, dstN int) []int {
	s := make([]int, 2*dstN)
	for i := range dstN {
		s[2*i], s[2*i+1] = span(srcN, dstN, i)
	}
	return s
}

// span is the source interval [a, b) that target pixel i of dstN covers; at least one pixel.
func span(srcN, dstN, i int) (int, int) {
	a := i * srcN / dstN
	b := (i + 1) * srcN / dstN
	if b <= a {
		b = a + 1
	}
	return a, min(b, srcN)
}

func boxAverage(src *image.RGBA, x0, x1, y0, y1 int, out []byte) {
	var r, g, b, a uint32
	for y := y0; y < y1; y++ {
		p := src.Pix[y*src.Stride+4*x0 : y*src.Stride+4*x1]
		for i := 0; i+3 < len(p); i += 4 {
			r += uint32(p[i])
			g += uint32(p[i+1])
			b += uint32(p[i+2])
			a += uint32(p[i+3])
		}
	}
	n := uint32((x1 - x0) * (y1 - y0))
	out[0], out[1], out[2], out[3] = byte((r+n/2)/n), byte((g+n/2)/n), byte((b+n/2)/n), byte((a+n/2)/n)
}

// prepare converts img to the layout's size for a pixel protocol. upscale=false keeps a
// smaller picture at its own size when the terminal scales it (kitty, iTerm2).
func prepare(img image.Image, l layout, upscale bool) *image.RGBA {
	b := img.Bounds()
	if !upscale && l.W >= b.Dx() && l.H >= b.Dy() {
		return toRGBA(img)
	}
	return Resize(img, l.W, l.H)
}
