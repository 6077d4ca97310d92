package autodiff

// Backward rules for ops that join, split or index tensors (docs/autodiff.md, "Background").

// vjpConcat splits the gradient at the inputs' sizes along the axis.
func vjpConcat(c *vjpCtx) error {
	r := int64(len(c.shape(c.out(0))))
	axis, err := normAxis(attrInt(c.n, "axis", 0), r)
	if err != nil {
		return c.unsupported("%v", err)
	}
	sizes := make([]int64, len(c.n.GetInput()))
	for i, in := range c.n.GetInput() {
		sizes[i] = c.shape(in)[axis]
	}
	parts := c.opN("Split", []string{c.gy[0], c.ints(sizes...)}, len(sizes), intAttr("axis", axis))
	for i := range sizes {
		if c.wants(i) {
			c.gx[i] = parts[i]
		}
	}
	return nil
}

// vjpSplit concatenates the output gradients, with zeros for outputs no gradient reached
// (ORT's builder would produce a wrongly sized result there; docs/autodiff.md).
func vjpSplit(c *vjpCtx) error {
	r := int64(len(c.shape(c.in(0))))
	axis, err := normAxis(attrInt(c.n, "axis", 0), r)
	if err != nil {
		return c.unsupported("%v", err)
	}
	parts := make([]string, len(c.gy))
	for j, g := range c.gy {
		if g == "" {
			o := c.out(j)
			g = c.zeros(c.dtype(o), c.shape(o))
		}
		parts[j] = g
	}
	c.gx[0] = c.op("Concat", parts, intAttr("axis", axis))
	return nil
}

// vjpGather differentiates the data input with a one-hot matrix product, which needs no
// opset-16 ScatterND reduction and runs on every execution provider (docs/autodiff.md,
// "Background"): data [A…, V, B…] gathered on axis a with n indices gives G [A…, idx…, B…];
// d data = OneHot(idx)ᵀ [V, n] · G viewed as [ΠA, n, ΠB], reshaped to data's shape.
func vjpGather(c *vjpCtx) error {
	data, idx := c.in(0), c.in(1)
	ds := c.shape(data)
	axis, err := normAxis(attrInt(c.n, "axis", 0), int64(len(ds)))
	if err != nil {
		return c.unsupported("%v", err)
	}
	pa, v, pb := numel(ds[:axis]), ds[axis], numel(ds[axis+1:])
	cnt := numel(c.shape(idx))
	dt := c.dtype(data)
	flatIdx := c.reshape(idx, []int64{cnt})
	onehot := c.op("OneHot", []string{flatIdx, c.ints(v), c.floats(dt, []int64{2}, []float64{0, 1})}, intAttr("axis", 0))
	g := c.reshape(c.gy[0], []int64{pa, cnt, pb})
	c.gx[0] = c.reshape(c.op("MatMul", []string{onehot, g}), ds)
	return nil
}
