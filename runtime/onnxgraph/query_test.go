package onnxgraph

import (
	"slices"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

func nodeNames(ns []*onnxpb.NodeProto) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.GetName()
	}
	return out
}

// TestTopoOrder checks ordering of shuffled graphs, file order on ties, and the two errors.
func TestTopoOrder(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*onnxpb.NodeProto
		want  []string
		err   string
	}{
		{"already sorted", []*onnxpb.NodeProto{
			NewNode("Relu", "a", []string{"x"}, []string{"va"}),
			NewNode("Relu", "b", []string{"va"}, []string{"vb"}),
		}, []string{"a", "b"}, ""},
		{"reversed", []*onnxpb.NodeProto{
			NewNode("Add", "c", []string{"va", "vb"}, []string{"vc"}),
			NewNode("Relu", "b", []string{"va"}, []string{"vb"}),
			NewNode("Relu", "a", []string{"x"}, []string{"va"}),
		}, []string{"a", "b", "c"}, ""},
		{"independent keep file order", []*onnxpb.NodeProto{
			NewNode("Relu", "z", []string{"x"}, []string{"vz"}),
			NewNode("Relu", "y", []string{"w"}, []string{"vy"}),
			NewNode("Add", "optional input", []string{"vz", ""}, []string{"vo"}),
		}, []string{"z", "y", "optional input"}, ""},
		{"cycle", []*onnxpb.NodeProto{
			NewNode("Relu", "a", []string{"vb"}, []string{"va"}),
			NewNode("Relu", "b", []string{"va"}, []string{"vb"}),
		}, nil, "cycle"},
		{"dangling input", []*onnxpb.NodeProto{
			NewNode("Relu", "a", []string{"nowhere"}, []string{"va"}),
		}, nil, `reads "nowhere"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &onnxpb.GraphProto{Node: tc.nodes,
				Input:       []*onnxpb.ValueInfoProto{NewValueInfo("x", onnxpb.TensorProto_FLOAT, nil)},
				Initializer: []*onnxpb.TensorProto{TensorFloat32("w", []int64{1}, []float32{1})}}
			order, err := NewModel(g, 17).TopoOrder()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			must(t, err)
			if got := nodeNames(order); !slices.Equal(got, tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
		})
	}
}

// TestQueriesOnUNet checks producers, consumers, histogram and static shapes on the test UNet.
func TestQueriesOnUNet(t *testing.T) {
	m := buildUNet(unetSpec{opset: 14, inCh: 4, width: 8, heads: 2, ctxDim: 6, ctxLen: 5})
	order, err := m.TopoOrder()
	must(t, err)
	if len(order) != len(m.Graph().GetNode()) {
		t.Fatalf("topological order has %d nodes, graph %d", len(order), len(m.Graph().GetNode()))
	}
	softmax := "/mid_block/attentions.0/transformer_blocks.0/attn2/Softmax_output_0"
	if p := m.Producers()[softmax]; p.GetOpType() != "Softmax" {
		t.Fatalf("producer of %s is %v", softmax, p)
	}
	if c := m.Consumers()[softmax]; len(c) != 1 || c[0].GetName() != "/mid_block/attentions.0/transformer_blocks.0/attn2/MatMul_1" {
		t.Fatalf("consumers of %s: %v", softmax, nodeNames(c))
	}
	hist := map[string]int{}
	total := 0
	for _, oc := range m.OpHistogram() {
		hist[oc.Op] = oc.Count
		total += oc.Count
	}
	// 7 transformer blocks × 2 attentions, 2 decomposed LayerNorms with 2 ReduceMean each.
	if hist["Softmax"] != 14 || hist["ReduceMean"] != 7*2*2 || hist["LayerNormalization"] != 0 || total != len(m.Graph().GetNode()) {
		t.Fatalf("histogram %v (total %d of %d nodes)", hist, total, len(m.Graph().GetNode()))
	}
	shapeTests := []struct {
		value string
		dims  []int64
		ok    bool
	}{
		{contextInput, []int64{1, 5, 6}, true},
		{"sample", nil, false}, // symbolic height/width
		{"up_blocks.2.attentions.1.transformer_blocks.0.attn2.to_k.weight", []int64{6, 8}, true},
		{softmax, nil, false}, // no value_info recorded
	}
	for _, st := range shapeTests {
		dims, ok := m.StaticShape(st.value)
		if ok != st.ok || !slices.Equal(dims, st.dims) {
			t.Errorf("StaticShape(%s) = %v, %v; want %v, %v", st.value, dims, ok, st.dims, st.ok)
		}
	}
}
