package onnxgraph

import (
	"fmt"
	"strings"
)

// fusedOps are the com.microsoft contrib ops ORT's transformer optimizer writes into SD
// graphs (optimize_pipeline.py → UnetOnnxModel.optimize in onnxruntime/python/tools/transformers).
// The attention ones replace MatMul→Softmax→MatMul, so the probability tensor no longer exists.
var fusedOps = map[string]bool{
	"Attention": true, "MultiHeadAttention": true, "PackedAttention": true,
	"PackedMultiHeadAttention": true, "GroupQueryAttention": true,
	"GroupNorm": true, "SkipGroupNorm": true, "BiasSplitGelu": true, "BiasAdd": true,
	"SkipLayerNormalization": true, "SkipSimplifiedLayerNormalization": true,
	"BiasGelu": true, "FastGelu": true, "NhwcConv": true,
}

var fusedAttentionOps = map[string]bool{
	"Attention": true, "MultiHeadAttention": true, "PackedAttention": true,
	"PackedMultiHeadAttention": true, "GroupQueryAttention": true,
}

// FusedOps lists the ORT-fused operators in the graph, most frequent first; empty for an
// unoptimised torch.onnx export.
func (m *Model) FusedOps() []OpCount {
	var out []OpCount
	for _, oc := range m.OpHistogram() {
		if op, ok := strings.CutPrefix(oc.Op, "com.microsoft."); ok && fusedOps[op] {
			out = append(out, oc)
		}
	}
	return out
}

func hasFusedAttention(ops []OpCount) bool {
	for _, oc := range ops {
		if fusedAttentionOps[strings.TrimPrefix(oc.Op, "com.microsoft.")] {
			return true
		}
	}
	return false
}

// FusedGraphError says a model was optimised by ONNX Runtime's transformer tools, which fuse
// attention into com.microsoft ops and so remove the Softmax that attention techniques read.
// The user has to supply an unoptimised export, so it is BadInput.
type FusedGraphError struct {
	Path string
	Ops  []OpCount
}

func (e *FusedGraphError) Error() string {
	return fmt.Sprintf("%s is an ONNX Runtime-optimised (fused) graph (%s) — attention techniques need an unoptimised torch.onnx export, where each attention's Softmax is its own node; re-export without optimize_pipeline/Olive",
		sanitize(e.Path), opList(e.Ops))
}

// BadInput marks the error as the user's to fix (exit status 2).
func (e *FusedGraphError) BadInput() bool { return true }
