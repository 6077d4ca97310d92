package techniques

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// constStep is a step whose uncond and text are zero and whose concepts are given.
func constStep(size int, concepts ...[]float32) stepData {
	return stepData{uncond: make([]float32, size), text: make([]float32, size), extra: concepts}
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func closeTo(got []float32, want []float64, tol float64) bool {
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol {
			return false
		}
	}
	return len(got) == len(want)
}

// Hand-worked masks: B=2, C=2, 1×4 planes, threshold 0.5 (rank 1.5 of 4), no momentum.
//
//	b0 ch0 |·| 3,3,3,1   → q = 3   → the three 3s stay (ties kept by >=)
//	b0 ch1 10,20,30,40   → q = 25  → 30, 40 stay (its own channel, not the sample's)
//	b1 ch0 |·| 1,2,3,4   → q = 2.5 → −3, −4 stay (its own sample)
//	b1 ch1 0,0,0,5       → q = 0   → everything stays
func TestSEGAMaskPerSampleAndChannel(t *testing.T) {
	concept := []float32{3, -3, 3, 1, 10, 20, 30, 40, -1, -2, -3, -4, 0, 0, 0, 5}
	masked := []float64{3, -3, 3, 0, 0, 0, 30, 40, 0, 0, -3, -4, 0, 0, 0, 5}
	tests := []struct {
		name    string
		scale   float64
		reverse bool
		factor  float64
	}{
		{"towards", 1, false, 1},
		{"reverse negates", 1, true, -1},
		{"scale scales values and threshold alike", 2.5, false, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			con := Concept{Prompt: "x", Weight: 1, EditGuidance: tt.scale, Threshold: 0.5, Reverse: tt.reverse}
			s := mustSEGA(t, SEGAConfig{Concepts: []Concept{con}}, renderInfo(2, 2, 1, 4, 3))
			got := guide(t, s, 0, constStep(16, concept), make([]float32, 16))
			want := make([]float64, 16)
			for i, m := range masked {
				want[i] = tt.factor * m
			}
			if !closeTo(got, want, 1e-6) {
				t.Fatalf("delta %v, want %v", got, want)
			}
			st := s.LastStats()
			if st.Branch != BranchAll || st.Concepts[0].Kept != 11.0/16 || math.Abs(st.Concepts[0].MeanAbs-tt.scale*91/16) > 1e-5 {
				t.Errorf("stats %+v, want branch all, kept 11/16, mean |edit| %g", st, tt.scale*91/16)
			}
		})
	}
}

// Three concepts, two warm with weights 1 and 3, edits 1 and 2 (threshold 0 keeps all): the
// partial branch adds (1·1 + 3·2)/4 = 1.75 and no momentum, while the momentum still sums
// all three unnormalised: S = 1 + 6 + 5 = 12, M = 0.6·12 = 7.2; next step
// M = 0.4·7.2 + 0.6·(12 + 0.1·7.2) = 10.512.
func TestSEGAPartialWarmUpAverages(t *testing.T) {
	cfg := DefaultSEGAConfig(
		Concept{Prompt: "a", Weight: 1, EditGuidance: 1, WarmUp: 0},
		Concept{Prompt: "b", Weight: 3, EditGuidance: 1, WarmUp: 0},
		Concept{Prompt: "c", Weight: 1, EditGuidance: 1, WarmUp: 10},
	)
	s := mustSEGA(t, cfg, renderInfo(1, 1, 1, 2, 12))
	d := constStep(2, filled(2, 1), filled(2, 2), filled(2, 5))
	for i, wantM := range []float64{7.2, 10.512} {
		got := guide(t, s, i, d, make([]float32, 2))
		if !closeTo(got, []float64{1.75, 1.75}, 1e-6) {
			t.Fatalf("step %d: delta %v, want 1.75 (normalised weights, no momentum)", i, got)
		}
		if st := s.LastStats(); st.Branch != BranchPartial || math.Abs(st.MomentumRMS-wantM) > 1e-5 {
			t.Fatalf("step %d: stats %+v, want partial branch, momentum %g", i, st, wantM)
		}
	}
}

// One concept, edit 1, warm-up 2, momentum 0.1/0.4: nothing is added at steps 0 and 1 but
// momentum builds (0.6, then 0.4·0.6 + 0.6·1.06 = 0.876); step 2 adds 1 + 0.0876.
// Cool-down at step 3 then leaves only momentum: 0.1·(0.4·0.876 + 0.6·1.0876) = 0.100296.
func TestSEGAMomentumDuringWarmUpAndCoolDown(t *testing.T) {
	con := Concept{Prompt: "a", Weight: 1, EditGuidance: 1, WarmUp: 2, CoolDown: intp(3)}
	s := mustSEGA(t, DefaultSEGAConfig(con), renderInfo(1, 1, 1, 3, 5))
	d := constStep(3, filled(3, 1))
	for i, added := range []float64{0, 0, 1.0876, 0.100296} {
		got := guide(t, s, i, d, filled(3, 0.5))
		if !closeTo(got, []float64{0.5 + added, 0.5 + added, 0.5 + added}, 1e-6) {
			t.Fatalf("step %d: delta %v, want 0.5 + %g", i, got, added)
		}
	}
	if st := s.LastStats(); !st.Concepts[0].Cooled || st.Concepts[0].Kept != 0 {
		t.Errorf("after cool-down stats %+v, want the concept cooled with nothing kept", st)
	}
}

// Two warm concepts whose weights are all ≤ 0 while a third warms up: diffusers divides 0
// by 0 here; nudge must add nothing and stay finite.
func TestSEGAPartialWithZeroWeightsAddsNothing(t *testing.T) {
	cfg := DefaultSEGAConfig(
		Concept{Prompt: "a", Weight: 0, EditGuidance: 1},
		Concept{Prompt: "b", Weight: -2, EditGuidance: 1},
		Concept{Prompt: "c", Weight: 1, EditGuidance: 1, WarmUp: 5},
	)
	s := mustSEGA(t, cfg, renderInfo(1, 1, 1, 2, 6))
	got := guide(t, s, 0, constStep(2, filled(2, 1), filled(2, 2), filled(2, 3)), filled(2, 0.25))
	if !closeTo(got, []float64{0.25, 0.25}, 0) {
		t.Fatalf("delta %v, want it unchanged at 0.25", got)
	}
}

func TestSEGALeavesPlainCFGAlone(t *testing.T) {
	weightZero := DefaultConcept("snow")
	weightZero.Weight, weightZero.WarmUp = 0, 0
	tests := []struct {
		name string
		cfg  SEGAConfig
		cfg1 bool // CFG on
	}{
		{"no concepts", DefaultSEGAConfig(), true},
		{"weight 0", DefaultSEGAConfig(weightZero), true},
		{"guidance ≤ 1", DefaultSEGAConfig(DefaultConcept("snow")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := renderInfo(1, 4, 8, 8, 14)
			info.CFG = tt.cfg1
			s := mustSEGA(t, tt.cfg, info)
			n := len(tt.cfg.Concepts)
			if !tt.cfg1 {
				if c := s.Conditions(); c != nil {
					t.Fatalf("Conditions without CFG = %q, want none", c)
				}
				n = 0
			}
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range 14 {
				d := randomStep(rng, 256, n)
				want := cfgDelta(d, 7.5)
				if got := guide(t, s, i, d, want); !closeTo(got, float64s(want), 0) {
					t.Fatalf("step %d: SEGA changed the plain CFG term", i)
				}
			}
		})
	}
}

func TestSEGAConceptOrderIndependent(t *testing.T) {
	a := Concept{Prompt: "a", Weight: 1.5, EditGuidance: 6, WarmUp: 2, Threshold: 0.8}
	b := Concept{Prompt: "b", Weight: 0.7, EditGuidance: 4, WarmUp: 5, Threshold: 0.6, Reverse: true}
	info := renderInfo(1, 4, 8, 8, 10)
	ab := mustSEGA(t, DefaultSEGAConfig(a, b), info)
	ba := mustSEGA(t, DefaultSEGAConfig(b, a), info)
	rng := rand.New(rand.NewPCG(5, 6))
	var changed bool
	for i := range 10 {
		d := randomStep(rng, 256, 2)
		delta := cfgDelta(d, 7.5)
		got1 := guide(t, ab, i, d, delta)
		swapped := d
		swapped.extra = [][]float32{d.extra[1], d.extra[0]}
		got2 := guide(t, ba, i, swapped, delta)
		if !slices.Equal(got1, got2) {
			t.Fatalf("step %d: concept order changed the guidance", i)
		}
		changed = changed || !slices.Equal(got1, delta)
	}
	if !changed {
		t.Fatal("SEGA never changed the guidance: the test proves nothing")
	}
}

func TestSEGASemGuidanceAddedWithoutConcepts(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	cfg := DefaultSEGAConfig()
	cfg.SemGuidance = randomSem(rng, 3, 8)
	s := mustSEGA(t, cfg, renderInfo(2, 1, 2, 2, 3))
	for i := range 3 {
		d := randomStep(rng, 8, 0)
		delta := cfgDelta(d, 7.5)
		want := make([]float64, 8)
		for k := range want {
			want[k] = float64(delta[k] + cfg.SemGuidance[i][k])
		}
		if got := guide(t, s, i, d, delta); !closeTo(got, want, 0) {
			t.Fatalf("step %d: delta %v, want %v", i, got, want)
		}
	}
}

func TestSEGAConditionsInOrder(t *testing.T) {
	s, err := NewSEGA(DefaultSEGAConfig(DefaultConcept("snow"), DefaultConcept("night")))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Conditions(); !slices.Equal(got, []string{"snow", "night"}) {
		t.Errorf("Conditions = %q, want [snow night]", got)
	}
}
