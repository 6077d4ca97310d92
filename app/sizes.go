package app

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime"
)

// SizeMultiple is the one size rule: both image sides must be multiples of it. The VAE
// divides the image by 8 and the UNet halves the latent once per downsampling block
// (downsampling = 2^blocks: 8 for SD 1.x, so 64-pixel steps), and its skip connections only
// line up when every halving is exact. Every front end asks this one function.
func SizeMultiple(downsampling int) int { return 8 * max(downsampling, 1) }

// SizeProblem says why width×height does not fit a UNet with this downsampling, naming the
// nearest sizes that do; nil when it fits.
func SizeProblem(width, height, downsampling int) error {
	m := SizeMultiple(downsampling)
	if width%m == 0 && height%m == 0 && width > 0 && height > 0 {
		return nil
	}
	lw, hw := nearestSides(width, m)
	lh, hh := nearestSides(height, m)
	return &sizeError{fmt.Sprintf("size %dx%d does not fit the model: both sides must be multiples of %d — use %dx%d or %dx%d",
		width, height, m, lw, lh, hw, hh)}
}

// StepSize moves a side d steps (±1) between sizes that fit, from any start.
func StepSize(side, d, downsampling int) int {
	m := SizeMultiple(downsampling)
	lo, hi := nearestSides(side, m)
	switch {
	case d > 0 && hi == side:
		return side + m*d
	case d > 0:
		return hi + m*(d-1)
	case lo == side:
		return max(side+m*d, m)
	}
	return max(lo+m*(d+1), m)
}

// nearestSides are the multiples of m at or below and at or above side (at least m).
func nearestSides(side, m int) (lo, hi int) {
	lo = max(side/m*m, m)
	hi = lo
	if hi < side {
		hi += m
	}
	return lo, hi
}

type sizeError struct{ msg string }

func (e *sizeError) Error() string  { return e.msg }
func (e *sizeError) BadInput() bool { return true }

// UNetDownsampling reads how often the model's UNet halves the latent: its latent side at
// its own size over the smallest cross-attention map it has there (SD 1.x: 64/8 = 8; the
// tiny demo: 8/4 = 2). 1 when the graph has no cross-attention to measure.
func UNetDownsampling(dir string) (int, error) {
	g, err := runtime.OpenGraphs(dir, 0, 0)
	if err != nil {
		return 0, err
	}
	sides, err := g.CrossAttentionSides()
	if err != nil || len(sides) == 0 {
		return 1, err
	}
	return max(g.LatentHeight/sides[len(sides)-1], 1), nil
}

// CheckSize applies the size rule for the model in dir, before any render work: a size the
// UNet cannot take is a bad-input error naming the nearest ones it can.
func CheckSize(dir string, width, height int) error {
	d, err := UNetDownsampling(dir)
	if err != nil {
		return err
	}
	return SizeProblem(width, height, d)
}
