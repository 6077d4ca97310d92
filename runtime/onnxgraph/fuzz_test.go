package onnxgraph

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as a model.onnx and runs every read-only query on
// what loads. Nothing may panic, and every failure must be a one-line error; Load's own
// failures must be BadInput. Seeds are in testdata/fuzz/FuzzLoad (small valid models, an
// external-data model whose weights are absent, a path-escaping location, truncations).
//
// One folder serves every iteration of a worker (a fresh t.TempDir each time makes the
// fuzzer's minimisation crawl); the files an iteration writes are removed first.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "model.onnx")
		_ = os.Remove(filepath.Join(dir, "copy.onnx"))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			var bi interface{ BadInput() bool }
			if !errors.As(err, &bi) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Load error is not a one-line BadInput: %q", err)
			}
			return
		}
		exercise(t, m, dir)
	})
}

// exercise runs the queries a command would run on a loaded model.
func exercise(t *testing.T, m *Model, dir string) {
	_, _ = m.TopoOrder()
	_ = m.OpHistogram()
	_, _ = m.ExternalFiles()
	_, _ = FindAttention(m, 8, 8)
	for _, vi := range m.Graph().GetInput() {
		_, _ = m.StaticShape(vi.GetName())
		_ = DimStrings(vi)
	}
	for _, init := range m.Graph().GetInitializer() {
		if td, err := m.ReadInitializer(init.GetName()); err == nil {
			_, _ = td.Float32s()
			_, _ = td.Int64s()
		}
	}
	if err := m.Save(filepath.Join(dir, "out", "model.onnx")); err == nil {
		t.Fatal("Save into a missing folder succeeded")
	}
	_ = m.Save(filepath.Join(dir, "copy.onnx"))
}
