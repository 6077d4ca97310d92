package demomodel

import "math"

// attnModules names an attention block's projections and says whether q/k/v carry biases:
// diffusers' Attention uses to_q/to_k/to_v/to_out.0 (biases only in the VAE), CLIP uses
// q_proj/k_proj/v_proj/out_proj with biases.
type attnModules struct {
	q, k, v, out string
	qkvBias      bool
}

var (
	unetAttn = attnModules{q: "to_q", k: "to_k", v: "to_v", out: "to_out.0"}
	vaeAttn  = attnModules{q: "to_q", k: "to_k", v: "to_v", out: "to_out.0", qkvBias: true}
	clipAttn = attnModules{q: "q_proj", k: "k_proj", v: "v_proj", out: "out_proj", qkvBias: true}
)

// attention emits diffusers' classic AttnProcessor in the current scope: q,k,v reshaped
// [N,L,heads·d] → [N·heads,L,d] batch-major, P = Softmax(Q·Kᵀ·d^-0.5 [+mask]) over keys,
// then P·V — nodes "<scope>/MatMul" (Q·Kᵀ), "<scope>/Softmax", "<scope>/MatMul_1" (P·V), as in
// diffusers attention_processor.py, Attention.get_attention_scores. ctx is x for self-attention;
// mask may be "".
func (g *graph) attention(x, ctx string, dim, ctxDim, heads int64, m attnModules, mask string) string {
	d := dim / heads
	proj := func(module, in string, inDim int64) string {
		defer g.enter(module)()
		return g.linear(in, inDim, dim, m.qkvBias, gainUnit)
	}
	q, k, v := proj(m.q, x, dim), proj(m.k, ctx, ctxDim), proj(m.v, ctx, ctxDim)
	qLen, kvLen := g.axisLength(x, 1), g.axisLength(ctx, 1)
	q, k, v = g.headsToBatch(q, qLen, heads, d), g.headsToBatch(k, kvLen, heads, d), g.headsToBatch(v, kvLen, heads, d)
	scores := g.op("MatMul", []string{q, g.transpose(k, 0, 2, 1)})
	scores = g.op("Mul", []string{scores, g.constFloat(float32(1 / math.Sqrt(float64(d))))})
	if mask != "" {
		scores = g.op("Add", []string{scores, mask})
	}
	probs := g.op("Softmax", []string{scores}, attrInt("axis", -1))
	out := g.batchToHeads(g.op("MatMul", []string{probs, v}), qLen, heads, d)
	defer g.enter(m.out)()
	return g.linear(out, dim, dim, true, gainResidual)
}

// headsToBatch is diffusers' head_to_batch_dim: [N,L,h·d] → [N,L,h,d] → [N,h,L,d] → [N·h,L,d].
func (g *graph) headsToBatch(x, length string, heads, d int64) string {
	split := g.op("Reshape", []string{x, g.constInts(false, 0, 0, heads, d)})
	shape := g.op("Concat", []string{g.constInts(false, -1), length, g.constInts(false, d)}, attrInt("axis", 0))
	return g.op("Reshape", []string{g.transpose(split, 0, 2, 1, 3), shape})
}

// batchToHeads is batch_to_head_dim: [N·h,L,d] → [N,h,L,d] → [N,L,h,d] → [N,L,h·d].
func (g *graph) batchToHeads(x, length string, heads, d int64) string {
	shape := g.op("Concat", []string{g.constInts(false, -1, heads), length, g.constInts(false, d)}, attrInt("axis", 0))
	perm := g.transpose(g.op("Reshape", []string{x, shape}), 0, 2, 1, 3)
	return g.op("Reshape", []string{perm, g.constInts(false, 0, 0, heads*d)})
}
