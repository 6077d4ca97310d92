package runtime

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// TestClipSkip: clip skip 1 is the default bit for bit; clip skip 2 on the two-layer demo
// equals a graph whose final layer norm is fed, by name, the output of layer 0 (the torch
// export's /text_model/encoder/layers.0/Add_1_output_0) — a check that does not use the
// layer-norm ordering ClipSkip relies on. The edited graph is cached.
func TestClipSkip(t *testing.T) {
	m := openTinyText(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	chunks, _ := m.chunker().Chunks(nil)
	ids := chunks[0].IDs
	def, err := m.encodeChunk(ctx, TextSpec{}, ids)
	if err != nil {
		t.Fatal(err)
	}
	one, _ := m.encodeChunk(ctx, TextSpec{ClipSkip: 1}, ids)
	if !sameBits(def.Data, one.Data) {
		t.Fatal("clip skip 1 differs from the default")
	}
	two, err := m.encodeChunk(ctx, TextSpec{ClipSkip: 2}, ids)
	if err != nil {
		t.Fatal(err)
	}
	if sameBits(two.Data, def.Data) {
		t.Fatal("clip skip 2 changed nothing")
	}
	g, err := onnxgraph.Load(m.Text.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Proto.Graph.Node {
		if n.Name == "/text_model/final_layer_norm/LayerNormalization" {
			n.Input[0] = "/text_model/encoder/layers.0/Add_1_output_0"
		}
	}
	ref := filepath.Join(filepath.Dir(m.Text.Path), "ref-skip2.onnx")
	if err := g.Save(ref); err != nil {
		t.Fatal(err)
	}
	c, err := openComponent("text_encoder", ref, m.Options)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m.texts[TextSpec{ClipSkip: 9}] = c // a slot for the reference graph
	want, err := m.encodeChunk(ctx, TextSpec{ClipSkip: 9}, ids)
	if err != nil {
		t.Fatal(err)
	}
	delete(m.texts, TextSpec{ClipSkip: 9})
	if !sameBits(two.Data, want.Data) {
		t.Fatal("clip skip 2 is not final_layer_norm(layer 0's output)")
	}
	again, err := PrepareTextEncoder(ctx, m.Text.Path, TextSpec{ClipSkip: 2})
	if err != nil || !strings.Contains(again, "prepared") {
		t.Fatalf("cached graph %q: %v", again, err)
	}
}

// TestClipSkipDecomposedAndTooDeep: the opset-14 export (layer norm decomposed) is found too,
// and a clip skip beyond the layers is one line naming the range.
func TestClipSkipDecomposedAndTooDeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny", Opset: "14"}); err != nil {
		t.Fatal(err)
	}
	g, err := onnxgraph.Load(filepath.Join(dir, "text_encoder", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := onnxgraph.ClipSkip(g, 2); err != nil {
		t.Fatalf("decomposed layer norms: %v", err)
	}
	err = onnxgraph.ClipSkip(g, 3)
	if err == nil || !strings.Contains(err.Error(), "from 1 to 2") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("clip skip 3 on 2 layers: %v", err)
	}
}
