package onnxgraph_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// expectedAttention derives, from a preset's block layout, how many transformer blocks sit
// at each feature-map size: LayersPerBlock per cross-attention down block, one in the mid
// block (at the deepest level) and LayersPerBlock+1 per up block mirroring a
// cross-attention down block (diffusers' UNet2DConditionModel).
func expectedAttention(p demomodel.Preset) map[int]int {
	latent := int(p.LatentSize())
	levels := len(p.UNet.BlockOutChannels)
	want := map[int]int{}
	for k, cross := range p.UNet.CrossAttn {
		if cross {
			want[latent>>k] += p.UNet.LayersPerBlock + p.UNet.LayersPerBlock + 1
		}
	}
	want[latent>>(levels-1)]++ // mid block
	return want
}

// The finder sees every attn1/attn2 pair of the demo presets, at both opsets, with the
// resolution and head count the block layout implies.
func TestFindAttentionOnPresets(t *testing.T) {
	for _, p := range demomodel.Presets() {
		if p.Name == "sd15" {
			continue // 4 GB of weights; covered by BenchmarkInspectSD15
		}
		for _, opset := range []string{"14", "17"} {
			t.Run(p.Name+"/opset"+opset, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "m")
				if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: p.Name, Opset: opset}); err != nil {
					t.Fatal(err)
				}
				m, err := onnxgraph.Load(filepath.Join(dir, "unet", "model.onnx"))
				if err != nil {
					t.Fatal(err)
				}
				lat := int(p.LatentSize())
				table, err := onnxgraph.FindAttention(m, lat, lat)
				if err != nil {
					t.Fatal(err)
				}
				got := map[int]int{}
				kinds := map[string]int{}
				for _, a := range table {
					kinds[a.Kind]++
					if a.Kind == onnxgraph.KindCross {
						got[a.Height]++
					}
					if a.Heads != int(p.UNet.Heads) || a.QueryLen != a.Height*a.Width {
						t.Errorf("%s: heads %d query %d at %dx%d", a.Path, a.Heads, a.QueryLen, a.Height, a.Width)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(expectedAttention(p)) {
					t.Errorf("cross-attention per size = %v, want %v", got, expectedAttention(p))
				}
				if kinds[onnxgraph.KindSelf] != kinds[onnxgraph.KindCross] {
					t.Errorf("self %d vs cross %d", kinds[onnxgraph.KindSelf], kinds[onnxgraph.KindCross])
				}
			})
		}
	}
}

// BenchmarkInspectSD15 runs `nudge inspect` on the sd15 preset (≈3.4 GB UNet weights),
// generating it into the cache on first use; goal ≤ 2 s and ≤ 500 MB peak RSS (the RSS is
// reported from the process high-water mark).
func BenchmarkInspectSD15(b *testing.B) {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "nudge", "models", "demo-sd15")
	if _, err := os.Stat(filepath.Join(dir, "model_index.json")); err != nil {
		if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "sd15", TAESD: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := onnxgraph.Inspect(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Attention) != 32 {
			b.Fatalf("%d attention maps, want 32", len(r.Attention))
		}
	}
}
