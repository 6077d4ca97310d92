package techniques

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
)

func intp(v int) *int { return &v }

func renderInfo(b, c, h, w, steps int) runtime.RenderInfo {
	ts := make([]float64, steps)
	for i := range ts {
		ts[i] = float64(999 - i*(1000/steps))
	}
	return runtime.RenderInfo{Batch: b, Channels: c, Height: h, Width: w, Timesteps: ts,
		GuidanceScale: 7.5, CFG: true}
}

func mustSEGA(t testing.TB, cfg SEGAConfig, info runtime.RenderInfo) *SEGA {
	t.Helper()
	s, err := NewSEGA(cfg)
	if err != nil {
		t.Fatalf("NewSEGA: %v", err)
	}
	if err := s.Begin(info); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return s
}

// stepData is one UNet call's predictions, as the engine hands them to Guide.
type stepData struct {
	uncond, text []float32
	extra        [][]float32
}

// randomStep draws predictions like a UNet's: unit-variance noise, concepts near uncond.
func randomStep(rng *rand.Rand, size, concepts int) stepData {
	d := stepData{uncond: make([]float32, size), text: make([]float32, size), extra: make([][]float32, concepts)}
	for i := range d.uncond {
		d.uncond[i] = float32(rng.NormFloat64())
		d.text[i] = d.uncond[i] + float32(0.3*rng.NormFloat64())
	}
	for c := range d.extra {
		d.extra[c] = make([]float32, size)
		for i := range d.extra[c] {
			d.extra[c][i] = d.uncond[i] + float32(0.5*rng.NormFloat64())
		}
	}
	return d
}

// cfgDelta is the engine's starting guidance term, g·(text − uncond) in float32.
func cfgDelta(d stepData, g float64) []float32 {
	out := make([]float32, len(d.uncond))
	for i := range out {
		out[i] = float32(g) * (d.text[i] - d.uncond[i])
	}
	return out
}

// guide runs s.Guide on one step and returns the resulting Delta.
func guide(t testing.TB, s *SEGA, step int, d stepData, delta []float32) []float32 {
	t.Helper()
	delta = slices.Clone(delta)
	g := &runtime.Guidance{Step: step, Uncond: d.uncond, Text: d.text, Extra: d.extra, Delta: delta}
	if err := s.Guide(g); err != nil {
		t.Fatalf("step %d: Guide: %v", step, err)
	}
	return delta
}

func TestSEGAMatchesFloat64Reference(t *testing.T) {
	tests := []struct {
		name             string
		cfg              SEGAConfig
		b, c, h, w, step int
		sem              bool // replay random sem_guidance too
	}{
		{"defaults, one concept, through warm-up", DefaultSEGAConfig(DefaultConcept("snow")), 1, 4, 8, 8, 14, false},
		{"staggered warm-ups, reverse, cool-down", SEGAConfig{Concepts: []Concept{
			{Prompt: "a", Weight: 1, EditGuidance: 5, WarmUp: 0, CoolDown: intp(6), Threshold: 0.9},
			{Prompt: "b", Weight: 0.5, EditGuidance: 7, WarmUp: 3, Threshold: 0.5, Reverse: true},
			{Prompt: "c", Weight: 2, EditGuidance: 3, WarmUp: 8, Threshold: 0.75},
		}, MomentumScale: 0.3, MomentumBeta: 0.6}, 1, 4, 8, 8, 12, false},
		{"weights zero and negative", SEGAConfig{Concepts: []Concept{
			{Prompt: "a", Weight: 0, EditGuidance: 5, WarmUp: 0, Threshold: 0.9},
			{Prompt: "b", Weight: -1, EditGuidance: 5, WarmUp: 2, Threshold: 0.9},
			{Prompt: "c", Weight: 1.5, EditGuidance: 4, WarmUp: 4, Threshold: 0.8},
		}, MomentumScale: 0.1, MomentumBeta: 0.4}, 1, 4, 8, 8, 8, false},
		{"batch 2, odd plane, thresholds 0 and 0.95, sem guidance", SEGAConfig{Concepts: []Concept{
			{Prompt: "a", Weight: 1, EditGuidance: 6, WarmUp: 1, Threshold: 0},
			{Prompt: "b", Weight: 3, EditGuidance: 2, WarmUp: 2, CoolDown: intp(4), Threshold: 0.95},
		}, MomentumScale: 0.2, MomentumBeta: 0.5}, 2, 3, 5, 7, 6, true},
		{"cool-down before warm-up", SEGAConfig{Concepts: []Concept{
			{Prompt: "a", Weight: 1, EditGuidance: 5, WarmUp: 4, CoolDown: intp(2), Threshold: 0.9},
			{Prompt: "b", Weight: 1, EditGuidance: 5, WarmUp: 0, Threshold: 0.9},
		}, MomentumScale: 0.1, MomentumBeta: 0.4}, 1, 4, 8, 8, 7, false},
	}
	for ti, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ti), 7))
			size := tt.b * tt.c * tt.h * tt.w
			if tt.sem {
				tt.cfg.SemGuidance = randomSem(rng, tt.step, size)
			}
			s := mustSEGA(t, tt.cfg, renderInfo(tt.b, tt.c, tt.h, tt.w, tt.step))
			ref := newRefSEGA(tt.cfg, tt.b, tt.c, tt.h, tt.w)
			for i := 0; i < tt.step; i++ {
				d := randomStep(rng, size, len(tt.cfg.Concepts))
				delta := cfgDelta(d, 7.5)
				got := guide(t, s, i, d, delta)
				want := float64s(delta)
				extras := make([][]float64, len(d.extra))
				for c, e := range d.extra {
					extras[c] = float64s(e)
				}
				ref.step(i, float64s(d.uncond), extras, want)
				compareDelta(t, i, got, want)
			}
			// float32 rounds |d| by ~1e-7 and the quantile's rank weight by one ulp of the
			// rank (≤ 4e-6 for 64 values), so values this far from q cannot flip the mask.
			if ref.minMargin < 5e-6 {
				t.Fatalf("test data has a near tie at the threshold (margin %g): pick another seed", ref.minMargin)
			}
		})
	}
}

func randomSem(rng *rand.Rand, steps, size int) [][]float32 {
	sem := make([][]float32, steps)
	for i := range sem {
		sem[i] = make([]float32, size)
		for k := range sem[i] {
			sem[i][k] = float32(0.1 * rng.NormFloat64())
		}
	}
	return sem
}

func compareDelta(t *testing.T, step int, got []float32, want []float64) {
	t.Helper()
	for k := range got {
		if math.Abs(float64(got[k])-want[k]) > 1e-5*(1+math.Abs(want[k])) {
			t.Fatalf("step %d, value %d: %g, float64 reference %g", step, k, got[k], want[k])
		}
	}
}
