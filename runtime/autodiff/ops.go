package autodiff

import "slices"

// Small emitters for the standard ops the backward rules compose. Every helper emits at the
// model's own opset; Build requires opset ≥ 13, where ReduceSum, Squeeze, Unsqueeze and
// Split take their axes or sizes as inputs.

func (e *emitter) add(a, b string) string { return e.op("Add", []string{a, b}) }
func (e *emitter) sub(a, b string) string { return e.op("Sub", []string{a, b}) }
func (e *emitter) mul(a, b string) string { return e.op("Mul", []string{a, b}) }
func (e *emitter) div(a, b string) string { return e.op("Div", []string{a, b}) }
func (e *emitter) neg(a string) string    { return e.op("Neg", []string{a}) }

// mulScalar multiplies by a constant, skipping the node for 1.
func (e *emitter) mulScalar(a string, dtype int32, v float64) string {
	if v == 1 {
		return a
	}
	return e.mul(a, e.scalar(dtype, v))
}

func (e *emitter) reshape(x string, shape []int64) string {
	return e.op("Reshape", []string{x, e.ints(shape...)})
}

func (e *emitter) transpose(x string, perm []int64) string {
	return e.op("Transpose", []string{x}, intsAttr("perm", perm))
}

// reduceSum sums over axes; no node at all for an empty axes list.
func (e *emitter) reduceSum(x string, axes []int64, keep bool) string {
	if len(axes) == 0 {
		return x
	}
	return e.op("ReduceSum", []string{x, e.ints(axes...)}, intAttr("keepdims", b2i(keep)))
}

// reduceMean is ReduceSum scaled by 1/N: ReduceMean takes axes as an input only from
// opset 18, ReduceSum from 13, so this form works on every opset Build accepts.
func (e *emitter) reduceMean(x string, dtype int32, shape, axes []int64, keep bool) string {
	n := int64(1)
	for _, a := range axes {
		n *= shape[a]
	}
	return e.mulScalar(e.reduceSum(x, axes, keep), dtype, 1/float64(n))
}

// expandTo broadcasts x to shape.
func (e *emitter) expandTo(x string, shape []int64) string {
	return e.op("Expand", []string{x, e.ints(shape...)})
}

// zeros emits a zero tensor of the given type and shape, materialised at run time.
func (e *emitter) zeros(dtype int32, shape []int64) string {
	fill := floatTensor("", dtype, []int64{1}, []float64{0})
	return e.op("ConstantOfShape", []string{e.ints(shape...)}, tensorAttr("value", fill))
}

// sumTo reduces a broadcast gradient g (of shape from) back to shape to: sum over the
// leading axes to lacks and over the axes where to has 1 and from does not, then reshape
// (docs/autodiff.md, "Background", broadcast reduction).
func (e *emitter) sumTo(g string, from, to []int64) string {
	if slices.Equal(from, to) {
		return g
	}
	off := len(from) - len(to)
	var axes []int64
	for i := range from {
		if i < off || to[i-off] == 1 && from[i] != 1 {
			axes = append(axes, int64(i))
		}
	}
	r := e.reduceSum(g, axes, true)
	if len(from) != len(to) {
		r = e.reshape(r, to)
	}
	return r
}

// castTo converts x to dtype when it differs (mixed-precision edges).
func (e *emitter) castTo(x string, from, to int32) string {
	if from == to {
		return x
	}
	return e.op("Cast", []string{x}, intAttr("to", int64(to)))
}
