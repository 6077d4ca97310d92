package evaluator

import (
	"image"
	"math"
)

// blur is a separable Gaussian blur of the 8-bit values (edges clamped), as a model's soft
// output might look.
func blur(src *image.RGBA, sigma float64) *image.RGBA {
	rad := int(math.Ceil(3 * sigma))
	kernel := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range kernel {
		d := float64(i - rad)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += kernel[i]
	}
	for i := range kernel {
		kernel[i] /= sum
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	pass := func(in *image.RGBA, dx, dy int) *image.RGBA {
		out := image.NewRGBA(b)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc [3]float64
				for i, k := range kernel {
					sx := min(max(x+(i-rad)*dx, 0), w-1)
					sy := min(max(y+(i-rad)*dy, 0), h-1)
					o := sy*in.Stride + sx*4
					acc[0] += k * float64(in.Pix[o])
					acc[1] += k * float64(in.Pix[o+1])
					acc[2] += k * float64(in.Pix[o+2])
				}
				o := y*out.Stride + x*4
				out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(math.Round(acc[0])), uint8(math.Round(acc[1])), uint8(math.Round(acc[2])), 255
			}
		}
		return out
	}
	return pass(pass(src, 1, 0), 0, 1)
}

// addNoise adds Gaussian noise of the given standard deviation (8-bit levels) from a fixed
// xorshift stream, so the degraded images are the same on every run.
func addNoise(src *image.RGBA, sigma float64, seed uint64) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	s := seed*2654435761 + 1
	uniform := func() float64 {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		return (float64(s>>11) + 0.5) / (1 << 53)
	}
	for i := 0; i < len(src.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			g := math.Sqrt(-2*math.Log(uniform())) * math.Cos(2*math.Pi*uniform())
			out.Pix[i+c] = uint8(math.Max(0, math.Min(255, math.Round(float64(src.Pix[i+c])+sigma*g))))
		}
		out.Pix[i+3] = 255
	}
	return out
}

// colourCast shifts each channel of the whole image by its own offset in [-amount, amount]
// levels, drawn from the seed: a model's colours are never exactly the palette's.
func colourCast(src *image.RGBA, amount float64, seed uint64) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	s := seed*0x9e3779b97f4a7c15 + 7
	var off [3]float64
	for c := range off {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		off[c] = amount * (2*float64(s>>11)/(1<<53) - 1)
	}
	for i := 0; i < len(src.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			out.Pix[i+c] = uint8(math.Max(0, math.Min(255, math.Round(float64(src.Pix[i+c])+off[c]))))
		}
		out.Pix[i+3] = 255
	}
	return out
}

// warp displaces the image by a smooth random field of up to amp pixels (nearest-pixel
// lookup), so outlines wobble the way a small model's do.
func warp(src *image.RGBA, amp float64, seed uint64) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(b)
	ph := [4]float64{}
	s := seed*0x9e3779b97f4a7c15 + 3
	for i := range ph {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		ph[i] = 2 * math.Pi * float64(s>>11) / (1 << 53)
	}
	k := 2 * math.Pi * 3 / float64(w) // three waves across the image
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx := amp * math.Sin(k*float64(y)+ph[0]) * math.Cos(k*float64(x)+ph[1])
			dy := amp * math.Sin(k*float64(x)+ph[2]) * math.Cos(k*float64(y)+ph[3])
			sx := min(max(int(math.Round(float64(x)+dx)), 0), w-1)
			sy := min(max(int(math.Round(float64(y)+dy)), 0), h-1)
			copy(out.Pix[y*out.Stride+x*4:y*out.Stride+x*4+4], src.Pix[sy*src.Stride+sx*4:sy*src.Stride+sx*4+4])
		}
	}
	return out
}
