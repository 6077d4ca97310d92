package techniques_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/techniques"
)

// BenchmarkAttendExciteStep renders 9 PNDM steps (10 UNet calls) on the small preset at
// 128² (A&E on the 8×8 maps, tokens 2 and 5) and reports the mean step time of a plain
// render, of A&E without refinement (every step: maps forward + VJP + the CFG call) and the
// time of A&E's step 0 with diffusers' refinement (threshold 0.05: up to 20 more updates),
// each also relative to the plain step (issue 9 item 6).
func BenchmarkAttendExciteStep(b *testing.B) {
	b.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	orttest.Setup(b)
	dir := b.TempDir() + "/model"
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "small"}); err != nil {
		b.Fatal(err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	noRefine := aeConfig(2, 5)
	noRefine.Thresholds = nil
	variants := []struct {
		name string
		cfg  *techniques.AttendExciteConfig
	}{{"plain", nil}, {"ae", &noRefine}, {"ae-refine", ptr(aeConfig(2, 5))}}
	stepTimes := func(cfg *techniques.AttendExciteConfig) []time.Duration {
		req := aeRequest(128, 9)
		if cfg != nil {
			a, err := techniques.NewAttendExcite(*cfg)
			if err != nil {
				b.Fatal(err)
			}
			req.Techniques = []runtime.Technique{a}
		}
		res, err := m.Render(context.Background(), req, nil)
		if err != nil {
			b.Fatal(err)
		}
		out := make([]time.Duration, len(res.Steps))
		for i, s := range res.Steps {
			out[i] = s.Total
		}
		return out
	}
	for _, v := range variants {
		stepTimes(v.cfg) // warm-up: prepares and opens the graphs, allocates arenas
	}
	sums := make([]time.Duration, len(variants))
	first := make([]time.Duration, len(variants))
	var steps int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k, v := range variants {
			ts := stepTimes(v.cfg)
			steps = len(ts)
			first[k] += ts[0]
			for _, t := range ts {
				sums[k] += t
			}
		}
	}
	b.StopTimer()
	per := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(n*b.N) }
	plain := per(sums[0], steps)
	b.ReportMetric(plain, "plain-ms/step")
	b.ReportMetric(per(sums[1], steps), "ae-ms/step")
	b.ReportMetric(per(sums[1], steps)/plain, "ae/plain")
	b.ReportMetric(per(first[2], 1), "refine-step0-ms")
	b.ReportMetric(per(first[2], 1)/plain, "refine-step0/plain")
}

func ptr[T any](v T) *T { return &v }
