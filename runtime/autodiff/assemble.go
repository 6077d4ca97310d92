package autodiff

import (
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// assemble rewrites g into the VJP graph: pinned inputs plus gradient inputs, the requested
// outputs, forward nodes followed by backward nodes, and no node or initializer that the
// outputs do not need (the forward part past the chosen outputs disappears here).
func assemble(g *onnxpb.GraphProto, e *emitter, fg *fwdGraph, st *shapeTable, req Request) error {
	for i, vi := range g.Input {
		if in, ok := st.info[vi.GetName()]; ok {
			g.Input[i] = valueInfo(vi.GetName(), in.dtype, in.shape)
		}
	}
	var outs []*onnxpb.ValueInfoProto
	for _, o := range req.Outputs {
		in := st.info[o]
		g.Input = append(g.Input, valueInfo(GradInputName(o), in.dtype, in.shape))
		if req.KeepForwardOutputs {
			outs = append(outs, valueInfo(o, in.dtype, in.shape))
		}
	}
	for _, x := range req.Wrt {
		in := st.info[x]
		outs = append(outs, valueInfo(GradOutputName(x), in.dtype, in.shape))
	}
	g.Output = outs
	g.Node = pruneNodes(append(append([]*onnxpb.NodeProto{}, fg.nodes...), e.nodes...), outs)
	g.Initializer = pruneInits(append(g.Initializer, e.inits...), g.Node, g.Input)
	g.ValueInfo = nil // shapes changed with pinning; ORT re-infers them
	return nil
}

// pruneNodes keeps the nodes some output depends on, in their original order.
func pruneNodes(nodes []*onnxpb.NodeProto, outs []*onnxpb.ValueInfoProto) []*onnxpb.NodeProto {
	need := map[string]bool{}
	for _, o := range outs {
		need[o.GetName()] = true
	}
	keep := make([]bool, len(nodes))
	for i := len(nodes) - 1; i >= 0; i-- {
		if !anyOutputIn(nodes[i], need) {
			continue
		}
		keep[i] = true
		for _, in := range nodes[i].GetInput() {
			need[in] = true
		}
	}
	var kept []*onnxpb.NodeProto
	for i, n := range nodes {
		if keep[i] {
			kept = append(kept, n)
		}
	}
	return kept
}

// pruneInits drops initializers no kept node reads, except those backing graph inputs.
func pruneInits(inits []*onnxpb.TensorProto, nodes []*onnxpb.NodeProto, inputs []*onnxpb.ValueInfoProto) []*onnxpb.TensorProto {
	used := map[string]bool{}
	for _, n := range nodes {
		for _, in := range n.GetInput() {
			used[in] = true
		}
	}
	for _, vi := range inputs {
		used[vi.GetName()] = true
	}
	var kept []*onnxpb.TensorProto
	for _, t := range inits {
		if used[t.GetName()] {
			kept = append(kept, t)
		}
	}
	return kept
}
