package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// shapeTable holds the static facts about every tensor of the forward graph. A tensor the
// builder could not resolve has no info, only a reason; that is an error only if the
// backward actually needs it (lazy, so unsupported ops off the path cost nothing).
type shapeTable struct {
	info map[string]*tinfo
	why  map[string]string
}

func (st *shapeTable) get(name string) (*tinfo, error) {
	if in, ok := st.info[name]; ok {
		return in, nil
	}
	if w, ok := st.why[name]; ok {
		return nil, fmt.Errorf("the static shape of tensor %q is unknown: %s", name, w)
	}
	return nil, fmt.Errorf("tensor %q is not in the graph", name)
}

// inferShapes propagates dtypes, static shapes and small constant values through the graph
// in topological order, starting from the (pinned) graph inputs and the initializers.
func inferShapes(fg *fwdGraph, pins map[string][]int64) (*shapeTable, error) {
	st := &shapeTable{info: map[string]*tinfo{}, why: map[string]string{}}
	for name, t := range fg.inits {
		st.info[name] = infoFromTensor(t)
	}
	for _, vi := range fg.g.GetInput() {
		if err := st.addInput(vi, pins, fg.inits); err != nil {
			return nil, err
		}
	}
	declared := declaredInfos(fg.g)
	for i, n := range fg.nodes {
		st.inferNode(n, i, fg.opset, declared)
	}
	return st, nil
}

// addInput records a graph input, replacing its dims with the pinned ones. A symbolic dim
// that is not pinned leaves the input unknown; that is reported only if the input matters.
func (st *shapeTable) addInput(vi *onnxpb.ValueInfoProto, pins map[string][]int64, inits map[string]*onnxpb.TensorProto) error {
	name := vi.GetName()
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		st.why[name] = "it is not a tensor input"
		return nil
	}
	dims := tt.GetShape().GetDim()
	shape := make([]int64, len(dims))
	var symbolic string
	for i, d := range dims {
		shape[i] = d.GetDimValue()
		if _, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); !ok {
			symbolic = fmt.Sprintf("dim %d (%q)", i, d.GetDimParam())
		}
	}
	if pin, ok := pins[name]; ok {
		if err := checkPin(name, pin, dims, tt.GetShape() != nil); err != nil {
			return err
		}
		shape, symbolic = append([]int64{}, pin...), ""
	}
	if _, ok := inits[name]; ok && (symbolic != "" || tt.GetShape() == nil) {
		return nil // an overridable initializer: its own dims stand
	}
	if tt.GetShape() == nil {
		st.why[name] = fmt.Sprintf("graph input %q has no shape — pin it in Request.PinnedShapes", name)
		return nil
	}
	if symbolic != "" {
		st.why[name] = fmt.Sprintf("graph input %q has symbolic %s — pin it in Request.PinnedShapes", name, symbolic)
		return nil
	}
	st.info[name] = &tinfo{dtype: tt.GetElemType(), shape: shape}
	return nil
}

// declaredInfos collects value_info and graph outputs with fully static shapes: the fallback
// for nodes the builder cannot infer itself (contrib ops off the differentiated path).
func declaredInfos(g *onnxpb.GraphProto) map[string]*tinfo {
	out := map[string]*tinfo{}
	for _, list := range [][]*onnxpb.ValueInfoProto{g.GetValueInfo(), g.GetOutput()} {
		for _, vi := range list {
			tt := vi.GetType().GetTensorType()
			if tt == nil || tt.GetShape() == nil {
				continue
			}
			shape, ok := []int64{}, true
			for _, d := range tt.GetShape().GetDim() {
				_, isVal := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue)
				ok = ok && isVal
				shape = append(shape, d.GetDimValue())
			}
			if ok {
				out[vi.GetName()] = &tinfo{dtype: tt.GetElemType(), shape: shape}
			}
		}
	}
	return out
}

func (st *shapeTable) inferNode(n *onnxpb.NodeProto, idx int, opset int64, declared map[string]*tinfo) {
	label := nodeLabel(n, idx)
	ins := make([]*tinfo, len(n.GetInput()))
	for i, name := range n.GetInput() {
		if name == "" {
			continue
		}
		in, ok := st.info[name]
		if !ok {
			// Downstream tensors inherit the root cause, so the message stays one line.
			why, known := st.why[name]
			if !known {
				why = fmt.Sprintf("node %q reads tensor %q, which nothing produces", label, name)
			}
			st.markUnknown(n, declared, why)
			return
		}
		ins[i] = in
	}
	fn := inferFunc(n)
	if fn == nil {
		st.markUnknown(n, declared, fmt.Sprintf("node %q has op %s, which the builder does not know", label, n.GetOpType()))
		return
	}
	outs, err := safeInfer(fn, n, ins, opset)
	if err != nil {
		st.markUnknown(n, declared, fmt.Sprintf("node %q (%s): %v", label, n.GetOpType(), err))
		return
	}
	for i, name := range n.GetOutput() {
		if name == "" {
			continue
		}
		if i < len(outs) && outs[i] != nil {
			st.info[name] = outs[i]
		} else {
			st.why[name] = fmt.Sprintf("node %q (%s) output %d is not inferred", label, n.GetOpType(), i)
		}
	}
}

// safeInfer turns a malformed node (index out of range in an attribute, say) into an error:
// the model is outside input and must never panic the builder.
func safeInfer(fn inferFn, n *onnxpb.NodeProto, ins []*tinfo, opset int64) (outs []*tinfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			outs, err = nil, fmt.Errorf("malformed node: %v", r)
		}
	}()
	return fn(n, ins, opset)
}

func (st *shapeTable) markUnknown(n *onnxpb.NodeProto, declared map[string]*tinfo, why string) {
	for _, o := range n.GetOutput() {
		if o == "" {
			continue
		}
		if d, ok := declared[o]; ok {
			st.info[o] = d
		} else {
			st.why[o] = why
		}
	}
}

// checkPin rejects a pinned shape that cannot describe the input: wrong rank, a dim below 1,
// or a value that contradicts a fixed dim of the model.
func checkPin(name string, pin []int64, dims []*onnxpb.TensorShapeProto_Dimension, hasShape bool) error {
	if hasShape && len(pin) != len(dims) {
		return requestErrorf("PinnedShapes[%q] has rank %d but the input has rank %d — give one value per dim", name, len(pin), len(dims))
	}
	for i, p := range pin {
		if p < 1 {
			return requestErrorf("PinnedShapes[%q] dim %d is %d — pinned dims must be ≥ 1", name, i, p)
		}
		if hasShape {
			if v, fixed := dims[i].GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); fixed && v.DimValue != p {
				return requestErrorf("PinnedShapes[%q] dim %d is %d but the model fixes it to %d", name, i, p, v.DimValue)
			}
		}
	}
	return nil
}
