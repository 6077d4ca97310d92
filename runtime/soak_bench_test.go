package runtime_test

import (
	"fmt"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// BenchmarkEngineSoak renders 1 000 times in one Engine, the studio's path (Submit, events,
// step latents, TAESD previews), on demo:tiny at 64×64, with a new prompt and seed every
// render as typing makes them. It logs the resident set every 100 renders and reports the
// growth after warm-up (renders 100 → 1000). Run with -benchtime=1x; docs/reliability.md
// records the curve.
func BenchmarkEngineSoak(b *testing.B) {
	orttest.Setup(b)
	dir := demoModel(b, demomodel.Options{Preset: "tiny", TAESD: true})
	const renders = 1000
	for range b.N {
		e := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
		if ev := next(b, e); ev.(runtime.Ready).Err != nil {
			b.Fatal(ev)
		}
		var warm int64
		for i := range renders {
			req := tinyRequest()
			req.Prompt, req.Seed, req.Steps = fmt.Sprintf("a photo of cat number %d", i), uint64(i), 4
			req.Preview = runtime.PreviewTAESD
			e.Submit(req)
			waitDone(b, e)
			if (i+1)%100 == 0 {
				rss, _ := ort.CurrentRSS()
				b.Logf("renders %4d  rss %6.1f MB", i+1, float64(rss)/(1<<20))
				if i+1 == 100 {
					warm = rss
				}
				if i+1 == renders {
					b.ReportMetric(float64(rss-warm)/(1<<20), "MB-growth-100-1000")
					b.ReportMetric(float64(rss)/(1<<20), "MB-rss")
				}
			}
		}
		e.Close()
	}
}

func waitDone(b *testing.B, e *runtime.Engine) {
	for {
		switch ev := next(b, e).(type) {
		case runtime.Done:
			return
		case runtime.Failed:
			b.Fatal(ev.Err)
		}
	}
}
