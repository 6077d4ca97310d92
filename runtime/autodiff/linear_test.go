package autodiff

import (
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

func TestMatMulGemmGradients(t *testing.T) {
	mm := func(sa, sb []int64) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			a, b := s.input("a", sa...), s.input("b", sb...)
			y := s.op("MatMul", []string{a, b})
			s.output(y)
			return []string{a, b}, []string{y}
		}
	}
	gemm := func(ta, tb int64, sa, sb, sc []int64) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			a, b, c := s.input("a", sa...), s.input("b", sb...), s.input("c", sc...)
			y := s.op("Gemm", []string{a, b, c}, intAttr("transA", ta), intAttr("transB", tb),
				floatAttr("alpha", 0.7), floatAttr("beta", 1.3))
			s.output(y)
			return []string{a, b, c}, []string{y}
		}
	}
	runOpCases(t, []opCase{
		{name: "MatMul/2d", build: mm([]int64{3, 4}, []int64{4, 5})},
		{name: "MatMul/batched-weight2d", build: mm([]int64{2, 3, 4}, []int64{4, 5})},
		{name: "MatMul/batched", build: mm([]int64{2, 3, 3, 4}, []int64{2, 3, 4, 5})},
		{name: "MatMul/broadcast-batch", build: mm([]int64{2, 1, 3, 4}, []int64{3, 4, 2})},
		{name: "MatMul/vector-left", build: mm([]int64{4}, []int64{2, 4, 3})},
		{name: "MatMul/vector-right", build: mm([]int64{2, 3, 4}, []int64{4})},
		{name: "Gemm/nn", build: gemm(0, 0, []int64{3, 4}, []int64{4, 5}, []int64{5})},
		{name: "Gemm/tn", build: gemm(1, 0, []int64{4, 3}, []int64{4, 5}, []int64{3, 1})},
		{name: "Gemm/nt", build: gemm(0, 1, []int64{3, 4}, []int64{5, 4}, []int64{3, 5})},
		{name: "Gemm/tt", build: gemm(1, 1, []int64{4, 3}, []int64{5, 4}, []int64{1})},
	})
}

// TestLinearInOneArgument runs the adjoint test on products differentiated in one operand:
// exact up to float32 rounding, with no step-size error.
func TestLinearInOneArgument(t *testing.T) {
	runOpCases(t, []opCase{
		{name: "MatMul/weight-fixed", linear: true, build: func(s *graphSpec) ([]string, []string) {
			a := s.input("a", 2, 3, 4)
			y := s.op("MatMul", []string{a, s.weight("w", 4, 5)})
			s.output(y)
			return []string{a}, []string{y}
		}},
		{name: "MatMul/weight-wrt", linear: true, build: func(s *graphSpec) ([]string, []string) {
			a := s.input("a", 2, 3, 4)
			w := s.weight("w", 4, 5)
			y := s.op("MatMul", []string{a, w})
			s.output(y)
			return []string{w}, []string{y}
		}},
	})
}

func TestConvGradients(t *testing.T) {
	conv := func(x, w []int64, bias bool, attrs ...*onnxpb.AttributeProto) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			xi := s.input("x", x...)
			wi := s.weight("w", w...)
			ins, wrt := []string{xi, wi}, []string{xi, wi}
			if bias {
				ins = append(ins, s.weight("bias", w[0]))
				wrt = append(wrt, "bias")
			}
			y := s.op("Conv", ins, attrs...)
			s.output(y)
			return wrt, []string{y}
		}
	}
	runOpCases(t, []opCase{
		{name: "k3s1p1", build: conv([]int64{2, 3, 6, 6}, []int64{4, 3, 3, 3}, true, ints("pads", 1, 1, 1, 1))},
		{name: "k3s2p1-even", build: conv([]int64{1, 2, 8, 8}, []int64{3, 2, 3, 3}, true, ints("pads", 1, 1, 1, 1), ints("strides", 2, 2))},
		{name: "k3s2p1-odd", build: conv([]int64{1, 2, 9, 7}, []int64{3, 2, 3, 3}, false, ints("pads", 1, 1, 1, 1), ints("strides", 2, 2))},
		{name: "k1", build: conv([]int64{2, 4, 5, 5}, []int64{6, 4, 1, 1}, true)},
		{name: "dilated-asym", build: conv([]int64{1, 2, 10, 9}, []int64{2, 2, 3, 2}, false, ints("pads", 2, 0, 1, 1), ints("strides", 2, 1), ints("dilations", 2, 2))},
		{name: "k4s3", build: conv([]int64{1, 1, 11, 11}, []int64{2, 1, 4, 4}, false, ints("pads", 1, 2, 0, 1), ints("strides", 3, 3))},
		{name: "same-upper", build: conv([]int64{1, 2, 7, 6}, []int64{2, 2, 3, 3}, false, stringAttr("auto_pad", "SAME_UPPER"), ints("strides", 2, 2))},
		{name: "conv1d", build: conv([]int64{2, 3, 9}, []int64{4, 3, 3}, true, ints("pads", 1, 1))},
	})
	grouped := func(s *graphSpec) ([]string, []string) {
		x := s.input("x", 1, 4, 6, 6)
		y := s.op("Conv", []string{x, s.weight("w", 6, 2, 3, 3)}, intAttr("group", 2), intsAttr("pads", []int64{1, 1, 1, 1}))
		s.output(y)
		return []string{x}, []string{y}
	}
	runOpCases(t, []opCase{{name: "grouped-input", build: grouped, linear: true}})
}

// ints keeps the attribute tables readable.
func ints(name string, v ...int64) *onnxpb.AttributeProto { return intsAttr(name, v) }
