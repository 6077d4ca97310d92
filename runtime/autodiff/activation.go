package autodiff

import "math"

// Backward rules for pointwise nonlinearities and Softmax, written with standard ops in
// place of ORT's training-only SigmoidGrad/TanhGrad/SoftmaxGrad_13 (docs/autodiff.md,
// "Background"). They reuse the forward output y where the derivative is cheaper from it.

func (c *vjpCtx) dt() int32 { return c.dtype(c.out(0)) }

func vjpSqrt(c *vjpCtx) error { // d√x = 1/(2√x)
	c.gx[0] = c.div(c.mulScalar(c.gy[0], c.dt(), 0.5), c.out(0))
	return nil
}

func vjpExp(c *vjpCtx) error {
	c.gx[0] = c.mul(c.gy[0], c.out(0))
	return nil
}

func vjpLog(c *vjpCtx) error {
	c.gx[0] = c.div(c.gy[0], c.in(0))
	return nil
}

func vjpReciprocal(c *vjpCtx) error { // d(1/x) = −1/x² = −y²
	y := c.out(0)
	c.gx[0] = c.neg(c.mul(c.gy[0], c.mul(y, y)))
	return nil
}

func vjpSigmoid(c *vjpCtx) error { // σ' = σ(1−σ)
	y := c.out(0)
	c.gx[0] = c.mul(c.gy[0], c.mul(y, c.sub(c.scalar(c.dt(), 1), y)))
	return nil
}

func vjpTanh(c *vjpCtx) error { // tanh' = 1 − y²
	y := c.out(0)
	c.gx[0] = c.mul(c.gy[0], c.sub(c.scalar(c.dt(), 1), c.mul(y, y)))
	return nil
}

func vjpErf(c *vjpCtx) error { // erf'(x) = 2/√π · exp(−x²)
	x := c.in(0)
	e := c.op("Exp", []string{c.neg(c.mul(x, x))})
	c.gx[0] = c.mul(c.mulScalar(c.gy[0], c.dt(), 2/math.Sqrt(math.Pi)), e)
	return nil
}

func vjpSin(c *vjpCtx) error {
	c.gx[0] = c.mul(c.gy[0], c.op("Cos", []string{c.in(0)}))
	return nil
}

func vjpCos(c *vjpCtx) error {
	c.gx[0] = c.neg(c.mul(c.gy[0], c.op("Sin", []string{c.in(0)})))
	return nil
}

func vjpRelu(c *vjpCtx) error {
	zero := c.scalar(c.dt(), 0)
	pos := c.op("Greater", []string{c.in(0), zero})
	c.gx[0] = c.op("Where", []string{pos, c.gy[0], zero})
	return nil
}

// softmaxAxis returns the normalised axis; from opset 13 Softmax works on that one axis.
func (c *vjpCtx) softmaxAxis() (int64, error) {
	r := int64(len(c.shape(c.in(0))))
	a, err := normAxis(attrInt(c.n, "axis", -1), r)
	if err != nil {
		return 0, c.unsupported("%v", err)
	}
	return a, nil
}

// vjpSoftmax: dx = y·(g − Σ_axis g·y).
func vjpSoftmax(c *vjpCtx) error {
	axis, err := c.softmaxAxis()
	if err != nil {
		return err
	}
	y, g := c.out(0), c.gy[0]
	s := c.reduceSum(c.mul(g, y), []int64{axis}, true)
	c.gx[0] = c.mul(y, c.sub(g, s))
	return nil
}

// vjpLogSoftmax: dx = g − exp(y)·Σ_axis g.
func vjpLogSoftmax(c *vjpCtx) error {
	axis, err := c.softmaxAxis()
	if err != nil {
		return err
	}
	y, g := c.out(0), c.gy[0]
	s := c.reduceSum(g, []int64{axis}, true)
	c.gx[0] = c.sub(g, c.mul(c.op("Exp", []string{y}), s))
	return nil
}
