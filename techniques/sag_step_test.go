package techniques

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// epsRecorder is a Refiner placed after SAG: it keeps step 0's latents and final noise
// estimate.
type epsRecorder struct {
	latents, eps []float32
	timestep     float64
	fwd          scheduler.Forward
}

func (e *epsRecorder) Name() string { return "recorder" }
func (e *epsRecorder) Refine(_ context.Context, r *runtime.Refinement) error {
	if r.Step == 0 {
		e.latents, e.eps = append([]float32(nil), r.Latents...), append([]float32(nil), r.Eps...)
		e.timestep, e.fwd = r.Timestep, r.Forward
	}
	return nil
}

// One SAG step recomputed outside the loop: the maps and predictions from the prepared graph
// on [uncond, text], CFG, then pred_x0 / pred_epsilon / the mask / the blur / add_noise in
// float64 (mask64, blur64), the extra call on the degraded latent with the unconditional
// embedding, and ε + s·(ε_u − ε_degraded). The loop's estimate must agree.
func TestSAGStepMatchesARecomputation(t *testing.T) {
	orttest.Setup(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(ctx, dir, demomodel.Options{Preset: "tiny"}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const g, s = 7.5, 0.75
	sag, _ := NewSAG(SAGConfig{Enabled: true, Scale: s})
	rec := &epsRecorder{}
	req := runtime.Request{Prompt: "a photo of a cat", Negative: "blurry", Width: 64, Height: 64, Steps: 3,
		Batch: 1, Guidance: g, Seed: 11, Scheduler: "ddim", Techniques: []runtime.Technique{sag, rec}}
	if _, err := m.Render(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	run, err := m.Attention(ctx, *SAGConfig{Scale: s}.Needs(), 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	emb := func(text string) runtime.Tensor {
		c, err := m.Conditioning(ctx, text, 3, runtime.TextSpec{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Embeds[0]
	}
	unc, txt := emb("blurry"), emb("a photo of a cat")
	x := runtime.Tensor{Shape: []int64{1, 4, 8, 8}, Data: rec.latents}
	both := runtime.Tensor{Shape: []int64{2, 4, 8, 8}, Data: append(append([]float32(nil), x.Data...), x.Data...)}
	cond := runtime.Tensor{Shape: []int64{2, unc.Shape[1], unc.Shape[2]}, Data: append(append([]float32(nil), unc.Data...), txt.Data...)}
	out, err := run.Forward(ctx, runtime.AttentionInput{Latent: both, Text: cond, Timestep: rec.timestep})
	if err != nil {
		t.Fatal(err)
	}
	n := len(x.Data)
	u, tx := out.Noise.Data[:n], out.Noise.Data[n:]
	info := run.Maps()[midAttn1(run.Maps())]
	ac, _ := rec.fwd.AlphaCumprod(rec.timestep)
	a, b := math.Sqrt(ac), math.Sqrt(1-ac) // epsilon prediction (the tiny demo's)
	x0 := make([]float32, n)
	epsU := make([]float64, n)
	for i := range x0 {
		x0[i] = float32((float64(x.Data[i]) - b*float64(u[i])) / a)
		epsU[i] = float64(u[i])
	}
	mask := mask64(out.Maps[midAttn1(run.Maps())].Data[:info.RowElems()], 1, info.Height, info.Width, 8, 8)
	if sum := sumOf(mask); sum == 0 {
		t.Fatal("the tiny model's mask is empty: the blur goes unchecked")
	}
	blur := blur64(x0, 4, 8, 8)
	deg := make([]float32, n)
	for i := range deg {
		mv := mask[i%64]
		deg[i] = float32(a*(blur[i]*mv+float64(x0[i])*(1-mv)) + b*epsU[i])
	}
	dout, err := run.Forward(ctx, runtime.AttentionInput{Latent: runtime.Tensor{Shape: x.Shape, Data: deg}, Text: unc, Timestep: rec.timestep})
	if err != nil {
		t.Fatal(err)
	}
	var worst, scale float64
	for i := range deg {
		want := float64(u[i]) + g*(float64(tx[i])-float64(u[i])) + s*(float64(u[i])-float64(dout.Noise.Data[i]))
		worst = math.Max(worst, math.Abs(float64(rec.eps[i])-want))
		scale = math.Max(scale, math.Abs(want))
	}
	if worst > 1e-4*(1+scale) {
		t.Fatalf("SAG's estimate differs from the recomputation by %g (largest value %g)", worst, scale)
	}
}

func sumOf(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
