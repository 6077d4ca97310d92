package runtime

import (
	"context"
	"fmt"
	"image"
	"math"
	"path/filepath"

	"github.com/disintegration/imaging"
)

// Pipeline is which diffusers pipeline a model folder's UNet is made for, told by its input
// channels: 4 text-to-image (and img2img, StableDiffusionImg2ImgPipeline), 8
// StableDiffusionInstructPix2PixPipeline (latent ‖ image latent), 5
// StableDiffusionDepth2ImgPipeline (latent ‖ depth).
type Pipeline string

const (
	PipelineText     Pipeline = "text-to-image"
	PipelineInstruct Pipeline = "instruct-pix2pix"
	PipelineDepth    Pipeline = "depth2img"
)

// PipelineOf maps a UNet's input channels to its pipeline; ok is false for other counts.
func PipelineOf(channels int) (Pipeline, bool) {
	switch channels {
	case 4:
		return PipelineText, true
	case 8:
		return PipelineInstruct, true
	case 5:
		return PipelineDepth, true
	}
	return "", false
}

// ImageInput is an input image and how a render uses it.
type ImageInput struct {
	// Image is the input picture at any size; the render fits it to the request's size (a
	// Lanczos resize, as diffusers' VaeImageProcessor.resize stretches to height × width).
	Image image.Image
	// Strength (img2img, depth2img) is how much of the schedule runs: diffusers' strength,
	// 0 keeps the input's VAE round trip, 1 runs every step from (almost) pure noise.
	Strength float64
	// ImageGuidance (instruct-pix2pix) is diffusers' image_guidance_scale.
	ImageGuidance float64
	// Depth (depth2img), when set, is the depth map to use instead of the folder's depth
	// estimator: brighter is nearer, at any size.
	Depth image.Image
	// Want, when set, is the pipeline the caller asks for; a UNet made for another is refused
	// with one line naming both.
	Want Pipeline
}

// ImageConditioner is a technique that starts the render from an input image. At most one
// per render.
type ImageConditioner interface {
	ImageInput() *ImageInput
}

// UNetChannels is the UNet's declared `sample` channel count (0 when dynamic).
func (m *Model) UNetChannels() int {
	spec, ok := m.UNet.Input("sample")
	if !ok || len(spec.Dims) != 4 || spec.Dims[1] <= 0 {
		return 0
	}
	return int(spec.Dims[1])
}

// pipelineFor checks the request's image input against the UNet and says which pipeline runs.
func (m *Model) pipelineFor(in *ImageInput) (Pipeline, error) {
	if _, ok := m.UNet.Input("sample"); !ok {
		return "", modelError{m.UNet.Path, "the UNet has no `sample` input"}
	}
	ch := m.UNetChannels()
	p, ok := PipelineOf(ch)
	if ch == 0 {
		p, ok = PipelineText, true // a dynamic channel axis: treat as SD's 4
	}
	if !ok {
		return "", modelError{m.UNet.Path, fmt.Sprintf("the UNet takes %d input channels, which no pipeline nudge has uses (4 text-to-image, 8 instruct-pix2pix, 5 depth2img)", ch)}
	}
	switch {
	case in != nil && in.Want != "" && in.Want != p:
		return "", modelError{m.UNet.Path, fmt.Sprintf("%s was asked for but the UNet takes %d input channels (made for %s)", in.Want, ch, p)}
	case in == nil && p != PipelineText:
		return "", modelError{m.UNet.Path, fmt.Sprintf("the UNet takes %d input channels (made for %s): give an input image (render --init-image)", ch, p)}
	}
	return p, nil
}

// imageTensor fits img to w×h and turns it into the VAE encoder's [1,3,h,w] input in [-1,1]
// (VaeImageProcessor.preprocess: resize, /255, normalize 2x−1).
func imageTensor(img image.Image, w, h int) Tensor {
	fit := imaging.Resize(img, w, h, imaging.Lanczos)
	t := NewTensor(1, 3, int64(h), int64(w))
	plane := h * w
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := fit.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				t.Data[c*plane+y*w+x] = float32(fit.Pix[o+c])/255*2 - 1
			}
		}
	}
	return t
}

// posterior is the VAE encoder's DiagonalGaussianDistribution for one image: per latent
// value its mean and standard deviation.
type posterior struct {
	shape     []int64 // [1,4,h,w]
	mean, std []float32
}

// openVAEEncoder opens vae_encoder/model.onnx the first time an image goes in.
func (m *Model) openVAEEncoder() error {
	if m.VAEEncoder != nil {
		return nil
	}
	c, err := openComponent("vae_encoder", filepath.Join(m.Dir, "vae_encoder", "model.onnx"), m.Options)
	if err != nil {
		return err
	}
	m.VAEEncoder = c
	return nil
}

// encode runs the VAE encoder on one [1,3,H,W] image. Optimum's export outputs the moments
// (latent_parameters: mean ‖ logvar), from which diffusers' DiagonalGaussianDistribution
// clamps logvar to [−30, 20] and takes std = exp(logvar/2) (autoencoders/vae.py). The
// legacy script's latent_sample is a sample drawn inside the graph, which no seed
// reproduces, so it is refused.
func (m *Model) encode(ctx context.Context, img Tensor) (*posterior, error) {
	if err := m.openVAEEncoder(); err != nil {
		return nil, err
	}
	in, out := m.VAEEncoder.Inputs[0].Name, m.VAEEncoder.Outputs[0].Name
	if out != "latent_parameters" {
		return nil, modelError{m.VAEEncoder.Path, fmt.Sprintf("outputs %q, not latent_parameters (mean ‖ logvar): a sample drawn inside the graph cannot be reproduced from a seed — re-export with Optimum ≥ 1.23", out)}
	}
	h, w := img.Shape[2]/8, img.Shape[3]/8
	res, err := m.VAEEncoder.Run(ctx, map[string]Feed{in: {Shape: img.Shape, F: img.Data}},
		map[string][]int64{out: {1, 8, h, w}})
	if err != nil {
		return nil, err
	}
	mom := res[out]
	if len(mom.Shape) != 4 || mom.Shape[1] != 8 || mom.Shape[2] != h || mom.Shape[3] != w {
		return nil, modelError{m.VAEEncoder.Path, fmt.Sprintf("latent_parameters has shape %v, want [1 8 %d %d]", mom.Shape, h, w)}
	}
	n := int(4 * h * w)
	p := &posterior{shape: []int64{1, 4, h, w}, mean: mom.Data[:n], std: make([]float32, n)}
	for i, lv := range mom.Data[n : 2*n] {
		p.std[i] = float32(math.Exp(0.5 * math.Min(math.Max(float64(lv), -30), 20)))
	}
	return p, nil
}

// sample is DiagonalGaussianDistribution.sample(generator): mean + std·randn(mean.shape),
// drawing from the render's generator.
func (p *posterior) sample(randn func(int) []float32) []float32 {
	z := randn(len(p.mean))
	out := make([]float32, len(z))
	for i := range z {
		out[i] = p.mean[i] + p.std[i]*z[i]
	}
	return out
}

// scale turns one image's VAE latent [C,h,w] into the UNet's latents, the inverse of unscale:
// ·scaling_factor (StableDiffusionImg2ImgPipeline.prepare_latents), or with per-channel
// statistics (z − latents_mean)·scaling_factor/latents_std (StableDiffusionXLImg2ImgPipeline).
func (m *Model) scale(z []float32) []float32 {
	out := make([]float32, len(z))
	if c := len(m.LatentsMean); c > 0 && len(z)%c == 0 {
		plane := len(z) / c
		for i, v := range z {
			ch := i / plane
			out[i] = float32((float64(v) - m.LatentsMean[ch]) * m.ScalingFactor / m.LatentsStd[ch])
		}
		return out
	}
	sf := float32(m.ScalingFactor)
	for i, v := range z {
		out[i] = sf * v
	}
	return out
}

// EncodeImage returns an image's posterior mean as UNet latents [1,4,h,w] (scaled), for
// tests and tools: the deterministic part of what img2img starts from.
func (m *Model) EncodeImage(ctx context.Context, img image.Image, w, h int) (Tensor, error) {
	p, err := m.encode(ctx, imageTensor(img, w, h))
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{Shape: p.shape, Data: m.scale(p.mean)}, nil
}
