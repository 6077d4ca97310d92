package noise

import "math"

// vectorMin is the element count from which PyTorch's normal_kernel takes the vectorised
// float32 path (normal_fill) instead of the per-element double path.
const vectorMin = 16

// Randn returns torch.randn(n, dtype=float32, generator=g) and advances the generator as
// PyTorch does, so a later call continues the same stream. n ≤ 0 returns an empty slice and
// draws nothing.
func (g *Generator) Randn(n int) []float32 {
	if n <= 0 {
		return []float32{}
	}
	out := make([]float32, n)
	if n < vectorMin {
		for i := range out {
			out[i] = float32(g.normalFloat64())
		}
		return out
	}
	g.fillNormal(out)
	return out
}

// fillNormal is normal_fill / normal_fill_AVX2 (DistributionTemplates.h): n uniforms, Box–Muller
// on each 16-block, and — when n is not a multiple of 16 — 16 fresh uniforms redoing the last
// 16 positions.
func (g *Generator) fillNormal(out []float32) {
	n := len(out)
	for i := range out {
		out[i] = g.uniformFloat32()
	}
	block := g.blockTransform()
	for i := 0; i+vectorMin <= n; i += vectorMin {
		block(out[i : i+vectorMin])
	}
	if n%vectorMin != 0 {
		tail := out[n-vectorMin:]
		for i := range tail {
			tail[i] = g.uniformFloat32()
		}
		block(tail)
	}
}

// blockTransform picks the Box–Muller variant of the generator's kernel.
func (g *Generator) blockTransform() func(block []float32) {
	if g.kernel == KernelAVX2 {
		return boxMuller16AVX2
	}
	return boxMuller16Scalar
}

// normalFloat64 is at::normal_distribution<double> (DistributionsHelper.h): Box–Muller on two
// double uniforms, returning r·cos θ and caching r·sin θ for the next call.
func (g *Generator) normalFloat64() float64 {
	if g.hasCached {
		g.hasCached = false
		return g.cachedNormal
	}
	u1 := g.uniformFloat64()
	u2 := g.uniformFloat64()
	r := math.Sqrt(-2 * math.Log1p(-u2))
	theta := 2 * math.Pi * u1
	g.cachedNormal, g.hasCached = r*math.Sin(theta), true
	return r * math.Cos(theta)
}
