package autodiff

// Backward rules for InstanceNormalization (which is how torch exports GroupNorm:
// Reshape → InstanceNormalization → Reshape → Mul γ → Add β) and LayerNormalization-17.
// ORT has no InstanceNormalization gradient at all and only a training-only
// LayerNormalizationGrad (docs/autodiff.md, "Background"). Both reduce to one formula over the
// normalised axes, verified in float64 (docs/autodiff.md):
//
//	x̂ = (x − μ)·r, r = 1/√(var + ε), g = G·γ
//	dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ G·x̂,  dβ = Σ G.

// normStats recomputes x̂ and r over axes (the forward op does not expose them; ORT's
// common-subexpression elimination cannot merge with a fused forward kernel, so this is the
// only extra work).
func (c *vjpCtx) normStats(x string, axes []int64, eps float64) (xhat, r string) {
	dt, shape := c.dtype(x), c.shape(x)
	mu := c.reduceMean(x, dt, shape, axes, true)
	xc := c.sub(x, mu)
	variance := c.reduceMean(c.mul(xc, xc), dt, shape, axes, true)
	r = c.op("Reciprocal", []string{c.op("Sqrt", []string{c.add(variance, c.scalar(dt, eps))})})
	return c.mul(xc, r), r
}

// normInputGrad is dx = r·(g − mean(g) − x̂·mean(g·x̂)).
func (c *vjpCtx) normInputGrad(g, xhat, r string, shape, axes []int64) string {
	dt := c.dtype(c.in(0))
	mg := c.reduceMean(g, dt, shape, axes, true)
	mgx := c.reduceMean(c.mul(g, xhat), dt, shape, axes, true)
	return c.mul(r, c.sub(c.sub(g, mg), c.mul(xhat, mgx)))
}

// vjpInstanceNorm: x [N, C, D…], per-channel scale and bias [C], statistics over D….
func vjpInstanceNorm(c *vjpCtx) error {
	x := c.in(0)
	shape := c.shape(x)
	if len(shape) < 3 {
		return c.unsupported("InstanceNormalization input of rank %d (needs ≥ 3)", len(shape))
	}
	var spatial, others []int64
	for i := 2; i < len(shape); i++ {
		spatial = append(spatial, int64(i))
	}
	others = append([]int64{0}, spatial...)
	chanShape := make([]int64, len(shape)-1) // [C, 1, 1, …] broadcasts against x
	chanShape[0] = shape[1]
	for i := 1; i < len(chanShape); i++ {
		chanShape[i] = 1
	}
	xhat, r := c.normStats(x, spatial, float64(attrFloat(c.n, "epsilon", 1e-5)))
	g := c.gy[0]
	if c.wants(0) {
		gs := c.mul(g, c.reshape(c.in(1), chanShape))
		c.gx[0] = c.normInputGrad(gs, xhat, r, shape, spatial)
	}
	if c.wants(1) {
		c.gx[1] = c.reduceSum(c.mul(g, xhat), others, false)
	}
	if c.wants(2) {
		c.gx[2] = c.reduceSum(g, others, false)
	}
	return nil
}

// vjpLayerNorm: statistics over axes [axis, rank), scale and bias broadcast against those.
// Gradients flowing into the optional Mean/InvStdDev outputs are not supported.
func vjpLayerNorm(c *vjpCtx) error {
	for j := 1; j < len(c.gy); j++ {
		if c.gy[j] != "" {
			return c.unsupported("a gradient flows into output %d (Mean/InvStdDev)", j)
		}
	}
	x := c.in(0)
	shape := c.shape(x)
	axis, err := normAxis(attrInt(c.n, "axis", -1), int64(len(shape)))
	if err != nil {
		return c.unsupported("%v", err)
	}
	var axes []int64
	for i := axis; i < int64(len(shape)); i++ {
		axes = append(axes, i)
	}
	xhat, r := c.normStats(x, axes, float64(attrFloat(c.n, "epsilon", 1e-5)))
	g := c.gy[0]
	if c.wants(0) {
		c.gx[0] = c.normInputGrad(c.mul(g, c.in(1)), xhat, r, shape, axes)
	}
	if c.wants(1) {
		c.gx[1] = c.sumTo(c.mul(g, xhat), shape, c.shape(c.in(1)))
	}
	if c.hasIn(2) && c.wants(2) {
		c.gx[2] = c.sumTo(g, shape, c.shape(c.in(2)))
	}
	return nil
}
