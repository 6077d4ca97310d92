package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Shape functions of the ops that move, join, split and index tensors. Most also fold
// small integer values, since shape plumbing is built from them.

func inferGather(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int64{}, in[0].shape[:axis]...), in[1].shape...), in[0].shape[axis+1:]...)
	out := shapeOnly(in[0].dtype, shape)
	if in[0].hasVal && in[0].ints != nil && in[1].hasVal && numel(shape) <= maxFoldElems {
		out.ints, out.hasVal = gatherInts(in[0].ints, in[0].shape, axis, in[1].ints)
	}
	return []*tinfo{out}, nil
}

// gatherInts evaluates Gather on a known integer tensor (shape plumbing).
func gatherInts(data, shape []int64, axis int64, idx []int64) ([]int64, bool) {
	outer, inner := numel(shape[:axis]), numel(shape[axis+1:])
	dim := shape[axis]
	var res []int64
	for o := int64(0); o < outer; o++ {
		for _, k := range idx {
			if k < 0 {
				k += dim
			}
			if k < 0 || k >= dim {
				return nil, false
			}
			base := (o*dim + k) * inner
			res = append(res, data[base:base+inner]...)
		}
	}
	return res, true
}

// axesArg reads an axes list given as an attribute (old opsets) or as input idx (new ones).
func axesArg(n *onnxpb.NodeProto, in []*tinfo, idx int) ([]int64, bool, error) {
	if len(in) > idx && in[idx] != nil {
		v, err := intsValue(in[idx], "axes")
		return v, true, err
	}
	v, ok := attrInts(n, "axes")
	return v, ok, nil
}

func inferUnsqueeze(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	axes, _, err := axesArg(n, in, 1)
	if err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape) + len(axes))
	axes, err = normAxes(axes, r)
	if err != nil {
		return nil, err
	}
	isNew := make([]bool, r)
	for _, a := range axes {
		isNew[a] = true
	}
	shape, k := make([]int64, 0, r), 0
	for i := int64(0); i < r; i++ {
		if isNew[i] {
			shape = append(shape, 1)
		} else if k < len(in[0].shape) {
			shape = append(shape, in[0].shape[k])
			k++
		}
	}
	if int64(len(shape)) != r {
		return nil, fmt.Errorf("repeated axes %v", axes)
	}
	return []*tinfo{withValueOf(in[0], shape)}, nil
}

// withValueOf keeps the input's value under a new shape (reshape-like ops).
func withValueOf(src *tinfo, shape []int64) *tinfo {
	return &tinfo{dtype: src.dtype, shape: shape, ints: src.ints, floats: src.floats, hasVal: src.hasVal}
}

func inferSqueeze(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	axes, given, err := axesArg(n, in, 1)
	if err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axes, err = normAxes(axes, r)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, r)
	for _, a := range axes {
		drop[a] = true
	}
	shape := []int64{}
	for i, d := range in[0].shape {
		if !given && d == 1 {
			continue
		}
		if drop[i] {
			if d != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", i, d)
			}
			continue
		}
		shape = append(shape, d)
	}
	return []*tinfo{withValueOf(in[0], shape)}, nil
}

func inferConcat(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := append([]int64{}, in[0].shape...)
	shape[axis] = 0
	allVals := true
	for i, t := range in {
		if t == nil || int64(len(t.shape)) != r {
			return nil, fmt.Errorf("input %d is missing or has a different rank", i)
		}
		shape[axis] += t.shape[axis]
		allVals = allVals && t.hasVal && t.ints != nil
	}
	out := shapeOnly(in[0].dtype, shape)
	if allVals && r == 1 {
		out.hasVal, out.ints = true, []int64{}
		for _, t := range in {
			out.ints = append(out.ints, t.ints...)
		}
	}
	return []*tinfo{out}, nil
}

func inferReshape(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	target, err := intsValue(in[1], "Reshape's shape")
	if err != nil {
		return nil, err
	}
	shape, err := resolveReshape(in[0].shape, target, attrInt(n, "allowzero", 0) != 0)
	if err != nil {
		return nil, err
	}
	return []*tinfo{withValueOf(in[0], shape)}, nil
}

// resolveReshape applies Reshape's 0 (copy) and −1 (infer) conventions.
func resolveReshape(src, target []int64, allowZero bool) ([]int64, error) {
	shape := make([]int64, len(target))
	infer, known := -1, int64(1)
	for i, d := range target {
		switch {
		case d == 0 && !allowZero:
			if i >= len(src) {
				return nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", target, i, len(src))
			}
			d = src[i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has two -1 dims", target)
			}
			infer = i
			continue
		case d < 0:
			return nil, fmt.Errorf("shape %v has a negative dim", target)
		}
		shape[i] = d
		known *= d
	}
	total := numel(src)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", src, target)
		}
		shape[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", src, total, target)
	}
	return shape, nil
}

func inferFlatten(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	axis := attrInt(n, "axis", 1)
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis > r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	return []*tinfo{withValueOf(in[0], []int64{numel(in[0].shape[:axis]), numel(in[0].shape[axis:])})}, nil
}

// transposePerm returns the node's perm, defaulting to the reversed axes.
func transposePerm(n *onnxpb.NodeProto, rank int) ([]int64, error) {
	perm, ok := attrInts(n, "perm")
	if !ok {
		perm = make([]int64, rank)
		for i := range perm {
			perm[i] = int64(rank - 1 - i)
		}
	}
	if len(perm) != rank {
		return nil, fmt.Errorf("perm %v does not match rank %d", perm, rank)
	}
	seen := make([]bool, rank)
	for _, p := range perm {
		if p < 0 || p >= int64(rank) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
	}
	return perm, nil
}

func inferTranspose(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	perm, err := transposePerm(n, len(in[0].shape))
	if err != nil {
		return nil, err
	}
	shape := make([]int64, len(perm))
	for i, p := range perm {
		shape[i] = in[0].shape[p]
	}
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

func inferExpand(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	target, err := intsValue(in[1], "Expand's shape")
	if err != nil {
		return nil, err
	}
	shape, err := broadcastShapes(in[0].shape, target)
	if err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

func inferTile(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	reps, err := intsValue(in[1], "Tile's repeats")
	if err != nil || len(reps) != len(in[0].shape) {
		return nil, fmt.Errorf("Tile's repeats must be a constant with one entry per dim")
	}
	shape := make([]int64, len(reps))
	for i, r := range reps {
		shape[i] = in[0].shape[i] * r
	}
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

func inferRange(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 3); err != nil {
		return nil, err
	}
	var v [3]float64
	for i := range v {
		f, err := floatsValue(in[i], "Range's bounds")
		if err != nil || len(f) != 1 {
			return nil, fmt.Errorf("Range's bounds must be constant scalars")
		}
		v[i] = f[0]
	}
	if v[2] == 0 {
		return nil, fmt.Errorf("Range with delta 0")
	}
	count := int64(max(0, ceilDiv(v[1]-v[0], v[2])))
	out := shapeOnly(in[0].dtype, []int64{count})
	if in[0].ints != nil && count <= maxFoldElems {
		out.hasVal = true
		for i := int64(0); i < count; i++ {
			out.ints = append(out.ints, int64(v[0])+i*int64(v[2]))
		}
	}
	return []*tinfo{out}, nil
}

func ceilDiv(a, b float64) float64 {
	q := a / b
	c := float64(int64(q))
	if c < q {
		c++
	}
	return c
}

// splitSizes returns the sizes of a Split node's outputs along its axis.
func splitSizes(n *onnxpb.NodeProto, in []*tinfo) (int64, []int64, error) {
	r := int64(len(in[0].shape))
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return 0, nil, err
	}
	dim, parts := in[0].shape[axis], int64(len(n.GetOutput()))
	sizes, given := attrInts(n, "split")
	if len(in) > 1 && in[1] != nil {
		if sizes, err = intsValue(in[1], "Split's sizes"); err != nil {
			return 0, nil, err
		}
		given = true
	}
	if !given {
		if k := attrInt(n, "num_outputs", 0); k > 0 {
			parts = k
		}
		chunk := (dim + parts - 1) / parts
		sizes = make([]int64, parts)
		for i := range sizes {
			sizes[i] = min(chunk, max(dim-int64(i)*chunk, 0))
		}
	}
	total := int64(0)
	for _, s := range sizes {
		total += s
	}
	if total != dim || len(sizes) != len(n.GetOutput()) {
		return 0, nil, fmt.Errorf("split sizes %v do not cover dim %d with %d outputs", sizes, dim, len(n.GetOutput()))
	}
	return axis, sizes, nil
}

func inferSplit(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	axis, sizes, err := splitSizes(n, in)
	if err != nil {
		return nil, err
	}
	outs := make([]*tinfo, len(sizes))
	for i, s := range sizes {
		shape := append([]int64{}, in[0].shape...)
		shape[axis] = s
		outs[i] = shapeOnly(in[0].dtype, shape)
	}
	return outs, nil
}

func inferPad(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	pads, ok := attrInts(n, "pads")
	if len(in) > 1 && in[1] != nil {
		v, err := intsValue(in[1], "Pad's pads")
		if err != nil {
			return nil, err
		}
		pads, ok = v, true
	}
	r := len(in[0].shape)
	if !ok || len(pads) != 2*r || len(in) > 3 && in[3] != nil {
		return nil, fmt.Errorf("Pad needs constant pads for every axis")
	}
	shape := make([]int64, r)
	for i := range shape {
		shape[i] = in[0].shape[i] + pads[i] + pads[r+i]
	}
	return []*tinfo{shapeOnly(in[0].dtype, shape)}, nil
}

// inferGatherElements: the output has the indices' shape.
func inferGatherElements(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, in[1].shape)}, nil
}
