package autodiff

// vjpReduce covers ReduceSum and ReduceMean: restore the reduced axes (when keepdims = 0),
// broadcast back to the input's shape, and scale by 1/N for the mean. ORT's builder uses the
// training-only Scale op for the mean (docs/autodiff.md, "Background").
func vjpReduce(c *vjpCtx) error {
	x := c.in(0)
	shape := c.shape(x)
	in := make([]*tinfo, len(c.n.GetInput()))
	for i, name := range c.n.GetInput() {
		if name != "" {
			in[i] = c.info(name)
		}
	}
	axes, noop, err := reduceAxes(c.n, in, int64(len(shape)))
	if err != nil {
		return c.unsupported("%v", err)
	}
	if noop {
		c.gx[0] = c.gy[0]
		return nil
	}
	g := c.reshapeIf(c.gy[0], c.shape(c.out(0)), reducedShape(shape, axes, true))
	if c.n.GetOpType() == "ReduceMean" {
		count := int64(1)
		for _, a := range axes {
			count *= shape[a]
		}
		g = c.mulScalar(g, c.dt(), 1/float64(count))
	}
	c.gx[0] = c.expandTo(g, shape)
	return nil
}
