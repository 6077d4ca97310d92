package autodiff

import "github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"

// activity marks the sub-graph that is differentiated (as ORT's gradient_graph_builder.cc
// BFSWithStopGradient; docs/autodiff.md): a tensor is active when it is forward-reachable from some
// x through differentiable edges and float-typed, and backward-reachable from some chosen output.
// Integer and bool tensors, shape plumbing, and float branches that do not depend on x (the
// timestep embedding when x = sample, the attention scale computed from Shape) are never active.
type activity struct {
	tensor map[string]bool
	nodes  []int // indices into fwdGraph.nodes, topological order
}

func computeActivity(fg *fwdGraph, st *shapeTable, table map[string]opRule, wrt, outputs []string) *activity {
	fwd := map[string]bool{}
	for _, x := range wrt {
		fwd[x] = true
	}
	for _, n := range fg.nodes {
		if !anyDiffInput(n, table, fwd) {
			continue
		}
		for _, o := range n.GetOutput() {
			if o != "" && mayCarryGradient(st, o) {
				fwd[o] = true
			}
		}
	}
	bwd := map[string]bool{}
	for _, o := range outputs {
		bwd[o] = true
	}
	for i := len(fg.nodes) - 1; i >= 0; i-- {
		n := fg.nodes[i]
		if !anyOutputIn(n, bwd) {
			continue
		}
		rule, known := lookupRule(table, n)
		for k, in := range n.GetInput() {
			if in != "" && (!known || rule.isDiff(k)) {
				bwd[in] = true
			}
		}
	}
	act := &activity{tensor: map[string]bool{}}
	for t := range fwd {
		if bwd[t] {
			act.tensor[t] = true
		}
	}
	for i, n := range fg.nodes {
		if anyDiffInput(n, table, act.tensor) && anyOutputIn(n, act.tensor) {
			act.nodes = append(act.nodes, i)
		}
	}
	return act
}

// mayCarryGradient: float tensors carry gradients; a tensor whose type is unknown is
// assumed to, so an unknown op on the path is reported rather than silently skipped.
func mayCarryGradient(st *shapeTable, name string) bool {
	in, ok := st.info[name]
	return !ok || isFloatType(in.dtype)
}

// anyDiffInput reports whether some differentiable input of n is in set. Ops without a rule
// count every input as differentiable, so they are caught when they sit on the path.
func anyDiffInput(n *onnxpb.NodeProto, table map[string]opRule, set map[string]bool) bool {
	rule, known := lookupRule(table, n)
	for k, in := range n.GetInput() {
		if in != "" && set[in] && (!known || rule.isDiff(k)) {
			return true
		}
	}
	return false
}

func anyOutputIn(n *onnxpb.NodeProto, set map[string]bool) bool {
	for _, o := range n.GetOutput() {
		if o != "" && set[o] {
			return true
		}
	}
	return false
}
