package runtime

import (
	"context"
	"image"
	"math"
	"slices"
	"time"

	"github.com/nudge-studio/nudge/runtime/textinv"
)

// Result is a finished render.
type Result struct {
	Images  []*image.RGBA
	Latents Tensor
	Steps   []StepTimings
	Decode  time.Duration
	Total   time.Duration
	LoRAs   []AppliedLoRA // the LoRAs merged in, with their files' SHA-256
	// Embeddings are the textual-inversion embeddings the render's prompts used (prompt,
	// negative, technique prompts), once each: what a session records.
	Embeddings []*textinv.Embedding
}

func (m *Model) finish(ctx context.Context, r *render) (*Result, error) {
	t0 := time.Now()
	imgs, err := m.Decode(ctx, r.latents)
	if err != nil {
		return nil, err
	}
	return &Result{Images: imgs, Latents: r.latents, Steps: r.timings, Decode: time.Since(t0), Total: time.Since(r.started),
		LoRAs: r.loras, Embeddings: r.usedEmbeddings()}, nil
}

// Decode turns latents [B,4,h,w] into images with the full VAE, one image at a time as
// diffusers' ONNX pipeline does (its comment: fp16 VAE decoders misbehave with batch > 1).
func (m *Model) Decode(ctx context.Context, latents Tensor) ([]*image.RGBA, error) {
	in := m.VAEDecoder.Inputs[0].Name
	out := m.VAEDecoder.Outputs[0].Name
	h, w := latents.Shape[2], latents.Shape[3]
	imgs := make([]*image.RGBA, latents.Shape[0])
	for b := range imgs {
		z := m.unscale(latents.Row(b))
		res, err := m.VAEDecoder.Run(ctx, map[string]Feed{in: {Shape: []int64{1, latents.Shape[1], h, w}, F: z}},
			map[string][]int64{out: {1, 3, 8 * h, 8 * w}})
		if err != nil {
			return nil, err
		}
		imgs[b] = ToImage(res[out])
	}
	return imgs, nil
}

// ToImage converts a [1,3,H,W] tensor in [-1,1] to 8-bit RGB the way diffusers does:
// clip(x/2 + 0.5, 0, 1), then round(x·255).
func ToImage(t Tensor) *image.RGBA {
	h, w := int(t.Shape[2]), int(t.Shape[3])
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				img.Pix[o+c] = toByte(t.Data[c*plane+y*w+x])
			}
			img.Pix[o+3] = 255
		}
	}
	return img
}

func toByte(v float32) uint8 {
	f := v/2 + 0.5
	if !(f > 0) { // also maps NaN to 0
		return 0
	}
	if f > 1 {
		f = 1
	}
	return uint8(math.RoundToEven(float64(f * 255)))
}

// usedEmbeddings gathers the embeddings of every row group's prompt.
func (r *render) usedEmbeddings() []*textinv.Embedding {
	var out []*textinv.Embedding
	for _, c := range r.conds {
		for _, e := range c.Embeddings {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}
