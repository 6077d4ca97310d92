package onnxgraph

import (
	"strings"
)

// Pipeline families and variants, told apart by the UNet's signature (docs/references.md, "ONNX
// exports in the wild"): cross-attention width 768 is SD1.x, 1024 SD2.x, 2048 (or
// text_embeds/time_ids inputs) SDXL; sample channels 4 are text-to-image, 8 instruct-pix2pix (image
// latents concatenated), 5 depth-to-image (a depth channel), 9 inpainting (mask + masked-image
// latents).
const (
	FamilySD1     = "SD1.x"
	FamilySD2     = "SD2.x"
	FamilySDXL    = "SDXL"
	FamilyUnknown = "unknown"

	VariantText2Img = "text-to-image"
	VariantPix2Pix  = "instruct-pix2pix"
	VariantDepth    = "depth"
	VariantInpaint  = "inpainting"
	VariantUnknown  = "unknown"
)

// Pipeline is what Inspect concluded about the pipeline's kind.
type Pipeline struct {
	Family            string `json:"family"`
	Variant           string `json:"variant"`
	InChannels        int    `json:"in_channels"`         // 0 when the UNet leaves it dynamic
	CrossAttentionDim int    `json:"cross_attention_dim"` // 0 when dynamic
	ClassName         string `json:"class_name,omitempty"`
}

// String is the one-line description, e.g. "SD1.x instruct-pix2pix".
func (p Pipeline) String() string {
	s := p.Family + " " + p.Variant
	if p.ClassName != "" {
		s += " (" + p.ClassName + ")"
	}
	return s
}

// classify reads the family and variant from the UNet's declared inputs, falling back on
// model_index.json's class name when shapes are dynamic.
func classify(unet *Model, className string) Pipeline {
	p := Pipeline{Family: FamilyUnknown, Variant: VariantUnknown, ClassName: className,
		InChannels:        widthOf(unet, "sample", 1, "Conv", 1),
		CrossAttentionDim: widthOf(unet, contextInput, 2, "MatMul", 0),
	}
	switch p.CrossAttentionDim {
	case 768:
		p.Family = FamilySD1
	case 1024:
		p.Family = FamilySD2
	case 2048:
		p.Family = FamilySDXL
	}
	if unet.ValueInfo("text_embeds") != nil || unet.ValueInfo("time_ids") != nil || strings.Contains(className, "XL") {
		p.Family = FamilySDXL
	}
	switch p.InChannels {
	case 4:
		p.Variant = VariantText2Img
	case 8:
		p.Variant = VariantPix2Pix
	case 5:
		p.Variant = VariantDepth
	case 9:
		p.Variant = VariantInpaint
	}
	return p
}

// dimAt is one static dimension of a graph input.
func dimAt(m *Model, input string, axis int) (int, bool) {
	vi := m.ValueInfo(input)
	if vi == nil {
		return 0, false
	}
	dims := DimStrings(vi)
	if axis >= len(dims) {
		return 0, false
	}
	n := atoiOrZero(dims[axis])
	return n, n > 0
}

// widthOf finds a UNet input's channel count: its declared dimension when static, else the
// matching dimension of the weight it meets first (conv_in's [out, in, k, k] kernel for
// sample; to_k's [in, out] matrix for encoder_hidden_states). The diffusers script exports
// sample with a dynamic channels axis (diffusers convert_stable_diffusion_checkpoint_to_onnx.py),
// so the fallback is needed there.
func widthOf(unet *Model, input string, axis int, op string, weightAxis int) int {
	if n, ok := dimAt(unet, input, axis); ok {
		return n
	}
	for _, n := range unet.Consumers()[input] {
		if n.GetOpType() != op || len(n.GetInput()) < 2 {
			continue
		}
		if w := unet.Initializer(n.GetInput()[1]); w != nil && len(w.GetDims()) > weightAxis && w.GetDims()[weightAxis] > 0 {
			return int(w.GetDims()[weightAxis])
		}
	}
	return 0
}
