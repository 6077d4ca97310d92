package autodiff

import (
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// promoteWrt makes every Wrt tensor a graph input. An initializer keeps its stored value as
// the input's default (ONNX IR ≥ 4), so feeding it is optional; otherwise ORT's constant
// folding could precompute the nodes that depend on it (docs/autodiff.md, "Background"). An
// intermediate tensor cuts the graph: its producer's output is renamed and left to dead-code
// elimination, and the tensor becomes an input the caller must feed.
func promoteWrt(g *onnxpb.GraphProto, opset int64, req Request) error {
	isInput := map[string]bool{}
	for _, vi := range g.GetInput() {
		isInput[vi.GetName()] = true
	}
	inits := map[string]*onnxpb.TensorProto{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = t
	}
	var cutInfos *shapeTable
	for _, x := range req.Wrt {
		switch {
		case isInput[x]:
		case inits[x] != nil:
			t := inits[x]
			g.Input = append(g.Input, valueInfo(x, t.GetDataType(), t.GetDims()))
		default:
			if cutInfos == nil {
				fg, err := indexGraph(g, opset)
				if err != nil {
					return err
				}
				if cutInfos, err = inferShapes(fg, req.PinnedShapes); err != nil {
					return err
				}
			}
			if err := cutAt(g, x, cutInfos); err != nil {
				return err
			}
		}
	}
	return nil
}

// cutAt turns intermediate tensor x into a graph input.
func cutAt(g *onnxpb.GraphProto, x string, st *shapeTable) error {
	for _, n := range g.GetNode() {
		for i, o := range n.GetOutput() {
			if o != x {
				continue
			}
			in, err := st.get(x)
			if err != nil {
				return requestErrorf("cannot cut the graph at Wrt tensor %q: %v", x, err)
			}
			n.Output[i] = x + "/vjp_cut"
			g.Input = append(g.Input, valueInfo(x, in.dtype, in.shape))
			return nil
		}
	}
	return requestErrorf("Wrt tensor %q is not in the model — list the model's inputs and tensors and pick one", x)
}

// valueInfo describes a tensor with a fully static shape.
func valueInfo(name string, dtype int32, shape []int64) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: dtype, Shape: &onnxpb.TensorShapeProto{Dim: dims}}}}}
}
