package demomodel

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// taesdWidth is TAESD's channel count (madebyollin/taesd, taesd.py).
const taesdWidth = 64

// buildTAESD emits TAESD's Decoder (madebyollin/taesd): Clamp as tanh(x/3)·3, conv 4→64, ReLU,
// then three stages of 3 Blocks + nearest ×2 upsample + bias-free conv, one more Block and a
// conv to RGB. A Block is conv-ReLU-conv-ReLU-conv plus identity, then ReLU. It decodes
// UNet-space latents directly (no 1/0.18215) to RGB in about [0, 1]. ≈1.22 M parameters.
func buildTAESD(o Options, ft onnxpb.TensorProto_DataType) *graph {
	g := newGraph(ft, o.opsetVersion())
	names := ioNames(o.Layout)
	z := g.input("latent_sample", ft, sym(names.batch), fixed(latentChannels), sym(names.latentHeight), sym(names.latentWidth))
	defer g.enter("decoder")()
	layer := 0
	next := func() string { layer++; return fmt.Sprintf("layers.%d", layer-1) }
	h := g.scoped(next(), func() string {
		t := g.op("Tanh", []string{g.op("Div", []string{z, g.constFloat(3)})})
		return g.op("Mul", []string{t, g.constFloat(3)})
	})
	h = g.scoped(next(), func() string { return g.conv2d(h, latentChannels, taesdWidth, 3, 1, 1, gainUnit) })
	h = g.scoped(next(), func() string { return g.op("Relu", []string{h}) })
	for stage := 0; stage < 3; stage++ {
		for b := 0; b < 3; b++ {
			h = g.scoped(next(), func() string { return g.taesdBlock(h) })
		}
		h = g.scoped(next(), func() string { return g.resize2x(h) })
		h = g.scoped(next(), func() string { return g.convNoBias(h, taesdWidth, taesdWidth) })
	}
	h = g.scoped(next(), func() string { return g.taesdBlock(h) })
	h = g.scoped(next(), func() string { return g.taesdRGB(h) })
	g.output(h, "sample", ft, sym(names.batch), fixed(3), sym(names.imageHeight), sym(names.imageWidth))
	return g
}

func (g *graph) taesdBlock(x string) string {
	h := x
	for i := 0; i < 3; i++ {
		gain := 1.4 // ReLU halves the variance; √2 restores it (He et al. 2015)
		if i == 2 {
			gain = gainResidual
		}
		h = g.scoped(fmt.Sprintf("conv.%d", 2*i), func() string { return g.conv2d(h, taesdWidth, taesdWidth, 3, 1, 1, gain) })
		if i < 2 {
			h = g.op("Relu", []string{h})
		}
	}
	return g.op("Relu", []string{g.op("Add", []string{h, x})})
}

func (g *graph) convNoBias(x string, in, out int64) string {
	w := g.param("weight", []int64{out, in, 3, 3}, 0, fanInBound(in*9, gainUnit))
	return g.op("Conv", []string{x, w},
		attrInts("dilations", 1, 1), attrInt("group", 1), attrInts("kernel_shape", 3, 3),
		attrInts("pads", 1, 1, 1, 1), attrInts("strides", 1, 1))
}

// taesdRGB is the last conv; its bias sits at 0.5 so random weights still land near [0, 1].
func (g *graph) taesdRGB(x string) string {
	w := g.param("weight", []int64{3, taesdWidth, 3, 3}, 0, fanInBound(taesdWidth*9, 0.15))
	b := g.param("bias", []int64{3}, 0.5, biasBound)
	return g.op("Conv", []string{x, w, b},
		attrInts("dilations", 1, 1), attrInt("group", 1), attrInts("kernel_shape", 3, 3),
		attrInts("pads", 1, 1, 1, 1), attrInts("strides", 1, 1))
}

// resize2x is nn.Upsample(scale_factor=2) (nearest).
func (g *graph) resize2x(h string) string {
	scales := g.op("Constant", nil, attrTensor("value", &onnxpb.TensorProto{
		Dims: []int64{4}, DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: []float32{1, 1, 2, 2}}))
	return g.op("Resize", []string{h, "", scales},
		attrString("coordinate_transformation_mode", "asymmetric"), attrString("mode", "nearest"),
		attrString("nearest_mode", "floor"))
}
