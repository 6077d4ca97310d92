package demomodel

import (
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// depthWidth is the random depth estimator's channel count: a stand-in for DPT-Hybrid
// (Ranftl et al. 2021) that has its interface, not its size.
const depthWidth = 8

// depthSide is the estimator's input side: DPT-Hybrid's 384 for the sd15 preset, a small
// one for the test presets (feature_extractor/preprocessor_config.json records it).
func (o Options) depthSide() int64 {
	if o.Preset == "sd15" {
		return 384
	}
	return 32
}

// buildDepthEstimator emits depth_estimator/model.onnx as stable-diffusion-2-depth's export
// declares it — pixel_values [B,3,S,S] → predicted_depth [B,S,S], positive — from a
// stride-2 conv, SiLU, a nearest ×2 upsample and a conv to one channel through Softplus
// (DPT's head ends in ReLU; Softplus keeps random weights from flattening the map).
func buildDepthEstimator(o Options, ft onnxpb.TensorProto_DataType) *graph {
	g := newGraph(ft, o.opsetVersion())
	s := o.depthSide()
	x := g.input("pixel_values", ft, sym("batch_size"), fixed(3), fixed(s), fixed(s))
	h := g.scoped("encoder", func() string { return g.silu(g.conv2d(x, 3, depthWidth, 3, 2, 1, 1.4)) })
	h = g.scoped("fusion", func() string { return g.silu(g.conv2d(g.resize2x(h), depthWidth, depthWidth, 3, 1, 1, 1.4)) })
	h = g.scoped("head", func() string { return g.op("Softplus", []string{g.conv2d(h, depthWidth, 1, 3, 1, 1, gainUnit)}) })
	d := g.op("Squeeze", []string{h, g.constInts(false, 1)})
	g.output(d, "predicted_depth", ft, sym("batch_size"), fixed(s), fixed(s))
	return g
}

// depthPreprocessor is feature_extractor/preprocessor_config.json for the estimator:
// DPTImageProcessor's resize to S×S and normalisation by 0.5/0.5, as stable-diffusion-2-depth.
func depthPreprocessor(o Options) map[string]any {
	s := o.depthSide()
	return map[string]any{
		"image_processor_type": "DPTImageProcessor", "do_resize": true, "do_normalize": true,
		"size": map[string]any{"height": s, "width": s}, "keep_aspect_ratio": false,
		"image_mean": []float64{0.5, 0.5, 0.5}, "image_std": []float64{0.5, 0.5, 0.5}, "resample": 3,
	}
}
