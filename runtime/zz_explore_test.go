package runtime_test

import (
	"context"
	"path/filepath"
	"testing"
	"fmt"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

func TestZZExplore(t *testing.T) {
	for _, p := range []string{"tiny", "small"} {
		dir := filepath.Join(t.TempDir(), "m")
		if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: p}); err != nil { t.Fatal(err) }
		m, err := onnxgraph.Load(filepath.Join(dir, "unet", "model.onnx"))
		if err != nil { t.Fatal(err) }
		lat := 8
		if p == "small" { lat = 16 }
		as, err := onnxgraph.FindAttention(m, lat, lat)
		if err != nil { t.Fatal(err) }
		for _, a := range as { fmt.Printf("%s %+v\n", p, a) }
		for _, in := range m.Graph().GetInput() { fmt.Println(p, "input", in.GetName(), onnxgraph.DimStrings(in), onnxgraph.DTypeName(in)) }
		for _, in := range m.Graph().GetOutput() { fmt.Println(p, "output", in.GetName(), onnxgraph.DimStrings(in)) }
		ef, _ := m.ExternalFiles()
		fmt.Println(ef)
	}
}
