package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Shape functions of the ops that compute: products, convolution, normalisation and
// reductions.

func inferMatMul(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	shape, err := matmulShape(in[0].shape, in[1].shape)
	if err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

// matmulShape follows numpy.matmul: 1-D operands get a dim added and removed again, the
// batch dims broadcast.
func matmulShape(a, b []int64) ([]int64, error) {
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("MatMul of a scalar")
	}
	a2, b2 := a, b
	if len(a) == 1 {
		a2 = []int64{1, a[0]}
	}
	if len(b) == 1 {
		b2 = []int64{b[0], 1}
	}
	if a2[len(a2)-1] != b2[len(b2)-2] {
		return nil, fmt.Errorf("MatMul shapes %v and %v do not match", a, b)
	}
	batch, err := broadcastShapes(a2[:len(a2)-2], b2[:len(b2)-2])
	if err != nil {
		return nil, err
	}
	out := append([]int64{}, batch...)
	if len(a) > 1 {
		out = append(out, a2[len(a2)-2])
	}
	if len(b) > 1 {
		out = append(out, b2[len(b2)-1])
	}
	return out, nil
}

func inferGemm(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	if len(in[0].shape) != 2 || len(in[1].shape) != 2 {
		return nil, fmt.Errorf("Gemm needs 2-D operands, got %v and %v", in[0].shape, in[1].shape)
	}
	m, k := in[0].shape[0], in[0].shape[1]
	if attrInt(n, "transA", 0) != 0 {
		m, k = k, m
	}
	k2, nn := in[1].shape[0], in[1].shape[1]
	if attrInt(n, "transB", 0) != 0 {
		k2, nn = nn, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("Gemm inner dims %d and %d differ", k, k2)
	}
	return []*tinfo{shapeOnly(in[0].dtype, []int64{m, nn})}, nil
}

func inferConv(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	geo, err := convGeometryOf(n, in[0].shape, in[1].shape)
	if err != nil {
		return nil, err
	}
	shape := append([]int64{in[0].shape[0], in[1].shape[0]}, geo.out...)
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

func inferLayerNorm(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axis, err := normAxis(attrInt(n, "axis", -1), r)
	if err != nil {
		return nil, err
	}
	stats := append([]int64{}, in[0].shape...)
	for i := axis; i < r; i++ {
		stats[i] = 1
	}
	st := int32(attrInt(n, "stash_type", 1))
	return []*tinfo{shapeOnly(in[0].dtype, in[0].shape), shapeOnly(st, stats), shapeOnly(st, stats)}, nil
}

// reduceAxes returns the normalised reduced axes of a Reduce* node, or nil with noop=true
// when the node is the identity (empty axes with noop_with_empty_axes).
func reduceAxes(n *onnxpb.NodeProto, in []*tinfo, rank int64) (axes []int64, noop bool, err error) {
	axes, _, err = axesArg(n, in, 1)
	if err != nil {
		return nil, false, err
	}
	if len(axes) == 0 {
		if attrInt(n, "noop_with_empty_axes", 0) != 0 {
			return nil, true, nil
		}
		for i := int64(0); i < rank; i++ {
			axes = append(axes, i)
		}
	}
	axes, err = normAxes(axes, rank)
	return axes, false, err
}

func inferReduce(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axes, noop, err := reduceAxes(n, in, r)
	if err != nil || noop {
		return []*tinfo{shapeOnly(in[0].dtype, in[0].shape)}, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, reducedShape(in[0].shape, axes, attrInt(n, "keepdims", 1) != 0))}, nil
}

func reducedShape(shape, axes []int64, keep bool) []int64 {
	red := make([]bool, len(shape))
	for _, a := range axes {
		red[a] = true
	}
	out := []int64{}
	for i, d := range shape {
		switch {
		case !red[i]:
			out = append(out, d)
		case keep:
			out = append(out, 1)
		}
	}
	return out
}

func inferArg(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), int64(len(in[0].shape)))
	if err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(int32(onnxpb.TensorProto_INT64), reducedShape(in[0].shape, []int64{axis}, attrInt(n, "keepdims", 1) != 0))}, nil
}
