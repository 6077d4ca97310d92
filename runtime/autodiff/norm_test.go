package autodiff

import "testing"

// buildGroupNorm is torch's GroupNorm export: Reshape → InstanceNormalization(scale 1,
// bias 0) → Reshape(Shape(x)) → Mul γ → Add β.
func buildGroupNorm(s *graphSpec) ([]string, []string) {
	x := s.input("x", 2, 4, 3, 3)
	r := s.op("Reshape", []string{x, s.ints(0, 2, -1)})
	in := s.op("InstanceNormalization", []string{r, s.constF("ones", []int64{2}, []float64{1, 1}), s.constF("zeros", []int64{2}, []float64{0, 0})},
		floatAttr("epsilon", 1e-5))
	back := s.op("Reshape", []string{in, s.op("Shape", []string{x})})
	y := s.op("Add", []string{s.op("Mul", []string{back, s.weight("gamma", 4, 1, 1)}), s.weight("beta", 4, 1, 1)})
	s.output(y)
	return []string{x, "gamma", "beta"}, []string{y}
}

// buildDecomposedLayerNorm is LayerNorm as the opset-14 exporter writes it.
func buildDecomposedLayerNorm(s *graphSpec) ([]string, []string) {
	x := s.input("x", 2, 3, 8)
	mu := s.op("ReduceMean", []string{x}, ints("axes", -1))
	xc := s.op("Sub", []string{x, mu})
	v := s.op("ReduceMean", []string{s.op("Pow", []string{xc, s.constF("two", nil, []float64{2})})}, ints("axes", -1))
	d := s.op("Sqrt", []string{s.op("Add", []string{v, s.constF("eps", nil, []float64{1e-5})})})
	n := s.op("Div", []string{xc, d})
	y := s.op("Add", []string{s.op("Mul", []string{n, s.weight("gamma", 8)}), s.weight("beta", 8)})
	s.output(y)
	return []string{x, "gamma", "beta"}, []string{y}
}

func TestNormGradients(t *testing.T) {
	layerNorm := func(axis int64, ps []int64) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 3, 8)
			y := s.op("LayerNormalization", []string{x, s.weight("scale", ps...), s.weight("bias", ps...)}, intAttr("axis", axis), floatAttr("epsilon", 1e-5))
			s.output(y)
			return []string{x, "scale", "bias"}, []string{y}
		}
	}
	runOpCases(t, []opCase{
		{name: "InstanceNorm", build: func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 3, 4, 5)
			y := s.op("InstanceNormalization", []string{x, s.weight("scale", 3), s.weight("bias", 3)}, floatAttr("epsilon", 1e-5))
			s.output(y)
			return []string{x, "scale", "bias"}, []string{y}
		}},
		{name: "GroupNorm-pattern", build: buildGroupNorm},
		{name: "LayerNorm-decomposed", build: buildDecomposedLayerNorm, opsets: []int64{14}},
		{name: "LayerNormalization/last", build: layerNorm(-1, []int64{8}), opsets: []int64{17}},
		{name: "LayerNormalization/axis1", build: layerNorm(1, []int64{3, 8}), opsets: []int64{17}},
	})
}

func TestReduceGradients(t *testing.T) {
	red := func(op string, axesInput bool, axes []int64, keep int64) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 3, 4)
			var y string
			if axesInput {
				y = s.op(op, []string{x, s.ints(axes...)}, intAttr("keepdims", keep))
			} else {
				y = s.op(op, []string{x}, ints("axes", axes...), intAttr("keepdims", keep))
			}
			s.output(y)
			return []string{x}, []string{y}
		}
	}
	runOpCases(t, []opCase{
		{name: "ReduceSum/keep", build: red("ReduceSum", true, []int64{1}, 1), linear: true},
		{name: "ReduceSum/drop", build: red("ReduceSum", true, []int64{0, -1}, 0), linear: true},
		{name: "ReduceSum/all", build: red("ReduceSum", true, nil, 1), linear: true},
		{name: "ReduceMean/keep", build: red("ReduceMean", false, []int64{2}, 1), linear: true},
		{name: "ReduceMean/drop", build: red("ReduceMean", false, []int64{0, 2}, 0), linear: true},
	})
}
