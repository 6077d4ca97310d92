package autodiff

import (
	"fmt"
	"math"
)

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(a, rank int64) (int64, error) {
	if a < -rank || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	if a < 0 {
		a += rank
	}
	return a, nil
}

func normAxes(axes []int64, rank int64) ([]int64, error) {
	out := make([]int64, len(axes))
	for i, a := range axes {
		v, err := normAxis(a, rank)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// broadcastShapes applies numpy (multidirectional) broadcasting.
func broadcastShapes(shapes ...[]int64) ([]int64, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int64, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v do not broadcast", shapes)
			}
		}
	}
	return out, nil
}

// broadcastIndex maps each flat index of outShape to the flat index of an input of shape
// in that broadcasts to it.
func broadcastIndex(outShape, in []int64) []int {
	n := int(numel(outShape))
	idx := make([]int, n)
	off := len(outShape) - len(in)
	for flat := 0; flat < n; flat++ {
		rem, src, stride := flat, 0, 1
		for d := len(outShape) - 1; d >= 0; d-- {
			coord := rem % int(outShape[d])
			rem /= int(outShape[d])
			if d >= off {
				if in[d-off] != 1 {
					src += coord * stride
				}
				stride *= int(in[d-off])
			}
		}
		idx[flat] = src
	}
	return idx
}

// intsValue returns the known integer value of a tensor, or an error naming what is missing.
func intsValue(in *tinfo, what string) ([]int64, error) {
	if in == nil || !in.hasVal || in.ints == nil && numel(in.shape) != 0 {
		return nil, fmt.Errorf("%s must be a constant integer tensor (computable at build time)", what)
	}
	return in.ints, nil
}

// floatsValue returns the known value of a float tensor as float64s.
func floatsValue(in *tinfo, what string) ([]float64, error) {
	if in == nil || !in.hasVal {
		return nil, fmt.Errorf("%s must be a constant tensor (computable at build time)", what)
	}
	if in.floats != nil {
		return in.floats, nil
	}
	out := make([]float64, len(in.ints))
	for i, v := range in.ints {
		out[i] = float64(v)
	}
	return out, nil
}

// foldInts evaluates an integer binary op elementwise with broadcasting.
func foldInts(op string, a, b []int64, sa, sb, out []int64) ([]int64, bool) {
	ia, ib := broadcastIndex(out, sa), broadcastIndex(out, sb)
	res := make([]int64, len(ia))
	for i := range res {
		x, y := a[ia[i]], b[ib[i]]
		switch op {
		case "Add":
			res[i] = x + y
		case "Sub":
			res[i] = x - y
		case "Mul":
			res[i] = x * y
		case "Div":
			if y == 0 {
				return nil, false
			}
			res[i] = x / y
		case "Mod":
			if y == 0 {
				return nil, false
			}
			res[i] = x % y
		case "Max":
			res[i] = max(x, y)
		case "Min":
			res[i] = min(x, y)
		case "Equal":
			res[i] = b2i(x == y)
		case "Less":
			res[i] = b2i(x < y)
		case "Greater":
			res[i] = b2i(x > y)
		case "LessOrEqual":
			res[i] = b2i(x <= y)
		case "GreaterOrEqual":
			res[i] = b2i(x >= y)
		case "And":
			res[i] = b2i(x != 0 && y != 0)
		case "Or":
			res[i] = b2i(x != 0 || y != 0)
		default:
			return nil, false
		}
	}
	return res, true
}

// foldFloats evaluates a float binary op elementwise with broadcasting (resize scales and
// similar small constants).
func foldFloats(op string, a, b []float64, sa, sb, out []int64) ([]float64, bool) {
	ia, ib := broadcastIndex(out, sa), broadcastIndex(out, sb)
	res := make([]float64, len(ia))
	for i := range res {
		x, y := a[ia[i]], b[ib[i]]
		switch op {
		case "Add":
			res[i] = x + y
		case "Sub":
			res[i] = x - y
		case "Mul":
			res[i] = x * y
		case "Div":
			res[i] = x / y
		case "Pow":
			res[i] = math.Pow(x, y)
		default:
			return nil, false
		}
	}
	return res, true
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// stridesOf returns row-major strides.
func stridesOf(shape []int64) []int64 {
	st := make([]int64, len(shape))
	s := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}
