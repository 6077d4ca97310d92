package recipe

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/nudge-studio/nudge/runtime/noise"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/runtime/train"
	"github.com/nudge-studio/nudge/shapes"
)

// DropCaption is the share of training examples whose caption is replaced by the empty
// prompt, so the one model also predicts the unconditional ε that classifier-free guidance
// needs (Ho & Salimans 2022, §3.2; SD 1.x used 10 %).
const DropCaption = 0.1

// maxTokens is CLIP's sequence length.
const maxTokens = 77

// Dataset is the diffusion stage's training set: latents of shapes-world scenes under the
// trained autoencoder and their captions.
type Dataset struct {
	Captions []string
	// Latents are N × 4 × 16 × 16, standardised per channel: (z − LatentsMean)/LatentsStd.
	Latents                 []float32
	LatentsMean, LatentsStd []float64
}

// Prediction is what the family's UNet predicts. v-prediction (Salimans & Ho 2022) rather
// than SD 1.x's ε: trained for minutes, an ε-model's error at high noise — where ε is
// nearly x_t itself — is amplified √((1−ᾱ)/ᾱ) ≈ 12× into its estimate of the image, and the
// first sampling steps, which set the layout and colours, went astray (docs/behaviour.md).
const Prediction = "v_prediction"

// EncodeDataset renders n scenes from seed and encodes them with the trained encoder (a
// posterior sample, as diffusers' train_text_to_image.py takes latent_dist.sample()). SD
// measured one scaling factor, 1 / std of the latents; the shapes autoencoder's channels have
// different means and spreads (a KL weight this small does not centre them), so each channel
// is standardised by its own mean and std, as diffusers' latents_mean / latents_std allow.
func EncodeDataset(ctx context.Context, initDir string, vae map[string]train.Param, n int, seed uint64, threads int, progress func(done, total int)) (*Dataset, error) {
	enc, err := train.LoadModel(filepath.Join(initDir, "vae_encoder", "model.onnx"))
	if err != nil {
		return nil, err
	}
	if enc, err = withParams(enc, vae, prefixEncoder); err != nil {
		return nil, err
	}
	s, err := openSession(enc, threads)
	if err != nil {
		return nil, err
	}
	defer s.close()
	const chunk = 64
	d := &Dataset{}
	rng := noise.NewTorchCPU(seed ^ 0xda7a)
	lat := ImageSize / 8
	for start := 0; start < n; start += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := min(chunk, n-start)
		var pix []float32
		for i := start; i < start+k; i++ {
			sample, err := shapes.Generate(sampleSeed(seed, i), shapes.Options{})
			if err != nil {
				return nil, err
			}
			pix = imagePixels(pix, sample.Image)
			caption := sample.Caption
			if float64(sample.Seed%1000)/1000 < DropCaption {
				caption = ""
			}
			d.Captions = append(d.Captions, caption)
		}
		moments, _, err := s.run([]int64{int64(k), 3, ImageSize, ImageSize}, pix)
		if err != nil {
			return nil, err
		}
		per := 4 * lat * lat
		eps := rng.Randn(k * per)
		for i := 0; i < k; i++ {
			m := moments[i*2*per : (i+1)*2*per]
			for j := 0; j < per; j++ {
				std := math.Exp(0.5 * float64(m[per+j]))
				d.Latents = append(d.Latents, float32(float64(m[j])+std*float64(eps[i*per+j])))
			}
		}
		if progress != nil {
			progress(start+k, n)
		}
	}
	d.standardise(lat * lat)
	return d, nil
}

// standardise measures each channel's mean and std over the dataset and rescales the latents
// to zero mean and unit std per channel.
func (d *Dataset) standardise(plane int) {
	const channels = 4
	n := len(d.Latents) / (channels * plane)
	d.LatentsMean, d.LatentsStd = make([]float64, channels), make([]float64, channels)
	for c := 0; c < channels; c++ {
		var sum, sq float64
		for i := 0; i < n; i++ {
			for _, v := range d.Latents[(i*channels+c)*plane : (i*channels+c+1)*plane] {
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
		}
		count := float64(n * plane)
		mean := sum / count
		d.LatentsMean[c], d.LatentsStd[c] = mean, math.Sqrt(max(sq/count-mean*mean, 1e-12))
		for i := 0; i < n; i++ {
			row := d.Latents[(i*channels+c)*plane : (i*channels+c+1)*plane]
			for j, v := range row {
				row[j] = float32((float64(v) - mean) / d.LatentsStd[c])
			}
		}
	}
}

// TrainDiffusion runs the second stage: the text encoder and UNet from initDir, trained
// together on the dataset with the diffusion loss (v-prediction, see Prediction). It returns the trained parameters with
// the token-embedding table at full size again.
func TrainDiffusion(ctx context.Context, initDir string, data *Dataset, s Stage) (map[string]train.Param, error) {
	text, table, full, err := trainingTable(initDir, data.Captions)
	if err != nil {
		return nil, err
	}
	unet, err := train.LoadModel(filepath.Join(initDir, "unet", "model.onnx"))
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.CLIP()
	if err != nil {
		return nil, err
	}
	m, err := diffusionTrainingGraph(text, unet)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(data.Captions)*maxTokens)
	for _, c := range data.Captions {
		enc, _ := tok.Encode(c, maxTokens)
		r, err := table.remap(enc)
		if err != nil {
			return nil, err
		}
		ids = append(ids, r...)
	}
	ts, err := train.PerExampleTimesteps(m, prefixUNet+train.UNetTimestep)
	if err != nil {
		return nil, err
	}
	n, lat, b := int64(len(data.Captions)), int64(ImageSize/8), int64(s.Batch)
	idsName := prefixText + text.Graph.Input[0].GetName()
	src := &train.DiffusionSource{
		Examples: map[string]train.Tensor{
			"x0":    {Shape: []int64{n, 4, lat, lat}, F32: data.Latents},
			idsName: {Shape: []int64{n, maxTokens}, I64: ids},
		},
		Latents: "x0", BatchSize: s.Batch, Seed: s.Seed,
		Sample: prefixUNet + train.UNetSample, Timestep: prefixUNet + train.UNetTimestep,
		Noise: prefixUNet + train.NoiseInput, TimestepInput: ts, AlphasCumprod: train.SDAlphasCumprod(),
		Prediction: Prediction,
	}
	pinned := map[string][]int64{idsName: {b, maxTokens}, src.Sample: {b, 4, lat, lat}, src.Noise: {b, 4, lat, lat}}
	if ts.PerExample {
		pinned[src.Timestep] = []int64{b}
	}
	params, err := s.run(ctx, m, pinned, src)
	if err != nil {
		return nil, err
	}
	emb, ok := params[prefixText+TokenEmbedding]
	if !ok {
		return nil, fmt.Errorf("training did not return %s", TokenEmbedding)
	}
	params[prefixText+TokenEmbedding] = table.expand(full, emb)
	return params, nil
}
