package runtime

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// noiseOutput is the UNet output every SD export declares first (Optimum: out_sample).
func noiseOutput(m *onnxgraph.Model) string { return m.Graph().GetOutput()[0].GetName() }

// addMapOutputs exposes each selected attention probability tensor as a float32 graph
// output. The Softmax output is [B, heads, Lq, Lk] (SDPA export) or [B·heads, Lq, Lk] with
// batch-major rows (diffusers attention_processor.py, Attention.head_to_batch_dim); both reshape to
// [B, heads, Lq, Lk]. Unless raw, a ReduceMean over the heads follows in-graph, so a map
// costs Lq·Lk values per row instead of heads·Lq·Lk. keys is the text length for
// cross-attention (77). keepNoise keeps the noise prediction as the first output (SAG needs
// both); otherwise the maps are the only outputs and the graph is pruned to what they need,
// which drops every block after the last chosen layer.
func addMapOutputs(m *onnxgraph.Model, sel []onnxgraph.Attention, keys int, raw, keepNoise bool) ([]AttentionMap, error) {
	opset := m.Opset()
	var outs []*onnxpb.ValueInfoProto
	if keepNoise {
		outs = append(outs, m.Graph().GetOutput()[0])
	}
	maps := make([]AttentionMap, len(sel))
	for i, a := range sel {
		lk := keys
		if a.Kind == onnxgraph.KindSelf {
			lk = a.Height * a.Width
		}
		am := AttentionMap{Path: a.Path, Output: fmt.Sprintf("nudge_attention_%d", i), Heads: a.Heads,
			Height: a.Height, Width: a.Width, Keys: lk, Raw: raw}
		if err := addMapNodes(m, a.Output, am, opset); err != nil {
			return nil, err
		}
		dims := []int64{-1, int64(am.Height * am.Width), int64(lk)}
		if raw {
			dims = []int64{-1, int64(am.Heads), int64(am.Height * am.Width), int64(lk)}
		}
		outs = append(outs, onnxgraph.NewValueInfo(am.Output, onnxpb.TensorProto_FLOAT, dims))
		maps[i] = am
	}
	g := m.Graph()
	g.Output = outs
	g.Node = pruneToOutputs(g.GetNode(), outs)
	kept := pruneInitializers(g.GetInitializer(), g.GetNode())
	dropInputs(g, g.GetInitializer(), kept)
	g.Initializer = kept
	return maps, nil
}

// addMapNodes appends Reshape → (ReduceMean over heads) → Cast(float32) for one map.
func addMapNodes(m *onnxgraph.Model, softmax string, am AttentionMap, opset int64) error {
	prefix := "/nudge/" + am.Output
	shape := prefix + "/shape"
	if err := m.AddInitializer(onnxgraph.TensorInt64(shape, []int64{4},
		[]int64{-1, int64(am.Heads), int64(am.Height * am.Width), int64(am.Keys)})); err != nil {
		return err
	}
	heads := prefix + "/heads"
	nodes := []*onnxpb.NodeProto{onnxgraph.NewNode("Reshape", prefix+"/Reshape", []string{softmax, shape}, []string{heads})}
	last := heads
	if !am.Raw {
		mean := prefix + "/head_mean"
		nodes = append(nodes, reduceMeanNode(m, prefix, heads, mean, opset))
		last = mean
	}
	nodes = append(nodes, onnxgraph.NewNode("Cast", prefix+"/Cast", []string{last}, []string{am.Output},
		onnxgraph.AttrInt("to", int64(onnxpb.TensorProto_FLOAT))))
	for _, n := range nodes {
		if err := m.AddNode(n); err != nil {
			return err
		}
	}
	return nil
}

// reduceMeanNode averages axis 1 away; ReduceMean takes its axes as an input from opset 18.
func reduceMeanNode(m *onnxgraph.Model, prefix, in, out string, opset int64) *onnxpb.NodeProto {
	keep := onnxgraph.AttrInt("keepdims", 0)
	if opset < 18 {
		return onnxgraph.NewNode("ReduceMean", prefix+"/ReduceMean", []string{in}, []string{out}, onnxgraph.AttrInts("axes", 1), keep)
	}
	axes := prefix + "/axes"
	// The name is new, so AddInitializer cannot fail here.
	_ = m.AddInitializer(onnxgraph.TensorInt64(axes, []int64{1}, []int64{1}))
	return onnxgraph.NewNode("ReduceMean", prefix+"/ReduceMean", []string{in, axes}, []string{out}, keep)
}

// pruneToOutputs keeps the nodes some output depends on, in their original order.
func pruneToOutputs(nodes []*onnxpb.NodeProto, outs []*onnxpb.ValueInfoProto) []*onnxpb.NodeProto {
	need := map[string]bool{}
	for _, o := range outs {
		need[o.GetName()] = true
	}
	keep := make([]bool, len(nodes))
	for i := len(nodes) - 1; i >= 0; i-- {
		for _, o := range nodes[i].GetOutput() {
			if need[o] {
				keep[i] = true
			}
		}
		if keep[i] {
			for _, in := range nodes[i].GetInput() {
				need[in] = true
			}
			markSubgraphInputs(nodes[i], need)
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

// markSubgraphInputs marks the outer values an If/Loop body reads, which are not node inputs.
func markSubgraphInputs(n *onnxpb.NodeProto, need map[string]bool) {
	for _, a := range n.GetAttribute() {
		for _, g := range append([]*onnxpb.GraphProto{a.GetG()}, a.GetGraphs()...) {
			for _, sn := range g.GetNode() {
				for _, in := range sn.GetInput() {
					need[in] = true
				}
				markSubgraphInputs(sn, need)
			}
		}
	}
}

// dropInputs removes graph inputs that named a pruned initializer (IR < 4 models list every
// initializer among the inputs, and a leftover one would become a required feed).
func dropInputs(g *onnxpb.GraphProto, before, after []*onnxpb.TensorProto) {
	gone := map[string]bool{}
	for _, t := range before {
		gone[t.GetName()] = true
	}
	for _, t := range after {
		delete(gone, t.GetName())
	}
	var ins []*onnxpb.ValueInfoProto
	for _, vi := range g.GetInput() {
		if !gone[vi.GetName()] {
			ins = append(ins, vi)
		}
	}
	g.Input = ins
}

// pruneInitializers drops initializers no kept node reads.
func pruneInitializers(inits []*onnxpb.TensorProto, nodes []*onnxpb.NodeProto) []*onnxpb.TensorProto {
	used := map[string]bool{}
	for _, n := range nodes {
		for _, in := range n.GetInput() {
			used[in] = true
		}
		markSubgraphInputs(n, used)
	}
	var kept []*onnxpb.TensorProto
	for _, t := range inits {
		if used[t.GetName()] {
			kept = append(kept, t)
		}
	}
	return kept
}
