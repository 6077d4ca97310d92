package recipe

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/nudge-studio/nudge/runtime/train"
	"github.com/nudge-studio/nudge/shapes"
)

// inputTarget names the decoder stage's image target input.
const inputTarget = "target"

// TrainDecoder runs the third stage: the autoencoder's decoder alone, fine-tuned to decode the
// very latents the diffusion stage learned (the dataset's posterior samples) back into their
// scenes. The encoder is frozen, so the latent space — and the UNet trained on it — do not
// move; only the pictures drawn from it get sharper. Rombach et al. (2022) trained SD's
// decoder further in the same way for sharper images (the "ft-MSE" VAE of SD 1.x was a
// decoder-only fine-tune). Windows of vaeCrop pixels keep a step cheap, as in the VAE stage.
func TrainDecoder(ctx context.Context, initDir string, vae map[string]train.Param, data *Dataset, dataSeed uint64, s Stage) (map[string]train.Param, error) {
	_, dec, err := loadAutoencoder(initDir)
	if err != nil {
		return nil, err
	}
	start, err := withParams(dec, vae, prefixDecoder)
	if err != nil {
		return nil, err
	}
	out := start.Graph.Output[0].GetName()
	if err := train.AddMSELoss(start, out, inputTarget); err != nil {
		return nil, err
	}
	latentIn := start.Graph.Input[0].GetName()
	src := &decoderSource{data: data, dataSeed: dataSeed, seed: s.Seed, batch: s.Batch, latent: latentIn}
	b, side, lat := int64(s.Batch), int64(vaeCrop), int64(vaeCrop/8)
	pinned := map[string][]int64{latentIn: {b, 4, lat, lat}, inputTarget: {b, 3, side, side}}
	trained, err := s.run(ctx, start, pinned, src)
	if err != nil {
		return nil, err
	}
	// The stage's result is a whole autoencoder: the frozen encoder and the new decoder.
	params := map[string]train.Param{}
	for name, p := range vae {
		params[name] = p
	}
	for name, p := range trained {
		params[prefixDecoder+name] = p
	}
	return params, nil
}

// decoderSource yields the decoder stage's batches: windows of dataset latents, returned to
// the autoencoder's own scale (the dataset stores them standardised), and the same windows of
// the scenes they encode, drawn again from the data seed.
type decoderSource struct {
	data           *Dataset
	dataSeed, seed uint64
	batch          int
	latent         string
}

func (d *decoderSource) Batch(step int) (map[string]train.Tensor, error) {
	const channels = 4
	full := ImageSize / 8
	n := len(d.data.Captions)
	if n == 0 || len(d.data.Latents) != n*channels*full*full {
		return nil, fmt.Errorf("decoder stage: the dataset holds %d latents for %d captions", len(d.data.Latents), n)
	}
	rng := rand.New(rand.NewPCG(d.seed, uint64(step)))
	cells := full - vaeCrop/8 + 1
	lat := vaeCrop / 8
	var latents, pix []float32
	for i := 0; i < d.batch; i++ {
		row := rng.IntN(n)
		cx, cy := rng.IntN(cells), rng.IntN(cells)
		z := d.data.Latents[row*channels*full*full : (row+1)*channels*full*full]
		for c := 0; c < channels; c++ {
			mean, std := float32(d.data.LatentsMean[c]), float32(d.data.LatentsStd[c])
			for y := cy; y < cy+lat; y++ {
				for x := cx; x < cx+lat; x++ {
					latents = append(latents, z[(c*full+y)*full+x]*std+mean)
				}
			}
		}
		sample, err := shapes.Generate(sampleSeed(d.dataSeed, row), shapes.Options{})
		if err != nil {
			return nil, err
		}
		win := image.Rect(cx*8, cy*8, cx*8+vaeCrop, cy*8+vaeCrop)
		pix = imagePixels(pix, sample.Image.SubImage(win).(*image.RGBA))
	}
	b := int64(d.batch)
	return map[string]train.Tensor{
		d.latent:    {Shape: []int64{b, channels, int64(lat), int64(lat)}, F32: latents},
		inputTarget: {Shape: []int64{b, 3, vaeCrop, vaeCrop}, F32: pix},
	}, nil
}
