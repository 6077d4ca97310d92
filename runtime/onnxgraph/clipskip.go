package onnxgraph

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// ClipSkip makes a CLIP text encoder's last_hidden_state the output of an earlier layer
// passed through the final layer norm, as A1111's "Clip skip" does
// (modules/sd_hijack_clip.py, FrozenCLIPEmbedderWithCustomWords.encode_with_transformers:
// final_layer_norm(hidden_states[-k])). k = 1 is the unchanged model.
//
// Every layer of CLIP's encoder starts with a layer norm of the residual stream and has a
// second one in the middle; the final layer norm follows the last layer. So the inputs of the
// graph's layer norms, in order, are 2L+1 values and input 2i is hidden_states[i]. The edit
// feeds hidden_states[L+1-k] to the final layer norm instead of hidden_states[L]; the layers
// after it are no longer needed and ORT drops them. Layer norms are found as
// LayerNormalization nodes or as the ReduceMean/Sub decomposition exporters write below opset 17.
func ClipSkip(m *Model, k int) error {
	if k <= 1 {
		return nil
	}
	inputs := layerNormInputs(m.Proto.Graph)
	if len(inputs) < 3 || len(inputs)%2 == 0 {
		return badModel(m.Path, "clip skip needs an unfused CLIP text encoder (LayerNormalization or its decomposition)",
			"found %d layer norms, want 2 per layer plus the final one", len(inputs))
	}
	layers := (len(inputs) - 1) / 2
	if k > layers {
		return badModel(m.Path, fmt.Sprintf("use a clip skip from 1 to %d", layers),
			"clip skip %d is more than the text encoder's %d layers", k, layers)
	}
	last, chosen := inputs[2*layers], inputs[2*(layers+1-k)]
	for _, n := range m.Proto.Graph.Node {
		for i, in := range n.Input {
			if in == last {
				n.Input[i] = chosen
			}
		}
	}
	return nil
}

// layerNormInputs lists the input of every layer norm in graph (topological) order.
func layerNormInputs(g *onnxpb.GraphProto) []string {
	subFrom := map[string]bool{} // "x|mean" pairs of Sub nodes
	for _, n := range g.Node {
		if n.OpType == "Sub" && len(n.Input) == 2 {
			subFrom[n.Input[0]+"|"+n.Input[1]] = true
		}
	}
	var out []string
	for _, n := range g.Node {
		switch {
		case n.OpType == "LayerNormalization" && len(n.Input) > 0:
			out = append(out, n.Input[0])
		case n.OpType == "ReduceMean" && len(n.Input) > 0 && len(n.Output) > 0 && subFrom[n.Input[0]+"|"+n.Output[0]]:
			out = append(out, n.Input[0])
		}
	}
	return out
}
