package recipe

import (
	"context"

	"github.com/nudge-studio/nudge/runtime/train"
)

// VAEBeta weighs the KL term against the per-pixel reconstruction MSE. Stable Diffusion's
// autoencoder used a very small KL weight (Rombach et al. 2022, App. G: 1e-6 on summed
// losses) so the latents stay close to the images; with both terms averaged per element here,
// 1e-5 keeps the posterior tight while preventing its scale from drifting.
const VAEBeta = 1e-5

// vaeCrop is the side of the windows the autoencoder trains on (see imageSource.Crop).
const vaeCrop = 64

// TrainVAE runs the first stage: AutoencoderKL's encoder and decoder from the seeded folder
// initDir, trained together on shapes-world images at the native size.
func TrainVAE(ctx context.Context, initDir string, s Stage) (map[string]train.Param, error) {
	enc, dec, err := loadAutoencoder(initDir)
	if err != nil {
		return nil, err
	}
	m, err := vaeTrainingGraph(enc, dec, VAEBeta)
	if err != nil {
		return nil, err
	}
	b, size, lat := int64(s.Batch), int64(vaeCrop), int64(vaeCrop/8)
	src := imageSource{Seed: s.Seed, Batch: s.Batch, Size: ImageSize, Crop: vaeCrop,
		Image: prefixEncoder + enc.Graph.Input[0].GetName(), Eps: prefixEncoder + inputEps}
	pinned := map[string][]int64{src.Image: {b, 3, size, size}, src.Eps: {b, 4, lat, lat}}
	return s.run(ctx, m, pinned, sourceFunc(src.batchAt))
}
