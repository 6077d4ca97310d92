package autodiff

import (
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Request says what to differentiate.
type Request struct {
	// Wrt are the tensors x to differentiate with respect to: graph inputs (the latent
	// `sample`, `encoder_hidden_states`), initializers (promoted to graph inputs that default
	// to their stored value, e.g. LoRA matrices) or intermediate tensors (the graph is cut
	// there and the tensor becomes a graph input, e.g. CLIP's token embeddings).
	Wrt []string
	// Outputs are the tensors O_i whose weighted sum Σ⟨grad_O_i, O_i⟩ is differentiated: any
	// float tensor of the graph, not only graph outputs (an attention Softmax output, say).
	Outputs []string
	// KeepForwardOutputs also makes every O_i an output of the emitted graph.
	KeepForwardOutputs bool
	// PinnedShapes fixes the dims of graph inputs (batch, height, width, sequence). Every
	// input the differentiated path depends on needs static dims; the emitted graph's inputs
	// carry the pinned shapes.
	PinnedShapes map[string][]int64
}

// GradInputName is the name of the emitted graph's input carrying the upstream gradient of
// forward tensor output: "grad_" + output.
func GradInputName(output string) string { return "grad_" + output }

// GradOutputName is the name of the emitted graph's output carrying ∂/∂wrt: "grad_" + wrt.
func GradOutputName(wrt string) string { return "grad_" + wrt }

// minOpset is the oldest ai.onnx opset Build accepts: from 13 on, ReduceSum, Split,
// Squeeze and Unsqueeze take axes/sizes as inputs and Softmax works on one axis.
const minOpset = 13

// Build returns a new model computing ∂(Σ_i ⟨grad_O_i, O_i⟩)/∂x for every x in req.Wrt.
// Its inputs are the forward graph inputs (with pinned dims), the promoted Wrt tensors, and
// one GradInputName(O_i) per output; its outputs are one GradOutputName(x) per x, preceded by
// the O_i themselves when req.KeepForwardOutputs is set. Forward nodes the result does not
// need are dropped. m is not modified.
//
// Errors: *RequestError for a request that does not fit the model, *ModelError for a model
// the builder cannot read, *UnsupportedOpError for an op on the differentiated path without
// a backward rule. All three report BadInput() == true.
func Build(m *onnxpb.ModelProto, req Request) (*onnxpb.ModelProto, error) {
	if m.GetGraph() == nil {
		return nil, modelErrorf("", "the model has no graph")
	}
	opset := defaultOpset(m)
	if opset < minOpset {
		return nil, modelErrorf("", "ai.onnx opset %d is too old; the VJP builder needs opset ≥ %d — re-export the model at opset 14 or 17", opset, minOpset)
	}
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	out := proto.Clone(m).(*onnxpb.ModelProto)
	if err := promoteWrt(out.Graph, opset, req); err != nil {
		return nil, err
	}
	fg, err := indexGraph(out.Graph, opset)
	if err != nil {
		return nil, err
	}
	st, err := inferShapes(fg, req.PinnedShapes)
	if err != nil {
		return nil, err
	}
	if err := checkExist(fg, req); err != nil {
		return nil, err
	}
	table := ruleTable()
	act := computeActivity(fg, st, table, req.Wrt, req.Outputs)
	if err := checkRules(fg, table, act); err != nil {
		return nil, err
	}
	if err := checkTensors(st, req); err != nil {
		return nil, err
	}
	e := newEmitter(out.Graph, opset)
	if err := runBackward(e, fg, st, table, act, req); err != nil {
		return nil, err
	}
	if err := assemble(out.Graph, e, fg, st, req); err != nil {
		return nil, err
	}
	return out, nil
}

func checkRequest(req Request) error {
	if len(req.Wrt) == 0 || len(req.Outputs) == 0 {
		return requestErrorf("the request needs at least one Wrt tensor and one Outputs tensor")
	}
	seen := map[string]bool{}
	for _, name := range append(append([]string{}, req.Wrt...), req.Outputs...) {
		if name == "" {
			return requestErrorf("empty tensor name in the request")
		}
		if seen[name] {
			return requestErrorf("tensor %q is listed twice in the request (Wrt and Outputs must be distinct)", name)
		}
		seen[name] = true
	}
	return nil
}

// checkExist verifies that every Wrt and Outputs tensor is in the graph.
func checkExist(fg *fwdGraph, req Request) error {
	for _, name := range append(append([]string{}, req.Wrt...), req.Outputs...) {
		_, isIn := fg.inputs[name]
		_, isNode := fg.producer[name]
		if !isIn && !isNode {
			return requestErrorf("tensor %q is not in the model — list the model's inputs and tensors and pick one", name)
		}
	}
	return nil
}

// checkRules reports the first op on the differentiated path that has no backward rule,
// before anything else can fail on it (its shapes are often unknown too).
func checkRules(fg *fwdGraph, table map[string]opRule, act *activity) error {
	for _, idx := range act.nodes {
		n := fg.nodes[idx]
		if _, ok := lookupRule(table, n); !ok {
			return &UnsupportedOpError{Op: n.GetOpType(), Domain: n.GetDomain(), Node: nodeLabel(n, idx)}
		}
	}
	return nil
}

// checkTensors verifies that every Wrt and Outputs tensor is differentiable (float32 or
// float64) and has a static shape.
func checkTensors(st *shapeTable, req Request) error {
	for _, name := range append(append([]string{}, req.Wrt...), req.Outputs...) {
		in, err := st.get(name)
		if err != nil {
			return requestErrorf("tensor %q: %v", name, err)
		}
		if !isDiffType(in.dtype) {
			return requestErrorf("tensor %q has element type %s; only float and double tensors are differentiated", name, dtypeName(in.dtype))
		}
	}
	return nil
}
