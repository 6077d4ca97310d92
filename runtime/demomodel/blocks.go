package demomodel

import "fmt"

// resnetBlock is diffusers' ResnetBlock2D: GroupNorm → SiLU → conv1 [+ time_emb_proj(SiLU(temb))]
// → GroupNorm → SiLU → conv2, plus the input (through a 1×1 conv_shortcut when the channel
// count changes). temb is "" in the VAE.
func (g *graph) resnetBlock(name, x string, in, out, groups int64, eps float32, temb string, tembDim int64) string {
	defer g.enter(name)()
	h := g.scoped("norm1", func() string { return g.groupNorm(x, in, groups, eps) })
	h = g.scoped("nonlinearity", func() string { return g.silu(h) })
	h = g.scoped("conv1", func() string { return g.conv2d(h, in, out, 3, 1, 1, gainUnit) })
	if temb != "" {
		t := g.scoped("nonlinearity", func() string { return g.silu(temb) })
		t = g.scoped("time_emb_proj", func() string { return g.gemm(t, tembDim, out, gainUnit) })
		h = g.op("Add", []string{h, g.unsqueeze(t, 2, 3)})
	}
	h = g.scoped("norm2", func() string { return g.groupNorm(h, out, groups, eps) })
	h = g.scoped("nonlinearity", func() string { return g.silu(h) })
	h = g.scoped("conv2", func() string { return g.conv2d(h, out, out, 3, 1, 1, gainResidual) })
	if in != out {
		x = g.scoped("conv_shortcut", func() string { return g.conv2d(x, in, out, 1, 1, 0, gainUnit) })
	}
	return g.op("Add", []string{x, h})
}

func (u *unetBuilder) resnet(j int, h string, in, out int64) string {
	return u.resnetBlock(fmt.Sprintf("resnets.%d", j), h, in, out, u.cfg.NormGroups, u.cfg.NormEps,
		u.temb, 4*u.cfg.BlockOutChannels[0])
}

// transformer is Transformer2DModel (use_linear_projection=False) with one
// BasicTransformerBlock: GroupNorm → 1×1 proj_in → tokens [N,H·W,C] → block → proj_out,
// plus the residual.
func (u *unetBuilder) transformer(j int, x string, ch int64) string {
	defer u.enter(fmt.Sprintf("attentions.%d", j))()
	h := u.scoped("norm", func() string { return u.groupNorm(x, ch, u.cfg.NormGroups, 1e-6) })
	h = u.scoped("proj_in", func() string { return u.conv2d(h, ch, ch, 1, 1, 0, gainUnit) })
	h = u.op("Reshape", []string{u.transpose(h, 0, 2, 3, 1), u.constInts(false, 0, -1, ch)})
	h = u.scoped("transformer_blocks.0", func() string { return u.basicBlock(h, ch) })
	h = u.op("Reshape", []string{u.transpose(h, 0, 2, 1), u.op("Shape", []string{x})})
	h = u.scoped("proj_out", func() string { return u.conv2d(h, ch, ch, 1, 1, 0, gainResidual) })
	return u.op("Add", []string{h, x})
}

// basicBlock is BasicTransformerBlock: pre-LayerNorm self-attention (attn1), cross-attention
// to the text (attn2) and a GEGLU feed-forward, each with a residual.
func (u *unetBuilder) basicBlock(x string, ch int64) string {
	heads := u.cfg.Heads
	n := u.scoped("norm1", func() string { return u.layerNorm(x, ch, 1e-5) })
	a := u.scoped("attn1", func() string { return u.attention(n, n, ch, ch, heads, unetAttn, "") })
	x = u.op("Add", []string{a, x})
	n = u.scoped("norm2", func() string { return u.layerNorm(x, ch, 1e-5) })
	a = u.scoped("attn2", func() string { return u.attention(n, u.ctx, ch, u.cfg.CrossDim, heads, unetAttn, "") })
	x = u.op("Add", []string{a, x})
	n = u.scoped("norm3", func() string { return u.layerNorm(x, ch, 1e-5) })
	f := u.scoped("ff", func() string { return u.gegluFF(n, ch) })
	return u.op("Add", []string{f, x})
}

// gegluFF is FeedForward with GEGLU (Shazeer 2020): net.0.proj to 2·4C, split, h·GELU(gate),
// then net.2 back to C.
func (g *graph) gegluFF(x string, ch int64) string {
	inner := 4 * ch
	var h string
	func() {
		defer g.enter("net.0")()
		proj := g.scoped("proj", func() string { return g.linear(x, ch, 2*inner, true, gainUnit) })
		parts := g.opN("Split", []string{proj, g.constInts(false, inner, inner)}, 2, attrInt("axis", -1))
		h = g.op("Mul", []string{parts[0], g.geluErf(parts[1])})
	}()
	defer g.enter("net.2")()
	return g.linear(h, inner, ch, true, gainResidual)
}
