package onnxgraph

import (
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// unknownElem marks an element of a partly constant shape tensor whose value is computed at
// run time (a batch size taken from Shape).
const unknownElem = math.MinInt64

// constInts evaluates a small integer value when the graph fixes it: an initializer, a
// Constant node, or Concat/Unsqueeze/Squeeze/Cast/Identity of those. Torch exports with
// dynamic axes build Reshape shapes as Concat(Unsqueeze(Gather(Shape(x))), Constant(heads), …),
// so single run-time elements become unknownElem instead of failing the whole value.
func (m *Model) constInts(name string, producers map[string]*onnxpb.NodeProto, depth int) ([]int64, bool) {
	if depth > 8 {
		return nil, false
	}
	if t := m.Initializer(name); t != nil {
		return m.initializerInts(t)
	}
	n := producers[name]
	if n == nil || normDomain(n.GetDomain()) != "" {
		return nil, false
	}
	switch n.GetOpType() {
	case "Constant":
		return constantInts(n)
	case "Identity", "Cast", "Squeeze":
		return m.constInts(n.GetInput()[0], producers, depth+1)
	case "Unsqueeze":
		v, ok := m.constInts(n.GetInput()[0], producers, depth+1)
		if !ok {
			return []int64{unknownElem}, true // Unsqueeze of a run-time scalar: one element
		}
		return v, true
	case "Concat":
		var out []int64
		for _, in := range n.GetInput() {
			v, ok := m.constInts(in, producers, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v...)
		}
		return out, true
	}
	return nil, false
}

// initializerInts decodes an integer initializer, refusing anything large (weights).
func (m *Model) initializerInts(t *onnxpb.TensorProto) ([]int64, bool) {
	if len(t.GetDims()) > 1 || (len(t.GetDims()) == 1 && t.GetDims()[0] > 16) || isExternal(t) {
		return nil, false
	}
	td, err := m.ReadInitializer(t.GetName())
	if err != nil {
		return nil, false
	}
	v, err := td.Int64s()
	return v, err == nil
}

func constantInts(n *onnxpb.NodeProto) ([]int64, bool) {
	for _, a := range n.GetAttribute() {
		switch a.GetName() {
		case "value":
			td, err := TensorValue(a.GetT())
			if err != nil {
				return nil, false
			}
			v, err := td.Int64s()
			return v, err == nil
		case "value_ints":
			return a.GetInts(), true
		case "value_int":
			return []int64{a.GetI()}, true
		}
	}
	return nil, false
}
