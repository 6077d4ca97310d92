package train

import (
	"context"
	"testing"
	"time"
)

// BenchmarkTrainSmall times, on the small preset's UNet (batch 8, 128² images → 16×16
// latents, conditioning 77×64, two ORT threads each), one forward UNet call and one
// training step (forward + backward w.r.t. every weight + AdamW), and reports their ratio
// (goal ≤ 3.5) and training images per second.
func BenchmarkTrainSmall(b *testing.B) {
	u := newUNetSetup(b, "small", 8, 16, 64, 8)
	batch, err := u.source.Batch(0)
	if err != nil {
		b.Fatal(err)
	}
	fwdFeeds := map[string]Tensor{UNetSample: batch[UNetSample], UNetTimestep: batch[UNetTimestep],
		"encoder_hidden_states": batch["encoder_hidden_states"]}
	fwd := newForward(b, demoModel(b, "small", "unet"), fwdFeeds, UNetOutput)
	g, err := NewGraph(u.model, GraphConfig{Loss: LossName, Params: floatInitializers(u.model),
		PinnedShapes: u.pinned, SessionOptions: sessionOptions(b, 2)})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	tr := &Trainer{Graph: g, Optimizer: DefaultAdamW(1e-4), ClipNorm: 1}
	ctx := context.Background()
	fwd.run()
	if _, err := tr.Step(ctx, batch); err != nil {
		b.Fatal(err)
	}
	var tf, ts time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fwd.run()
		t1 := time.Now()
		if _, err := tr.Step(ctx, batch); err != nil {
			b.Fatal(err)
		}
		tf, ts = tf+t1.Sub(t0), ts+time.Since(t1)
	}
	b.ReportMetric(float64(tf.Milliseconds())/float64(b.N), "fwd-ms")
	b.ReportMetric(float64(ts.Milliseconds())/float64(b.N), "step-ms")
	b.ReportMetric(float64(ts)/float64(tf), "ratio")
	b.ReportMetric(8*float64(b.N)/ts.Seconds(), "images/s")
}
