package onnxgraph

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TestEditsRunInORT promotes the bias to an input, adds a node and an output, and checks ORT
// computes the edited graph: y2 = 2·relu(x·W + b_fed).
func TestEditsRunInORT(t *testing.T) {
	m := mlpModel()
	must(t, m.PromoteInitializer("fc.bias"))
	must(t, m.AddInitializer(TensorFloat32("two", nil, []float32{2})))
	must(t, m.AddNode(NewNode("Mul", "/double/Mul", []string{"y", "two"}, []string{"y2"})))
	must(t, m.AddOutput(NewValueInfo("y2", onnxpb.TensorProto_FLOAT, []int64{2, 256})))
	path := filepath.Join(t.TempDir(), "edited.onnx")
	must(t, m.Save(path))

	bias := randomFloats(9, 256)
	feeds := append(mlpFeeds(), feed{"fc.bias", []int64{256}, bias})
	out, _ := runModel(t, path, feeds, []string{"y2"})
	w := readFloats(t, m, "fc.weight")
	x := feeds[0].data
	for i, got := range out["y2"] {
		r, c := i/256, i%256
		sum := float64(bias[c])
		for k := 0; k < 8; k++ {
			sum += float64(x[r*8+k]) * float64(w[k*256+c])
		}
		if want := 2 * math.Max(sum, 0); math.Abs(want-float64(got)) > 1e-5 {
			t.Fatalf("y2[%d] = %g, want %g", i, got, want)
		}
	}
}

// TestEditErrors checks the edits refuse duplicates and unknown names.
func TestEditErrors(t *testing.T) {
	m := mlpModel()
	tests := []struct {
		name string
		err  error
	}{
		{"node output clashes", m.AddNode(NewNode("Relu", "dup", []string{"x"}, []string{"y"}))},
		{"node output is an input", m.AddNode(NewNode("Relu", "dup", []string{"x"}, []string{"x"}))},
		{"input clashes with initializer", m.AddInput(NewValueInfo("fc.weight", onnxpb.TensorProto_FLOAT, nil))},
		{"initializer clashes with input", m.AddInitializer(TensorFloat32("x", nil, []float32{1}))},
		{"output twice", m.AddOutput(NewValueInfo("y", onnxpb.TensorProto_FLOAT, nil))},
		{"remove unknown node", m.RemoveNode("nope")},
		{"promote unknown", m.PromoteInitializer("nope")},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	must(t, m.RemoveNode("/act/Relu"))
	if m.Node("/act/Relu") != nil || len(m.Graph().GetNode()) != 2 {
		t.Fatal("RemoveNode left the node in place")
	}
}
