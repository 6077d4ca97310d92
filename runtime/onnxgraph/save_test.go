package onnxgraph

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestSaveLoadRoundTripRunsIdentically saves a model, loads it back, saves it again, and checks
// the graphs are equal protobufs and ORT gives bit-identical outputs from both files.
func TestSaveLoadRoundTripRunsIdentically(t *testing.T) {
	tests := []struct {
		name     string
		external string // "" keeps weights inline
	}{
		{"inline", ""},
		{"weights.pb", "weights.pb"},
		{"model.onnx_data", "model.onnx_data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := filepath.Join(dir, "a", "model.onnx")
			second := filepath.Join(dir, "a", "copy.onnx")
			must(t, os.MkdirAll(filepath.Dir(first), 0o755))
			m := mlpModel()
			if tc.external == "" {
				must(t, m.Save(first))
			} else {
				must(t, m.SaveWithExternalData(first, tc.external))
			}
			loaded, err := Load(first)
			must(t, err)
			must(t, loaded.Save(second))
			again, err := Load(second)
			must(t, err)
			must(t, loaded.Materialize())
			must(t, again.Materialize())
			if !proto.Equal(loaded.Proto, again.Proto) {
				t.Fatal("load → save → load changed the graph")
			}
			a, _ := runModel(t, first, mlpFeeds(), []string{"y"})
			b, _ := runModel(t, second, mlpFeeds(), []string{"y"})
			if !slices.Equal(a["y"], b["y"]) {
				t.Fatal("ORT outputs differ between the original and the re-saved model")
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
