package autodiff

import (
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// chain builds y = op(x, extra…) on an input of the given shape and differentiates y.
func chain(shape []int64, op string, extra func(s *graphSpec) []string, attrs ...*onnxpb.AttributeProto) func(s *graphSpec) ([]string, []string) {
	return func(s *graphSpec) ([]string, []string) {
		x := s.input("x", shape...)
		ins := []string{x}
		if extra != nil {
			ins = append(ins, extra(s)...)
		}
		y := s.op(op, ins, attrs...)
		s.output(y)
		return []string{x}, []string{y}
	}
}

func consts(vals ...[]int64) func(s *graphSpec) []string {
	return func(s *graphSpec) []string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = s.ints(v...)
		}
		return out
	}
}

const intMax = int64(1<<63 - 1)

func TestShapeOpGradients(t *testing.T) {
	runOpCases(t, []opCase{
		{name: "Reshape", linear: true, build: chain([]int64{2, 3, 4}, "Reshape", consts([]int64{0, -1, 2}))},
		{name: "Flatten", linear: true, build: chain([]int64{2, 3, 4}, "Flatten", nil, intAttr("axis", 2))},
		{name: "Squeeze", linear: true, build: chain([]int64{2, 1, 4}, "Squeeze", consts([]int64{1}))},
		{name: "Unsqueeze", linear: true, build: chain([]int64{2, 4}, "Unsqueeze", consts([]int64{0, -1}))},
		{name: "Transpose", linear: true, build: chain([]int64{2, 3, 4}, "Transpose", nil, ints("perm", 2, 0, 1))},
		{name: "Transpose/default", linear: true, build: chain([]int64{2, 3, 4}, "Transpose", nil)},
		{name: "Expand", linear: true, build: chain([]int64{3, 1}, "Expand", consts([]int64{2, 3, 4}))},
		{name: "Slice/neg-and-max", linear: true, build: chain([]int64{4, 6}, "Slice", consts([]int64{-3, 1}, []int64{intMax, 5}, []int64{1, 0}))},
		{name: "Slice/geglu-halves", build: func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 3, 8)
			a := s.op("Slice", []string{x, s.ints(0), s.ints(4), s.ints(-1)})
			b := s.op("Slice", []string{x, s.ints(4), s.ints(8), s.ints(-1)})
			y := s.op("Mul", []string{a, s.op("Erf", []string{b})})
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Pad", linear: true, build: chain([]int64{2, 3}, "Pad", consts([]int64{1, 0, 2, 3}))},
		{name: "Concat", linear: true, build: func(s *graphSpec) ([]string, []string) {
			a, b := s.input("a", 2, 3), s.input("b", 2, 5)
			y := s.op("Concat", []string{a, s.weight("w", 2, 1), b}, intAttr("axis", 1))
			s.output(y)
			return []string{a, b}, []string{y}
		}},
		{name: "Split/one-unused", linear: true, build: func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 7)
			parts := s.opN("Split", []string{x, s.ints(2, 4, 1)}, 3, intAttr("axis", 1))
			y := s.op("Concat", []string{parts[2], parts[0]}, intAttr("axis", 1))
			s.output(y)
			return []string{x}, []string{y}
		}},
		{name: "Split/equal", build: func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 4, 3)
			parts := s.opN("Split", []string{x}, 2)
			y := s.op("Mul", []string{parts[0], parts[1]})
			s.output(y)
			return []string{x}, []string{y}
		}},
	})
}

func TestGatherGradients(t *testing.T) {
	idx := tensor{shape: []int64{2, 3}, i64: []int64{4, 0, 4, -1, 2, 2}}
	runOpCases(t, []opCase{
		{name: "embedding-table", linear: true, fixed: map[string]tensor{"ids": idx}, build: func(s *graphSpec) ([]string, []string) {
			ids := s.inputInt("ids", 2, 3)
			y := s.op("Gather", []string{s.weight("table", 5, 4), ids})
			s.output(y)
			return []string{"table"}, []string{y}
		}},
		{name: "axis1-scalar", linear: true, build: func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 2, 5, 3)
			k := &onnxpb.TensorProto{Name: "k", DataType: int32(onnxpb.TensorProto_INT64), Int64Data: []int64{-2}}
			s.g.Initializer = append(s.g.Initializer, k)
			y := s.op("Gather", []string{x, "k"}, intAttr("axis", 1))
			s.output(y)
			return []string{x}, []string{y}
		}},
	})
}

func TestResizeGradients(t *testing.T) {
	resize := func(shape []int64, scales []float64, sizes []int64, attrs ...*onnxpb.AttributeProto) func(s *graphSpec) ([]string, []string) {
		return func(s *graphSpec) ([]string, []string) {
			x := s.input("x", shape...)
			ins := []string{x, ""}
			if scales != nil {
				ins = append(ins, s.constF("scales", []int64{int64(len(scales))}, scales))
			} else {
				ins = append(ins, "", s.ints(sizes...))
			}
			y := s.op("Resize", ins, append(attrs, stringAttr("mode", "nearest"))...)
			s.output(y)
			return []string{x}, []string{y}
		}
	}
	torch := []*onnxpb.AttributeProto{stringAttr("coordinate_transformation_mode", "asymmetric"), stringAttr("nearest_mode", "floor")}
	runOpCases(t, []opCase{
		{name: "torch-x2", linear: true, build: resize([]int64{1, 2, 3, 4}, []float64{1, 1, 2, 2}, nil, torch...)},
		{name: "half-pixel-x2", linear: true, build: resize([]int64{1, 2, 3, 4}, []float64{1, 1, 2, 2}, nil)},
		{name: "sizes-3to5", linear: true, build: resize([]int64{1, 1, 3, 4}, nil, []int64{1, 1, 5, 7})},
		{name: "align-corners-down", linear: true, build: resize([]int64{1, 1, 6, 5}, nil, []int64{1, 1, 4, 3},
			stringAttr("coordinate_transformation_mode", "align_corners"), stringAttr("nearest_mode", "round_prefer_ceil"))},
	})
}
