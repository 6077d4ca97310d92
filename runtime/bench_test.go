package runtime_test

import (
	"context"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
)

// BenchmarkStep measures one denoising step per preset and reports the orchestration
// overhead — the share of step wall time spent outside ORT's Run (goal ≤ 2 %).
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		preset string
		size   int
	}{{"tiny", 64}, {"small", 128}} {
		b.Run(c.preset, func(b *testing.B) {
			m := openTiny(b, demomodel.Options{Preset: c.preset})
			req := runtime.Request{Prompt: "a cat", Width: c.size, Height: c.size, Steps: 10, Batch: 1, Guidance: 7.5, Scheduler: "euler"}
			if _, err := m.Render(context.Background(), req, nil); err != nil { // warm-up
				b.Fatal(err)
			}
			var all []runtime.StepTimings
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := m.Render(context.Background(), req, nil)
				if err != nil {
					b.Fatal(err)
				}
				all = append(all, res.Steps...)
			}
			s := runtime.Summarize(all)
			b.ReportMetric(float64(s.Wall.Microseconds())/1000, "ms/step")
			b.ReportMetric(100*s.Overhead(), "%overhead")
		})
	}
}
