package demomodel

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// latentChannels is SD's VAE latent depth; the encoder emits mean‖logvar (8 channels).
const latentChannels = 4

// vaeEps is AutoencoderKL's GroupNorm epsilon.
const vaeEps = 1e-6

// buildVAEEncoder emits AutoencoderKL.encode: Encoder (conv_in, DownEncoderBlock2D×n with
// asymmetric-pad stride-2 downsamplers, mid block with attention, GroupNorm → SiLU → conv_out)
// then quant_conv. Optimum outputs the moments as latent_parameters; the legacy script
// outputs a sample mean + exp(logvar/2)·noise as latent_sample.
func buildVAEEncoder(p Preset, o Options, ft onnxpb.TensorProto_DataType) *graph {
	g := newGraph(ft, o.opsetVersion())
	v := p.VAE
	names := ioNames(o.Layout)
	x := g.input("sample", ft, sym(names.batch), vaeChannelDim(o, 3), sym(names.imageHeight), sym(names.imageWidth))
	h := g.scoped("encoder", func() string { return g.vaeEncoder(x, v) })
	moments := g.scoped("quant_conv", func() string { return g.conv2d(h, 2*latentChannels, 2*latentChannels, 1, 1, 0, gainUnit) })
	if o.Layout == "diffusers" {
		latent := g.sampleLatent(moments)
		g.output(latent, "latent_sample", ft, sym(names.batch), vaeChannelDim(o, latentChannels), sym(names.latentHeight), sym(names.latentWidth))
		return g
	}
	g.output(moments, "latent_parameters", ft, sym(names.batch), fixed(2*latentChannels), sym(names.latentHeight), sym(names.latentWidth))
	return g
}

func vaeChannelDim(o Options, n int64) dim {
	if o.Layout == "diffusers" {
		return sym("channels")
	}
	return fixed(n)
}

func (g *graph) vaeEncoder(x string, v VAEConfig) string {
	boc := v.BlockOutChannels
	h := g.scoped("conv_in", func() string { return g.conv2d(x, 3, boc[0], 3, 1, 1, gainUnit) })
	ch := boc[0]
	for i, out := range boc {
		func() {
			defer g.enter(fmt.Sprintf("down_blocks.%d", i))()
			for j := 0; j < v.LayersPerBlock; j++ {
				h = g.resnetBlock(fmt.Sprintf("resnets.%d", j), h, ch, out, v.NormGroups, vaeEps, "", 0)
				ch = out
			}
			if i < len(boc)-1 {
				h = g.scoped("downsamplers.0", func() string { return g.downsampleAsym(h, ch) })
			}
		}()
	}
	h = g.scoped("mid_block", func() string { return g.vaeMid(h, ch, v.NormGroups) })
	h = g.scoped("conv_norm_out", func() string { return g.groupNorm(h, ch, v.NormGroups, vaeEps) })
	h = g.scoped("conv_act", func() string { return g.silu(h) })
	return g.scoped("conv_out", func() string { return g.conv2d(h, ch, 2*latentChannels, 3, 1, 1, gainUnit) })
}

// downsampleAsym is Downsample2D(padding=0): F.pad(x, (0,1,0,1)) then a stride-2 3×3 conv.
func (g *graph) downsampleAsym(h string, ch int64) string {
	padded := g.op("Pad", []string{h, g.constInts(false, 0, 0, 0, 0, 0, 0, 1, 1), g.constFloat(0)}, attrString("mode", "constant"))
	return g.scoped("conv", func() string { return g.conv2d(padded, ch, ch, 3, 2, 0, gainUnit) })
}

// vaeMid is UNetMidBlock2D: resnet, single-head spatial self-attention, resnet.
func (g *graph) vaeMid(h string, ch, groups int64) string {
	h = g.resnetBlock("resnets.0", h, ch, ch, groups, vaeEps, "", 0)
	h = g.scoped("attentions.0", func() string { return g.spatialSelfAttention(h, ch, groups) })
	return g.resnetBlock("resnets.1", h, ch, ch, groups, vaeEps, "", 0)
}

// spatialSelfAttention is diffusers' Attention with group_norm and residual_connection, as
// AutoencoderKL's mid block uses it: tokens are the H·W positions, one head of width C.
func (g *graph) spatialSelfAttention(x string, ch, groups int64) string {
	h := g.scoped("group_norm", func() string { return g.groupNorm(x, ch, groups, vaeEps) })
	tokens := g.transpose(g.op("Reshape", []string{h, g.constInts(false, 0, ch, -1)}), 0, 2, 1)
	a := g.attention(tokens, tokens, ch, ch, 1, vaeAttn, "")
	back := g.op("Reshape", []string{g.transpose(a, 0, 2, 1), g.op("Shape", []string{x})})
	return g.op("Add", []string{back, x})
}

// sampleLatent is DiagonalGaussianDistribution.sample(): split moments, clamp logvar to
// [-30, 20], mean + exp(logvar/2)·N(0,1). torch.randn exports as RandomNormalLike.
func (g *graph) sampleLatent(moments string) string {
	parts := g.opN("Split", []string{moments, g.constInts(false, latentChannels, latentChannels)}, 2, attrInt("axis", 1))
	logvar := g.op("Clip", []string{parts[1], g.constFloat(-30), g.constFloat(20)})
	std := g.op("Exp", []string{g.op("Mul", []string{logvar, g.constFloat(0.5)})})
	noise := g.op("RandomNormalLike", []string{parts[0]}, attrInt("dtype", int64(onnxpb.TensorProto_FLOAT)))
	if g.dtype != onnxpb.TensorProto_FLOAT {
		noise = g.castTo(noise, g.dtype)
	}
	return g.op("Add", []string{parts[0], g.op("Mul", []string{std, noise})})
}

// buildVAEDecoder emits AutoencoderKL.decode: post_quant_conv, then Decoder (conv_in, mid
// block, UpDecoderBlock2D×n with layers+1 resnets and nearest ×2 upsamplers, GroupNorm → SiLU
// → conv_out to RGB in about [-1, 1]).
func buildVAEDecoder(p Preset, o Options, ft onnxpb.TensorProto_DataType) *graph {
	g := newGraph(ft, o.opsetVersion())
	v := p.VAE
	names := ioNames(o.Layout)
	z := g.input("latent_sample", ft, sym(names.batch), vaeChannelDim(o, latentChannels), sym(names.latentHeight), sym(names.latentWidth))
	h := g.scoped("post_quant_conv", func() string { return g.conv2d(z, latentChannels, latentChannels, 1, 1, 0, gainUnit) })
	h = g.scoped("decoder", func() string { return g.vaeDecoder(h, v) })
	g.output(h, "sample", ft, sym(names.batch), vaeChannelDim(o, 3), sym(names.imageHeight), sym(names.imageWidth))
	return g
}

func (g *graph) vaeDecoder(z string, v VAEConfig) string {
	boc := v.BlockOutChannels
	n := len(boc)
	ch := boc[n-1]
	h := g.scoped("conv_in", func() string { return g.conv2d(z, latentChannels, ch, 3, 1, 1, gainUnit) })
	h = g.scoped("mid_block", func() string { return g.vaeMid(h, ch, v.NormGroups) })
	for i := 0; i < n; i++ {
		out := boc[n-1-i]
		func() {
			defer g.enter(fmt.Sprintf("up_blocks.%d", i))()
			for j := 0; j <= v.LayersPerBlock; j++ {
				h = g.resnetBlock(fmt.Sprintf("resnets.%d", j), h, ch, out, v.NormGroups, vaeEps, "", 0)
				ch = out
			}
			if i < n-1 {
				h = g.scoped("upsamplers.0", func() string { return g.upsample(h, ch) })
			}
		}()
	}
	h = g.scoped("conv_norm_out", func() string { return g.groupNorm(h, ch, v.NormGroups, vaeEps) })
	h = g.scoped("conv_act", func() string { return g.silu(h) })
	return g.scoped("conv_out", func() string { return g.conv2d(h, ch, 3, 3, 1, 1, 0.5) })
}
