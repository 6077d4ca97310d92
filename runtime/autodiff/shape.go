package autodiff

// Backward rules for ops that only move elements around: the gradient is the inverse
// movement (docs/autodiff.md, "Background").

// vjpReshapeLike covers Reshape, Flatten, Squeeze and Unsqueeze: reshape the gradient to
// the input's static shape.
func vjpReshapeLike(c *vjpCtx) error {
	c.gx[0] = c.reshapeIf(c.gy[0], c.shape(c.out(0)), c.shape(c.in(0)))
	return nil
}

func vjpTranspose(c *vjpCtx) error {
	perm, err := transposePerm(c.n, len(c.shape(c.in(0))))
	if err != nil {
		return c.unsupported("%v", err)
	}
	inv := make([]int64, len(perm))
	for i, p := range perm {
		inv[p] = int64(i)
	}
	c.gx[0] = c.transpose(c.gy[0], inv)
	return nil
}

// vjpExpand sums the gradient over the broadcast axes.
func vjpExpand(c *vjpCtx) error {
	c.gx[0] = c.toInput(c.gy[0], 0)
	return nil
}
