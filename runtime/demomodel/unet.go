package demomodel

import (
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// unetBuilder emits diffusers' UNet2DConditionModel (SD 1.x block layout): conv_in,
// CrossAttnDownBlock2D/DownBlock2D with skip connections, UNetMidBlock2DCrossAttn,
// UpBlock2D/CrossAttnUpBlock2D, then GroupNorm → SiLU → conv_out.
type unetBuilder struct {
	*graph
	cfg  UNetConfig
	temb string // time embedding [N or 1, 4·C0]
	ctx  string // encoder_hidden_states
}

type skip struct {
	tensor   string
	channels int64
}

func buildUNet(p Preset, o Options, ft onnxpb.TensorProto_DataType) *graph {
	u := &unetBuilder{graph: newGraph(ft, o.opsetVersion()), cfg: p.UNet}
	names := ioNames(o.Layout)
	sample := u.input("sample", ft, sym(names.batch), u.channelDim(o, o.unetInChannels()), sym(names.height), sym(names.width))
	var timestep string
	if o.Layout == "diffusers" {
		timestep = u.input("timestep", ft, sym(names.batch))
	} else {
		timestep = u.input("timestep", ft)
	}
	u.ctx = u.input("encoder_hidden_states", ft, sym(names.batch), sym(names.sequence), fixed(p.UNet.CrossDim))
	u.temb = u.timeEmbedding(sample, timestep)
	h := u.body(sample, o.unetInChannels())
	u.output(h, "out_sample", ft, sym(names.batch), u.channelDim(o, 4), sym(names.height), sym(names.width))
	return u.graph
}

// channelDim: the legacy script marks the channel axis dynamic, Optimum does not.
func (u *unetBuilder) channelDim(o Options, n int64) dim {
	if o.Layout == "diffusers" {
		return sym("channels")
	}
	return fixed(n)
}

// timeEmbedding is Timesteps(flip_sin_to_cos=True, freq_shift=0) followed by
// TimestepEmbedding (linear_1 → SiLU → linear_2). Like diffusers it expands the timestep to
// the batch and computes the sinusoids in float32 before casting back to the model dtype.
func (u *unetBuilder) timeEmbedding(sample, timestep string) string {
	c0 := u.cfg.BlockOutChannels[0]
	half := c0 / 2
	freqs := make([]float32, half)
	for i := range freqs {
		freqs[i] = float32(math.Exp(-math.Log(10000) * float64(i) / float64(half)))
	}
	t := u.op("Reshape", []string{timestep, u.constInts(false, -1)})
	t = u.op("Expand", []string{t, u.axisLength(sample, 0)})
	var emb string
	func() {
		defer u.enter("time_proj")()
		tf := u.unsqueeze(u.castTo(t, onnxpb.TensorProto_FLOAT), 1)
		freqT := u.op("Constant", nil, attrTensor("value", &onnxpb.TensorProto{
			Dims: []int64{1, half}, DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: freqs}))
		arg := u.op("Mul", []string{tf, freqT})
		emb = u.op("Concat", []string{u.op("Cos", []string{arg}), u.op("Sin", []string{arg})}, attrInt("axis", -1))
	}()
	emb = u.castTo(emb, u.dtype)
	defer u.enter("time_embedding")()
	func() {
		defer u.enter("linear_1")()
		emb = u.gemm(emb, c0, 4*c0, gainUnit)
	}()
	func() {
		defer u.enter("act")()
		emb = u.silu(emb)
	}()
	defer u.enter("linear_2")()
	return u.gemm(emb, 4*c0, 4*c0, gainUnit)
}

func (u *unetBuilder) body(sample string, inChannels int64) string {
	boc := u.cfg.BlockOutChannels
	h := u.scoped("conv_in", func() string { return u.conv2d(sample, inChannels, boc[0], 3, 1, 1, gainUnit) })
	skips := []skip{{h, boc[0]}}
	ch := boc[0]
	for i, out := range boc {
		h, ch, skips = u.downBlock(i, h, ch, out, skips)
	}
	h = u.midBlock(h, ch)
	for i := range boc {
		h, ch, skips = u.upBlock(i, h, ch, skips)
	}
	h = u.scoped("conv_norm_out", func() string { return u.groupNorm(h, ch, u.cfg.NormGroups, u.cfg.NormEps) })
	h = u.scoped("conv_act", func() string { return u.silu(h) })
	return u.scoped("conv_out", func() string { return u.conv2d(h, ch, 4, 3, 1, 1, 2) })
}

// scoped runs f inside module scope name.
func (g *graph) scoped(name string, f func() string) string {
	defer g.enter(name)()
	return f()
}

func (u *unetBuilder) downBlock(i int, h string, ch, out int64, skips []skip) (string, int64, []skip) {
	defer u.enter(fmt.Sprintf("down_blocks.%d", i))()
	for j := 0; j < u.cfg.LayersPerBlock; j++ {
		h = u.resnet(j, h, ch, out)
		ch = out
		if u.cfg.CrossAttn[i] {
			h = u.transformer(j, h, ch)
		}
		skips = append(skips, skip{h, ch})
	}
	if i < len(u.cfg.BlockOutChannels)-1 {
		h = u.scoped("downsamplers.0", func() string {
			return u.scoped("conv", func() string { return u.conv2d(h, ch, ch, 3, 2, 1, gainUnit) })
		})
		skips = append(skips, skip{h, ch})
	}
	return h, ch, skips
}

func (u *unetBuilder) midBlock(h string, ch int64) string {
	defer u.enter("mid_block")()
	h = u.resnet(0, h, ch, ch)
	h = u.transformer(0, h, ch)
	return u.resnet(1, h, ch, ch)
}

// upBlock i mirrors down block n-1-i: layers+1 resnets, each fed the Concat of the running
// tensor and the matching skip, then nearest ×2 Resize + conv except at full resolution.
func (u *unetBuilder) upBlock(i int, h string, ch int64, skips []skip) (string, int64, []skip) {
	defer u.enter(fmt.Sprintf("up_blocks.%d", i))()
	n := len(u.cfg.BlockOutChannels)
	out := u.cfg.BlockOutChannels[n-1-i]
	for j := 0; j <= u.cfg.LayersPerBlock; j++ {
		s := skips[len(skips)-1]
		skips = skips[:len(skips)-1]
		h = u.op("Concat", []string{h, s.tensor}, attrInt("axis", 1))
		h = u.resnet(j, h, ch+s.channels, out)
		ch = out
		if u.cfg.CrossAttn[n-1-i] {
			h = u.transformer(j, h, ch)
		}
	}
	if i < n-1 {
		h = u.scoped("upsamplers.0", func() string { return u.upsample(h, ch) })
	}
	return h, ch, skips
}

// upsample is Upsample2D: F.interpolate(scale_factor=2, mode="nearest") then a 3×3 conv.
func (g *graph) upsample(h string, ch int64) string {
	h = g.resize2x(h)
	return g.scoped("conv", func() string { return g.conv2d(h, ch, ch, 3, 1, 1, gainUnit) })
}
