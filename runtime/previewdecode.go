package runtime

import (
	"context"
	"image"
	"math"
	"path/filepath"
)

// Preview decoders a job may ask for on its step events. The linear latent→RGB approximation
// needs no model and is done by the receiver (package preview), so the engine only runs
// the ONNX decoders.
const (
	PreviewNone  = ""      // step events carry latents only
	PreviewTAESD = "taesd" // Tiny AutoEncoder (madebyollin/taesd) when the folder has one
	PreviewVAE   = "vae"   // the full VAE decoder (slow; use with an interval)
)

// taesdFile is where a model folder may carry a TAESD decoder for live previews.
const taesdFile = "taesd_decoder.onnx"

func (m *Model) openTAESD() error {
	if m.taesdOnce {
		return nil
	}
	m.taesdOnce = true
	p := filepath.Join(m.Dir, taesdFile)
	if !fileExists(p) {
		return nil
	}
	c, err := openComponent("taesd_decoder", p, m.Options)
	if err != nil {
		return err
	}
	m.TAESD = c
	return nil
}

// PreviewImage decodes the first image of a batch of latents for a step preview. It runs on
// the engine goroutine between UNet calls, so a preview delays the next step by exactly the
// decode and nothing more; it returns nil when the decoder is unavailable.
func (m *Model) PreviewImage(ctx context.Context, latents Tensor, decoder string) (*image.RGBA, error) {
	one := Tensor{Shape: append([]int64{1}, latents.Shape[1:]...), Data: latents.Row(0)}
	switch decoder {
	case PreviewVAE:
		imgs, err := m.Decode(ctx, one)
		if err != nil {
			return nil, err
		}
		return imgs[0], nil
	case PreviewTAESD:
		if err := m.openTAESD(); err != nil || m.TAESD == nil {
			return nil, err
		}
		return m.decodeTAESD(ctx, one)
	}
	return nil, nil
}

// decodeTAESD runs TAESD on unscaled latents (TAESD takes the UNet's latents directly, its
// output is in [0, 1]).
func (m *Model) decodeTAESD(ctx context.Context, z Tensor) (*image.RGBA, error) {
	in, out := m.TAESD.Inputs[0].Name, m.TAESD.Outputs[0].Name
	h, w := z.Shape[2], z.Shape[3]
	res, err := m.TAESD.Run(ctx, map[string]Feed{in: {Shape: z.Shape, F: z.Data}},
		map[string][]int64{out: {1, 3, 8 * h, 8 * w}})
	if err != nil {
		return nil, err
	}
	t := res[out]
	ih, iw := int(t.Shape[2]), int(t.Shape[3])
	img := image.NewRGBA(image.Rect(0, 0, iw, ih))
	plane := ih * iw
	for i := 0; i < plane; i++ {
		for c := 0; c < 3; c++ {
			v := float64(t.Data[c*plane+i])
			img.Pix[4*i+c] = uint8(math.Round(255 * math.Max(0, math.Min(1, v))))
		}
		img.Pix[4*i+3] = 255
	}
	return img, nil
}
