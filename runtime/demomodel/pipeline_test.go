package demomodel

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// pipelineRun is one text → UNet steps → VAE pass through a written demo model.
type pipelineRun struct {
	hidden, pooled []float32
	eps            [][]float32 // UNet output per step
	latent, image  []float32
	taesd          []float32
}

// runPipeline encodes ["", "a photo of a cat"], takes steps of x ← x − 0.1·ε from unit
// noise, then decodes x/0.18215 with the VAE (and x itself with TAESD when present).
func runPipeline(t testing.TB, dir string, p Preset, steps int, taesd bool) pipelineRun {
	var r pipelineRun
	h, img, d := p.LatentSize(), p.ImageSize, p.CLIP.Hidden
	text := runGraph(t, filepath.Join(dir, "text_encoder/model.onnx"),
		[]feed{{name: "input_ids", shape: []int64{2, 77}, ints: promptIDs(t, dir, 2, 77)}},
		map[string][]int64{"last_hidden_state": {2, 77, d}, "pooler_output": {2, d}})
	r.hidden, r.pooled = text["last_hidden_state"].data, text["pooler_output"].data
	x := randn(int(2*4*h*h), 42)
	for s := 0; s < steps; s++ {
		out := runGraph(t, filepath.Join(dir, "unet/model.onnx"), []feed{
			{name: "sample", shape: []int64{2, 4, h, h}, floats: x},
			{name: "timestep", shape: []int64{}, floats: []float32{float32(981 - 20*s)}},
			{name: "encoder_hidden_states", shape: []int64{2, 77, d}, floats: r.hidden},
		}, map[string][]int64{"out_sample": {2, 4, h, h}})
		eps := out["out_sample"].data
		r.eps = append(r.eps, eps)
		for i := range x {
			x[i] -= 0.1 * eps[i]
		}
	}
	r.latent = x
	scaled := make([]float32, len(x))
	for i := range x {
		scaled[i] = x[i] / vaeScalingFactor
	}
	want := map[string][]int64{"sample": {2, 3, img, img}}
	r.image = runGraph(t, filepath.Join(dir, "vae_decoder/model.onnx"),
		[]feed{{name: "latent_sample", shape: []int64{2, 4, h, h}, floats: scaled}}, want)["sample"].data
	if taesd {
		r.taesd = runGraph(t, filepath.Join(dir, "taesd_decoder.onnx"),
			[]feed{{name: "latent_sample", shape: []int64{2, 4, h, h}, floats: x}}, want)["sample"].data
	}
	return r
}

// fractionBeyond counts values with |v| > limit.
func fractionBeyond(x []float32, limit float64) float64 {
	n := 0
	for _, v := range x {
		if math.Abs(float64(v)) > limit {
			n++
		}
	}
	return float64(n) / float64(len(x))
}

// relDiff is ‖a−b‖/‖a‖ between the two batch halves of x.
func halvesRelDiff(x []float32) float64 {
	half := len(x) / 2
	var num, den float64
	for i := 0; i < half; i++ {
		d := float64(x[i] - x[half+i])
		num += d * d
		den += float64(x[i]) * float64(x[i])
	}
	return math.Sqrt(num / den)
}

func TestPipelineStaysFiniteAndUnsaturated(t *testing.T) {
	orttest.Setup(t)
	cases := []Options{
		{Preset: "tiny", TAESD: true},
		{Preset: "tiny", DType: "fp16", Opset: "14"},
		{Preset: "small", Seed: 3},
	}
	for _, o := range cases {
		t.Run(o.Preset+o.DType, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			if err := Write(context.Background(), dir, o); err != nil {
				t.Fatal(err)
			}
			r := runPipeline(t, dir, presetByName(o.Preset), 3, o.TAESD)
			checkStats(t, "last_hidden_state", r.hidden, 0.5, 2, 0)
			for i, e := range r.eps {
				checkStats(t, "unet ε step", e, 0.3, 3, 0)
				if diff := halvesRelDiff(e); diff < 0.01 {
					t.Errorf("step %d: ε barely depends on the prompt (rel diff %.4f): cross-attention is inert", i, diff)
				}
			}
			checkStats(t, "latent", r.latent, 0.3, 3, 0)
			checkStats(t, "vae image", r.image, 0.05, 1, 0.05)
			if f := fractionBeyond(r.image, 1); f > 0.05 {
				t.Errorf("vae image: %.1f%% of values outside [-1,1]", 100*f)
			}
			if r.taesd != nil {
				s := summarize(r.taesd)
				if s.nonFinite > 0 || s.mean < 0.2 || s.mean > 0.8 || s.std < 0.02 {
					t.Errorf("taesd image stats %+v, want finite, mean in [0.2,0.8], some contrast", s)
				}
			}
		})
	}
}

// checkStats requires finite values whose std lies in [lo, hi] and, when meanTol > 0 … (a
// centred distribution is not required elsewhere, so meanTol 0 skips the mean check).
func checkStats(t *testing.T, what string, x []float32, lo, hi, meanTol float64) {
	t.Helper()
	s := summarize(x)
	t.Logf("%s: mean %.3f std %.3f max|x| %.3f", what, s.mean, s.std, s.maxAbs)
	if s.nonFinite > 0 || s.std < lo || s.std > hi {
		t.Errorf("%s: %d non-finite, std %.4f not in [%g, %g]", what, s.nonFinite, s.std, lo, hi)
	}
	if meanTol > 0 && math.Abs(s.mean) > math.Max(meanTol, s.std) {
		t.Errorf("%s: mean %.4f is far off centre (std %.4f)", what, s.mean, s.std)
	}
}
