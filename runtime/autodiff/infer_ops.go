package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// inferFn computes the static facts of a node's outputs from its inputs' (in[i] is nil for
// an omitted optional input).
type inferFn func(n *onnxpb.NodeProto, in []*tinfo, opset int64) ([]*tinfo, error)

// inferFunc picks the shape function of an op in the default domain; nil when unknown.
func inferFunc(n *onnxpb.NodeProto) inferFn {
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return nil
	}
	switch op := n.GetOpType(); op {
	case "Identity", "Neg", "Abs":
		return inferPassValue
	case "Sqrt", "Sigmoid", "Tanh", "Exp", "Erf", "Sin", "Cos", "Relu", "Log", "Reciprocal",
		"Floor", "Ceil", "Round", "Sign", "Softmax", "LogSoftmax", "Softplus", "Gelu",
		"LeakyRelu", "Elu", "HardSigmoid", "InstanceNormalization", "Trilu", "Clip",
		"GroupNormalization", "Dropout", "CumSum", "ScatterND", "ScatterElements":
		return inferSameAsFirst
	case "Not", "IsNaN", "IsInf":
		return inferSameBool
	case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Sum", "Mean",
		"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "PRelu":
		return inferBroadcast
	case "Where":
		return inferWhere
	case "Cast":
		return inferCast
	case "Constant":
		return inferConstant
	case "ConstantOfShape":
		return inferConstantOfShape
	case "Shape":
		return inferShapeOp
	case "Size":
		return inferSize
	case "Gather":
		return inferGather
	case "GatherElements":
		return inferGatherElements
	case "Unsqueeze":
		return inferUnsqueeze
	case "Squeeze":
		return inferSqueeze
	case "Concat":
		return inferConcat
	case "Slice":
		return inferSlice
	case "Reshape":
		return inferReshape
	case "Flatten":
		return inferFlatten
	case "Transpose":
		return inferTranspose
	case "Expand":
		return inferExpand
	case "Tile":
		return inferTile
	case "Range":
		return inferRange
	case "MatMul":
		return inferMatMul
	case "Gemm":
		return inferGemm
	case "Conv":
		return inferConv
	case "LayerNormalization":
		return inferLayerNorm
	case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceSumSquare":
		return inferReduce
	case "ArgMax", "ArgMin":
		return inferArg
	case "Split":
		return inferSplit
	case "Resize":
		return inferResize
	case "Pad":
		return inferPad
	}
	return nil
}

func needInputs(in []*tinfo, k int) error {
	if len(in) < k {
		return fmt.Errorf("needs %d inputs, has %d", k, len(in))
	}
	for i := 0; i < k; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

func shapeOnly(dtype int32, shape []int64) *tinfo {
	return &tinfo{dtype: dtype, shape: shape}
}

func inferSameAsFirst(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, in[0].shape)}, nil
}

func inferSameBool(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(int32(onnxpb.TensorProto_BOOL), in[0].shape)}, nil
}

// inferPassValue covers ops whose integer value is cheap to fold (Identity, Neg, Abs).
func inferPassValue(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	out := shapeOnly(in[0].dtype, in[0].shape)
	if in[0].hasVal && in[0].ints != nil {
		out.ints, out.hasVal = make([]int64, len(in[0].ints)), true
		for i, v := range in[0].ints {
			switch {
			case n.GetOpType() == "Neg", n.GetOpType() == "Abs" && v < 0:
				v = -v
			}
			out.ints[i] = v
		}
	} else if in[0].hasVal && n.GetOpType() == "Identity" {
		out.floats, out.hasVal = in[0].floats, true
	}
	return []*tinfo{out}, nil
}

func inferBroadcast(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	if op := n.GetOpType(); len(in) != 2 && op != "Sum" && op != "Mean" && op != "Max" && op != "Min" {
		return nil, fmt.Errorf("%s needs 2 inputs, has %d", op, len(in))
	}
	shapes := make([][]int64, 0, len(in))
	for i, t := range in {
		if t == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
		shapes = append(shapes, t.shape)
	}
	shape, err := broadcastShapes(shapes...)
	if err != nil {
		return nil, err
	}
	dt := in[0].dtype
	switch n.GetOpType() {
	case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor":
		dt = int32(onnxpb.TensorProto_BOOL)
	}
	out := shapeOnly(dt, shape)
	if len(in) == 2 && in[0].hasVal && in[1].hasVal && numel(shape) <= maxFoldElems {
		if in[0].ints != nil && in[1].ints != nil {
			out.ints, out.hasVal = foldInts(n.GetOpType(), in[0].ints, in[1].ints, in[0].shape, in[1].shape, shape)
		} else if in[0].floats != nil && in[1].floats != nil {
			out.floats, out.hasVal = foldFloats(n.GetOpType(), in[0].floats, in[1].floats, in[0].shape, in[1].shape, shape)
		}
	}
	return []*tinfo{out}, nil
}

func inferWhere(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 3); err != nil {
		return nil, err
	}
	shape, err := broadcastShapes(in[0].shape, in[1].shape, in[2].shape)
	if err != nil {
		return nil, err
	}
	out := shapeOnly(in[1].dtype, shape)
	if in[0].hasVal && in[1].hasVal && in[2].hasVal && in[1].ints != nil && in[2].ints != nil && numel(shape) <= maxFoldElems {
		ic, ia, ib := broadcastIndex(shape, in[0].shape), broadcastIndex(shape, in[1].shape), broadcastIndex(shape, in[2].shape)
		out.ints, out.hasVal = make([]int64, len(ic)), true
		for i := range ic {
			out.ints[i] = in[2].ints[ib[i]]
			if in[0].ints[ic[i]] != 0 {
				out.ints[i] = in[1].ints[ia[i]]
			}
		}
	}
	return []*tinfo{out}, nil
}

func inferCast(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	to := int32(attrInt(n, "to", 0))
	out := shapeOnly(to, in[0].shape)
	switch {
	case !in[0].hasVal:
	case isIntType(to) && in[0].ints != nil:
		out.ints, out.hasVal = in[0].ints, true
	case isIntType(to) && in[0].floats != nil:
		out.ints, out.hasVal = make([]int64, len(in[0].floats)), true
		for i, v := range in[0].floats {
			out.ints[i] = int64(v)
		}
	case isFloatType(to):
		if f, err := floatsValue(in[0], "Cast input"); err == nil {
			out.floats, out.hasVal = f, true
		}
	}
	return []*tinfo{out}, nil
}

func inferConstant(n *onnxpb.NodeProto, _ []*tinfo, _ int64) ([]*tinfo, error) {
	for _, a := range n.GetAttribute() {
		switch a.GetName() {
		case "value":
			return []*tinfo{infoFromTensor(a.GetT())}, nil
		case "value_int":
			return []*tinfo{{dtype: int32(onnxpb.TensorProto_INT64), shape: []int64{}, ints: []int64{a.GetI()}, hasVal: true}}, nil
		case "value_ints":
			v := append([]int64{}, a.GetInts()...)
			return []*tinfo{{dtype: int32(onnxpb.TensorProto_INT64), shape: []int64{int64(len(v))}, ints: v, hasVal: true}}, nil
		case "value_float":
			return []*tinfo{{dtype: int32(onnxpb.TensorProto_FLOAT), shape: []int64{}, floats: []float64{float64(a.GetF())}, hasVal: true}}, nil
		case "value_floats":
			v := make([]float64, len(a.GetFloats()))
			for i, f := range a.GetFloats() {
				v[i] = float64(f)
			}
			return []*tinfo{{dtype: int32(onnxpb.TensorProto_FLOAT), shape: []int64{int64(len(v))}, floats: v, hasVal: true}}, nil
		}
	}
	return nil, fmt.Errorf("Constant without a supported value attribute")
}

func inferConstantOfShape(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	shape, err := intsValue(in[0], "ConstantOfShape's shape")
	if err != nil {
		return nil, err
	}
	fill := &tinfo{dtype: int32(onnxpb.TensorProto_FLOAT), floats: []float64{0}, hasVal: true}
	if a := findAttr(n, "value"); a != nil {
		fill = infoFromTensor(a.GetT())
	}
	out := shapeOnly(fill.dtype, append([]int64{}, shape...))
	if k := numel(shape); fill.hasVal && k <= maxFoldElems {
		out.hasVal = true
		for i := int64(0); i < k; i++ {
			if fill.ints != nil {
				out.ints = append(out.ints, fill.ints[0])
			} else {
				out.floats = append(out.floats, fill.floats[0])
			}
		}
	}
	return []*tinfo{out}, nil
}

func inferShapeOp(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	r := int64(len(in[0].shape))
	start, end := attrInt(n, "start", 0), attrInt(n, "end", r)
	start, end = clampShapeBound(start, r), clampShapeBound(end, r)
	v := []int64{}
	if start < end {
		v = append(v, in[0].shape[start:end]...)
	}
	return []*tinfo{{dtype: int32(onnxpb.TensorProto_INT64), shape: []int64{int64(len(v))}, ints: v, hasVal: true}}, nil
}

func clampShapeBound(b, r int64) int64 {
	if b < 0 {
		b += r
	}
	return min(max(b, 0), r)
}

func inferSize(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	return []*tinfo{{dtype: int32(onnxpb.TensorProto_INT64), shape: []int64{}, ints: []int64{numel(in[0].shape)}, hasVal: true}}, nil
}
