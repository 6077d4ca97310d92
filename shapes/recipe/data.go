package recipe

import (
	"image"

	"github.com/nudge-studio/nudge/runtime/noise"
	"github.com/nudge-studio/nudge/runtime/train"
	"github.com/nudge-studio/nudge/shapes"
)

// sampleSeed names example i of the training set drawn from seed: every stage and every
// resumed run sees the same scenes.
func sampleSeed(seed uint64, i int) uint64 { return train.StepSeed(seed, i) }

// imagePixels appends img as CHW float32 in [−1, 1], the VAE's input range.
func imagePixels(dst []float32, img *image.RGBA) []float32 {
	b := img.Bounds()
	n := b.Dx() * b.Dy()
	start := len(dst)
	dst = append(dst, make([]float32, 3*n)...)
	out := dst[start:]
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			o := img.PixOffset(b.Min.X+x, b.Min.Y+y)
			p := y*b.Dx() + x
			for c := 0; c < 3; c++ {
				out[c*n+p] = float32(img.Pix[o+c])/127.5 - 1
			}
		}
	}
	return dst
}

// imageSource yields the autoencoder's batches: Batch shapes-world images of step's scenes
// and the reparameterisation's ε, both determined by (Seed, step).
type imageSource struct {
	Seed  uint64
	Batch int
	Size  int
	// Crop, when set, cuts a Crop×Crop window from each image at a seeded position: the
	// autoencoder is convolutional, so it learns edges and flat colours from windows at a
	// quarter of the cost of whole images.
	Crop int
	// Image and Eps are the graph input names.
	Image, Eps string
}

func (s imageSource) batchAt(step int) (map[string]train.Tensor, error) {
	var pix []float32
	side := s.Size
	if s.Crop > 0 {
		side = s.Crop
	}
	for i := 0; i < s.Batch; i++ {
		seed := sampleSeed(s.Seed, step*s.Batch+i)
		sample, err := shapes.Generate(seed, shapes.Options{Size: s.Size})
		if err != nil {
			return nil, err
		}
		img := sample.Image
		if s.Crop > 0 {
			// Crops start on the 8-pixel latent grid, as whole images do.
			cells := (s.Size-s.Crop)/8 + 1
			x, y := int(seed%uint64(cells))*8, int(seed/uint64(cells)%uint64(cells))*8
			img = img.SubImage(image.Rect(x, y, x+s.Crop, y+s.Crop)).(*image.RGBA)
		}
		pix = imagePixels(pix, img)
	}
	lat := int64(side / 8)
	g := noise.NewTorchCPU(train.StepSeed(s.Seed^0x5eed, step))
	epsShape := []int64{int64(s.Batch), 4, lat, lat}
	return map[string]train.Tensor{
		s.Image: {Shape: []int64{int64(s.Batch), 3, int64(side), int64(side)}, F32: pix},
		s.Eps:   {Shape: epsShape, F32: g.Randn(int(s.Batch * 4 * int(lat*lat)))},
	}, nil
}

// source adapts imageSource to train.Source.
type sourceFunc func(step int) (map[string]train.Tensor, error)

func (f sourceFunc) Batch(step int) (map[string]train.Tensor, error) { return f(step) }
