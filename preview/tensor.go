package preview

import (
	"fmt"
	"image"
	"math"
)

// Decoder output ranges: TAESD decodes to [0, 1] (madebyollin/taesd), the SD VAE to [−1, 1]
// (diffusers VaeImageProcessor denormalises with x/2+0.5). TAESD: madebyollin/taesd.
const (
	RangeTAESD = 0 // values in [0, 1]
	RangeVAE   = 1 // values in [−1, 1]
)

// PlanarToRGBA converts a decoder's 3×H×W planar float output (batch dropped) to an image.
// valueRange is RangeTAESD or RangeVAE; values outside it are clamped and NaN becomes 0.
func PlanarToRGBA(data []float32, h, w int, valueRange int) (*image.RGBA, error) {
	if h <= 0 || w <= 0 || len(data) != 3*h*w {
		return nil, fmt.Errorf("preview: decoded image of %d values does not match 3×%d×%d", len(data), h, w)
	}
	lo, scale := float32(0), float32(255)
	if valueRange == RangeVAE {
		lo, scale = -1, 127.5
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for i := range plane {
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		for c := range 3 {
			p[c] = scaleToByte(data[c*plane+i], lo, scale)
		}
		p[3] = 255
	}
	return img, nil
}

func scaleToByte(v, lo, scale float32) uint8 {
	x := (v - lo) * scale
	if !(x > 0) {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return uint8(math.Round(float64(x)))
}

// Source is which decoder a step's preview should come from.
type Source int

// Preview sources, cheapest first.
const (
	SourceLinear Source = iota // LatentToRGB on the step's latent
	SourceTAESD                // the tiny autoencoder, when the model folder has one
	SourceVAE                  // the full VAE decoder
)

func (s Source) String() string {
	return [...]string{"linear", "taesd", "vae"}[s]
}

// SourcePlan decides which decoder previews each step: the full VAE every VAEEvery steps
// and on the last step (it is ~17× TAESD's cost, docs/references.md "Live previews"), otherwise
// TAESD when present, otherwise the linear approximation.
type SourcePlan struct {
	HaveTAESD bool
	VAEEvery  int // 0 = only on the last step
}

// For returns the source for step (0-based) of total steps.
func (p SourcePlan) For(step, total int) Source {
	if step == total-1 || (p.VAEEvery > 0 && (step+1)%p.VAEEvery == 0) {
		return SourceVAE
	}
	if p.HaveTAESD {
		return SourceTAESD
	}
	return SourceLinear
}
