package recipe

import "github.com/nudge-studio/nudge/runtime/demomodel"

// ImageSize is the family's native image side in pixels: latents are 16×16, so the UNet has
// cross-attention maps at 16×16 — the resolution attend-and-excite uses by default.
const ImageSize = 128

// CLIPVocabRows is the real CLIP tokenizer's vocabulary size: the text encoder keeps a row
// for every CLIP token, so any prompt tokenizes; rows the captions never use stay at their
// (seeded) initial values.
const CLIPVocabRows = 49408

// Architecture is the family's size: the demo "small" UNet (two cross-attention levels), a
// four-layer CLIP text encoder of width 64 over CLIP's full vocabulary, and a light
// autoencoder — flat-coloured shapes need few channels.
func Architecture() demomodel.Preset {
	return demomodel.Preset{
		Name: "shapes", ImageSize: ImageSize,
		UNet: demomodel.UNetConfig{BlockOutChannels: []int64{64, 128, 128}, CrossAttn: []bool{true, true, false},
			LayersPerBlock: 1, Heads: 4, CrossDim: 64, NormGroups: 16, NormEps: 1e-5},
		CLIP: demomodel.CLIPConfig{Hidden: 64, Layers: 4, Heads: 4, MLP: 256, Positions: 77, VocabRows: CLIPVocabRows},
		VAE:  demomodel.VAEConfig{BlockOutChannels: []int64{16, 32, 32, 32}, LayersPerBlock: 1, NormGroups: 8},
	}
}
