package runtime

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// BenchmarkMapsWithNoise times, on the small preset (latent 16×16, two ORT threads), the UNet
// calls of one CFG step plain — one 2-row call — and with self-attention guidance: the 2-row
// call through the prepared graph that also outputs the mid block's self-attention map
// (KeepNoise), plus the extra 1-row call on the degraded latent. The calls alternate inside
// each iteration so a busy machine slows both alike; "ratio" is SAG's UNet time per step over
// plain (issue 19's goal: ≤ 1.6× with CFG), "maps/plain" the cost of exposing the map.
func BenchmarkMapsWithNoise(b *testing.B) {
	b.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	orttest.Setup(b)
	dir := filepath.Join(b.TempDir(), "model")
	ctx := context.Background()
	if err := demomodel.Write(ctx, dir, demomodel.Options{Preset: "small"}); err != nil {
		b.Fatal(err)
	}
	m, err := Open(dir, Options{Threads: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	a, err := m.Attention(ctx, AttentionNeeds{Select: AttentionSelection{Kind: onnxgraph.KindSelf, Block: "mid_block"}, KeepNoise: true}, 16, 16)
	if err != nil {
		b.Fatal(err)
	}
	one := benchInput(b, m)
	two := AttentionInput{Latent: repeatRows(one.Latent, 2), Text: repeatRows(one.Text, 2), Timestep: one.Timestep}
	run := func() (plain, maps, extra time.Duration) {
		t0 := time.Now()
		if _, err := m.predictNoise(ctx, two.Latent, two.Timestep, two.Text); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, _, err := a.predictWithMaps(ctx, two.Latent, two.Timestep, two.Text); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := m.predictNoise(ctx, one.Latent, one.Timestep, one.Text); err != nil {
			b.Fatal(err)
		}
		return t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	}
	run() // warm-up: first runs allocate ORT's arenas
	var plain, maps, extra time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, mp, e := run()
		plain, maps, extra = plain+p, maps+mp, extra+e
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(plain.Microseconds())/1000/n, "plain-ms")
	b.ReportMetric(float64(maps.Microseconds())/1000/n, "maps-ms")
	b.ReportMetric(float64(extra.Microseconds())/1000/n, "extra-ms")
	b.ReportMetric(float64(maps+extra)/float64(plain), "ratio")
	b.ReportMetric(float64(maps)/float64(plain), "maps/plain")
}
