package autodiff

// Backward rules for broadcasting arithmetic (docs/autodiff.md, "Background"). Every input gradient
// is reduced back to the input's shape with sumTo, since the forward may have broadcast it.

func vjpIdentity(c *vjpCtx) error {
	c.gx[0] = c.gy[0]
	return nil
}

func vjpNeg(c *vjpCtx) error {
	c.gx[0] = c.neg(c.gy[0])
	return nil
}

// toInput reduces a gradient shaped like output 0 to input i's shape.
func (c *vjpCtx) toInput(g string, i int) string {
	return c.sumTo(g, c.shape(c.out(0)), c.shape(c.in(i)))
}

func vjpAdd(c *vjpCtx) error {
	for i := 0; i < 2; i++ {
		if c.wants(i) {
			c.gx[i] = c.toInput(c.gy[0], i)
		}
	}
	return nil
}

// vjpSum covers the variadic Sum, which is Add over any number of inputs.
func vjpSum(c *vjpCtx) error {
	for i := range c.n.GetInput() {
		if c.wants(i) {
			c.gx[i] = c.toInput(c.gy[0], i)
		}
	}
	return nil
}

func vjpSub(c *vjpCtx) error {
	if c.wants(0) {
		c.gx[0] = c.toInput(c.gy[0], 0)
	}
	if c.wants(1) {
		c.gx[1] = c.neg(c.toInput(c.gy[0], 1))
	}
	return nil
}

func vjpMul(c *vjpCtx) error {
	for i := 0; i < 2; i++ {
		if c.wants(i) {
			c.gx[i] = c.toInput(c.mul(c.gy[0], c.in(1-i)), i)
		}
	}
	return nil
}

// vjpDiv: y = a/b, da = g/b, db = −g·y/b (= −g·a/b²).
func vjpDiv(c *vjpCtx) error {
	if c.wants(0) {
		c.gx[0] = c.toInput(c.div(c.gy[0], c.in(1)), 0)
	}
	if c.wants(1) {
		c.gx[1] = c.toInput(c.neg(c.mul(c.gy[0], c.div(c.out(0), c.in(1)))), 1)
	}
	return nil
}

// vjpPow: y = a^b, da = g·b·a^(b−1), db = g·y·ln a. A constant exponent 2 (the decomposed
// LayerNorm's variance) becomes g·2a.
func vjpPow(c *vjpCtx) error {
	a, b := c.in(0), c.in(1)
	dt := c.dtype(a)
	if c.wants(0) {
		var d string
		if p, ok := scalarValue(c.info(b)); ok {
			switch p {
			case 2:
				d = c.mulScalar(a, dt, 2)
			case 1:
				d = ""
			default:
				d = c.mulScalar(c.op("Pow", []string{a, c.scalar(dt, p-1)}), dt, p)
			}
		} else {
			bf := c.castTo(b, c.dtype(b), dt)
			d = c.mul(bf, c.op("Pow", []string{a, c.sub(bf, c.scalar(dt, 1))}))
		}
		g := c.gy[0]
		if d != "" {
			g = c.mul(g, d)
		}
		c.gx[0] = c.toInput(g, 0)
	}
	if c.wants(1) {
		lnA := c.op("Log", []string{a})
		c.gx[1] = c.toInput(c.mul(c.gy[0], c.mul(c.out(0), lnA)), 1)
	}
	return nil
}

// vjpWhere routes the gradient to the branch each element came from; the condition is not
// differentiable.
func vjpWhere(c *vjpCtx) error {
	zero := c.scalar(c.dtype(c.out(0)), 0)
	if c.wants(1) {
		c.gx[1] = c.toInput(c.op("Where", []string{c.in(0), c.gy[0], zero}), 1)
	}
	if c.wants(2) {
		c.gx[2] = c.toInput(c.op("Where", []string{c.in(0), zero, c.gy[0]}), 2)
	}
	return nil
}

// vjpCast casts the gradient back to the input's float type. Casts to integer types never
// reach here: their outputs are not float, so they stop the active path.
func vjpCast(c *vjpCtx) error {
	c.gx[0] = c.castTo(c.gy[0], c.dtype(c.out(0)), c.dtype(c.in(0)))
	return nil
}

// scalarValue returns the value of a known one-element tensor.
func scalarValue(in *tinfo) (float64, bool) {
	switch {
	case !in.hasVal || numel(in.shape) != 1:
		return 0, false
	case in.floats != nil:
		return in.floats[0], true
	case in.ints != nil:
		return float64(in.ints[0]), true
	}
	return 0, false
}
