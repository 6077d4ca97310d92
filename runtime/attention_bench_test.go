package runtime

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// BenchmarkAttendExciteGraphs times, on the small preset (latent 16×16, A&E on its three
// 8×8 cross-attention maps, one ORT thread), one plain UNet forward of one row, the prepared
// maps-only forward and the VJP run, and reports (maps forward + VJP) / plain forward — the
// cost of one A&E update in UNet forwards, goal ≤ 3.0 (issue 8 item 6) — with the session
// creation time of the prepared graphs and the process's peak resident memory.
func BenchmarkAttendExciteGraphs(b *testing.B) {
	b.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	orttest.Setup(b)
	dir := filepath.Join(b.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "small"}); err != nil {
		b.Fatal(err)
	}
	m, err := Open(dir, Options{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	needs := AttentionNeeds{Select: AttentionSelection{Kind: onnxgraph.KindCross, Height: 8, Width: 8}, Gradient: true}
	a, err := m.Attention(ctx, needs, 16, 16)
	if err != nil {
		b.Fatal(err)
	}
	in := benchInput(b, m)
	grads := make([]Tensor, len(a.Maps()))
	for i, am := range a.Maps() {
		grads[i] = NewTensor(1, int64(am.Height*am.Width), int64(am.Keys))
		grads[i].Data[i] = 1
	}
	run := func() (time.Duration, time.Duration, time.Duration) {
		t0 := time.Now()
		if _, err := m.unetCall(ctx, in.Latent, in.Timestep, in.Text); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := a.Forward(ctx, in); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, _, err := a.Backward(ctx, in, grads); err != nil {
			b.Fatal(err)
		}
		return t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	}
	run() // warm-up: first runs allocate ORT's arenas
	var fwd, maps, vjp time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, mp, v := run()
		fwd, maps, vjp = fwd+f, maps+mp, vjp+v
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(fwd.Microseconds())/1000/n, "fwd-ms")
	b.ReportMetric(float64(maps.Microseconds())/1000/n, "maps-ms")
	b.ReportMetric(float64(vjp.Microseconds())/1000/n, "vjp-ms")
	b.ReportMetric(float64(maps+vjp)/float64(fwd), "ratio")
	b.ReportMetric(float64(vjp)/float64(fwd), "vjp/fwd")
	b.ReportMetric(float64(sessionTime(b, m, a.prepared).Milliseconds()), "session-ms")
	b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
}

// sessionTime opens the prepared graphs' sessions once more and returns how long it took.
func sessionTime(b *testing.B, m *Model, p *Prepared) time.Duration {
	again, err := openAttention(m, p)
	if err != nil {
		b.Fatal(err)
	}
	defer again.close()
	return again.SessionTime
}

func benchInput(b *testing.B, m *Model) AttentionInput {
	rng := rand.New(rand.NewPCG(1, 2))
	lat := NewTensor(1, 4, 16, 16)
	for i := range lat.Data {
		lat.Data[i] = float32(rng.NormFloat64())
	}
	text, err := m.Embed(context.Background(), "a cat and a frog")
	if err != nil {
		b.Fatal(err)
	}
	return AttentionInput{Latent: lat, Text: text, Timestep: 500}
}

// peakRSSMiB is the process's peak resident set size in MiB.
func peakRSSMiB() float64 {
	b, _ := ort.PeakRSS()
	return float64(b) / (1 << 20)
}
