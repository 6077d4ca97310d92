package autodiff

import (
	"math"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

func in1(s *graphSpec, shape ...int64) string { return s.input("x", shape...) }

// unary builds y = op(x) on a [2,3,4] input.
func unary(op string, attrs ...*onnxpb.AttributeProto) func(s *graphSpec) ([]string, []string) {
	return func(s *graphSpec) ([]string, []string) {
		x := in1(s, 2, 3, 4)
		y := s.op(op, []string{x}, attrs...)
		s.output(y)
		return []string{x}, []string{y}
	}
}

// binary builds y = op(a, b) with the given (broadcasting) shapes.
func binaryOp(op string, sa, sb []int64) func(s *graphSpec) ([]string, []string) {
	return func(s *graphSpec) ([]string, []string) {
		a, b := s.input("a", sa...), s.input("b", sb...)
		y := s.op(op, []string{a, b})
		s.output(y)
		return []string{a, b}, []string{y}
	}
}

func TestElementwiseGradients(t *testing.T) {
	runOpCases(t, []opCase{
		{name: "Add/broadcast", build: binaryOp("Add", []int64{2, 3, 4}, []int64{3, 1}), linear: true},
		{name: "Sub/broadcast", build: binaryOp("Sub", []int64{4}, []int64{2, 3, 4}), linear: true},
		{name: "Mul/broadcast", build: binaryOp("Mul", []int64{2, 3, 4}, []int64{1, 3, 1})},
		{name: "Div/broadcast", build: binaryOp("Div", []int64{2, 3, 4}, []int64{3, 4}), positive: []string{"b"}},
		{name: "Pow/both", build: binaryOp("Pow", []int64{2, 3}, []int64{2, 3}), positive: []string{"a"}},
		{name: "Mul/square-fan-in", build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 3, 5)
			y := s.op("Mul", []string{x, x})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Pow/const2", build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 2, 6)
			y := s.op("Pow", []string{x, s.constF("two", nil, []float64{2})})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Pow/const1.5", positive: []string{"x"}, build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 2, 6)
			y := s.op("Pow", []string{x, s.constF("p", nil, []float64{1.5})})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Pow/int-exponent", build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 2, 6)
			y := s.op("Pow", []string{x, s.ints(3)})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Sum/variadic", build: func(s *graphSpec) ([]string, []string) {
			a, b, c := s.input("a", 2, 3), s.input("b", 3), s.input("c", 2, 1)
			y := s.op("Sum", []string{a, b, c})
			s.output(y)
			return []string{a, b, c}, []string{y}
		}, linear: true},
		{name: "Neg", build: unary("Neg"), linear: true},
		{name: "Identity", build: unary("Identity"), linear: true},
		{name: "Sqrt", build: unary("Sqrt"), positive: []string{"x"}},
		{name: "Log", build: unary("Log"), positive: []string{"x"}},
		{name: "Reciprocal", build: unary("Reciprocal"), positive: []string{"x"}},
		{name: "Exp", build: unary("Exp")},
		{name: "Sigmoid", build: unary("Sigmoid")},
		{name: "Tanh", build: unary("Tanh")},
		{name: "Erf", build: unary("Erf")},
		{name: "Sin", build: unary("Sin")},
		{name: "Cos", build: unary("Cos")},
		{name: "Relu", build: unary("Relu"), awayFromZero: []string{"x"}},
		{name: "Softmax/last", build: unary("Softmax")},
		{name: "Softmax/axis1", build: unary("Softmax", intAttr("axis", 1))},
		{name: "LogSoftmax", build: unary("LogSoftmax", intAttr("axis", -1))},
		{name: "GELU/erf", build: buildGELU},
		{name: "SiLU", build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 2, 8)
			y := s.op("Mul", []string{x, s.op("Sigmoid", []string{x})})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Where/broadcast", build: func(s *graphSpec) ([]string, []string) {
			a, b := s.input("a", 2, 3), s.input("b", 3)
			cond := &onnxpb.TensorProto{Name: "cond", DataType: int32(onnxpb.TensorProto_BOOL), Dims: []int64{2, 3}, Int32Data: []int32{1, 0, 1, 0, 0, 1}}
			s.g.Initializer = append(s.g.Initializer, cond)
			y := s.op("Where", []string{"cond", a, b})
			s.output(y)
			return []string{a, b}, []string{y}
		}, linear: true},
		{name: "Cast/double-roundtrip", build: func(s *graphSpec) ([]string, []string) {
			x := in1(s, 2, 3)
			d := s.op("Cast", []string{x}, intAttr("to", int64(onnxpb.TensorProto_DOUBLE)))
			y := s.op("Cast", []string{s.op("Tanh", []string{d})}, intAttr("to", int64(onnxpb.TensorProto_FLOAT)))
			s.output(y)
			return []string{x}, []string{y}
		}},
	})
}

// buildGELU is exact GELU as torch exports it: x·0.5·(1 + erf(x/√2)).
func buildGELU(s *graphSpec) ([]string, []string) {
	x := in1(s, 2, 8)
	e := s.op("Erf", []string{s.op("Div", []string{x, s.constF("sqrt2", nil, []float64{math.Sqrt2})})})
	p := s.op("Add", []string{e, s.constF("one", nil, []float64{1})})
	y := s.op("Mul", []string{s.op("Mul", []string{x, p}), s.constF("half", nil, []float64{0.5})})
	s.output(y)
	return []string{x}, []string{y}
}
