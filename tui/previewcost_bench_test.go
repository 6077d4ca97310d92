package tui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// BenchmarkPreviewCost measures what live previews cost a render on the small preset: the
// mean denoising-step wall time when every step event is turned into a picture the way the
// studio does it (linear latent→RGB, resize, half-block encode for a 60×30-cell pane, on
// another goroutine) relative to a reader that discards the events. Goal: ≤ 1.03.
func BenchmarkPreviewCost(b *testing.B) {
	orttest.Setup(b)
	dir := filepath.Join(b.TempDir(), "small")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "small"}); err != nil {
		b.Fatal(err)
	}
	e := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{}) })
	defer e.Close()
	if ev := (<-e.Events()).(runtime.Ready); ev.Err != nil {
		b.Fatal(ev.Err)
	}
	factors, _ := preview.FactorsFor("sd15")
	pv, err := preview.NewPreviewer(preview.Blocks, preview.Options{})
	if err != nil {
		b.Fatal(err)
	}
	req := runtime.Request{Prompt: "a cat", Width: 128, Height: 128, Steps: 20, Batch: 1, Guidance: 7.5, Scheduler: "euler"}
	render := func(withPreview bool) runtime.StepSummary {
		e.Submit(req)
		for ev := range e.Events() {
			switch ev := ev.(type) {
			case runtime.Step:
				if withPreview {
					l := ev.Latents
					img, _ := preview.LatentToRGB(l.Data, int(l.Shape[1]), int(l.Shape[2]), int(l.Shape[3]), factors)
					if _, err := pv.Frame(img, 0, 0, 60, 30); err != nil {
						b.Fatal(err)
					}
				}
			case runtime.Done:
				return runtime.Summarize(ev.Result.Steps)
			case runtime.Failed:
				b.Fatal(ev.Err)
			}
		}
		return runtime.StepSummary{}
	}
	render(false) // warm-up
	var off, on float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off += render(false).Wall.Seconds()
		on += render(true).Wall.Seconds()
	}
	b.ReportMetric(on/off, "on/off")
	b.ReportMetric(1000*off/float64(b.N), "ms/step-off")
}
