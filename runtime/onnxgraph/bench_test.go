package onnxgraph

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// bigInlineModel writes a model whose single initializer (n float32s, value i at index i)
// is stored inside model.onnx, as the diffusers script stores text_encoder and VAE weights.
func bigInlineModel(tb testing.TB, n int) string {
	tb.Helper()
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(i)
	}
	g := &onnxpb.GraphProto{
		Node:        []*onnxpb.NodeProto{NewNode("Identity", "/Identity", []string{"w"}, []string{"y"})},
		Initializer: []*onnxpb.TensorProto{TensorFloat32("w", []int64{int64(n)}, w)},
		Output:      []*onnxpb.ValueInfoProto{NewValueInfo("y", onnxpb.TensorProto_FLOAT, []int64{int64(n)})},
	}
	path := filepath.Join(tb.TempDir(), "model.onnx")
	must(tb, NewModel(g, 17).Save(path))
	return path
}

// TestLoadLeavesInlineWeightsOnDisk checks that loading a 16 MiB inline model allocates a tiny
// fraction of that (the graph only), and that the weights still read back exactly on request.
func TestLoadLeavesInlineWeightsOnDisk(t *testing.T) {
	const n = 4 << 20
	path := bigInlineModel(t, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Load(path)
	runtime.ReadMemStats(&after)
	must(t, err)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
		t.Fatalf("Load allocated %d bytes for a %d-byte inline tensor", alloc, 4*n)
	}
	w := readFloats(t, m, "w")
	if len(w) != n || w[0] != 0 || w[12345] != 12345 || w[n-1] != float32(n-1) {
		t.Fatalf("inline weights read back wrong: len %d", len(w))
	}
}

// BenchmarkLoadInlineWeights loads a model with 64 MiB of inline weights; B/op shows the
// weights are not read.
func BenchmarkLoadInlineWeights(b *testing.B) {
	path := bigInlineModel(b, 16<<20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspect times Inspect on the synthetic SD1.x folder of TestInspectGolden.
func BenchmarkInspect(b *testing.B) {
	dir := writePipeline(b, sd15Spec)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindAttention times the finder on the 1000-node test UNet.
func BenchmarkFindAttention(b *testing.B) {
	m := buildUNet(unetSpec{opset: 14, inCh: 4, width: 8, heads: 2, ctxDim: 768, dynamic: true})
	for b.Loop() {
		if _, err := FindAttention(m, 64, 64); err != nil {
			b.Fatal(err)
		}
	}
}
