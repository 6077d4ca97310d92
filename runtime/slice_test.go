package runtime_test

import (
	"context"
	"math"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
)

// Attention slicing is exact: softmax is per query row, so chunking the queries changes
// nothing but the order of independent float operations. The small preset at 256² has
// attentions with 1024 queries (32×32), which get sliced.
func TestAttentionSlicingGivesTheSameImage(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "small"})
	req := runtime.Request{Prompt: "a cat", Width: 256, Height: 256, Steps: 2, Batch: 1, Guidance: 7.5, Scheduler: "euler", Seed: 5}
	plain, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := m.UNet.Path
	m.Options.AttentionSlices = 4
	defer func() { m.Options.AttentionSlices = 0 }()
	sliced, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.UNet.Path == before {
		t.Fatal("the UNet was not re-opened with a sliced graph")
	}
	var maxDiff float64
	for i := range plain.Latents.Data {
		maxDiff = math.Max(maxDiff, math.Abs(float64(plain.Latents.Data[i]-sliced.Latents.Data[i])))
	}
	if maxDiff > 1e-4 {
		t.Fatalf("sliced attention changed the latents by up to %g", maxDiff)
	}
}
