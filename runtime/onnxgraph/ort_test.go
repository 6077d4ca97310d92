package onnxgraph

import (
	"math/rand/v2"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// feed is one float32 input of a test graph.
type feed struct {
	name  string
	shape []int64
	data  []float32
}

// runModel runs a saved model file in real ONNX Runtime and returns the named float outputs
// with their shapes.
func runModel(t *testing.T, path string, inputs []feed, outputs []string) (map[string][]float32, map[string][]int64) {
	t.Helper()
	orttest.Setup(t)
	names := make([]string, len(inputs))
	values := make([]ortgo.Value, len(inputs))
	for i, in := range inputs {
		tensor, err := ortgo.NewTensor(ortgo.NewShape(in.shape...), in.data)
		if err != nil {
			t.Fatal(err)
		}
		defer tensor.Destroy()
		names[i], values[i] = in.name, tensor
	}
	session, err := ortgo.NewDynamicAdvancedSession(path, names, outputs, nil)
	if err != nil {
		t.Fatalf("ORT cannot load %s: %v", path, err)
	}
	defer session.Destroy()
	results := make([]ortgo.Value, len(outputs))
	if err := session.Run(values, results); err != nil {
		t.Fatalf("ORT run of %s: %v", path, err)
	}
	data := map[string][]float32{}
	shapes := map[string][]int64{}
	for i, v := range results {
		defer v.Destroy()
		ft, ok := v.(*ortgo.Tensor[float32])
		if !ok {
			t.Fatalf("output %s is %T, want float32 tensor", outputs[i], v)
		}
		data[outputs[i]] = append([]float32{}, ft.GetData()...)
		shapes[outputs[i]] = append([]int64{}, ft.GetShape()...)
	}
	return data, shapes
}

// randomFloats gives reproducible values in [-1, 1).
func randomFloats(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.Float64()*2 - 1)
	}
	return out
}
