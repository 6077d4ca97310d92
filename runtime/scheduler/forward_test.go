package scheduler

import (
	"math"
	"testing"
)

// add_noise against float64: DDIM and PNDM use √ᾱ_t·x + √(1−ᾱ_t)·ε at the step's timestep;
// DPM-Solver++ uses α_t·x + σ_t·ε from the step's σ, which equals the ᾱ form without
// Karras sigmas. Euler has no forward process SAG can use.
func TestForwardAddNoiseMatchesFloat64(t *testing.T) {
	x := []float32{1, -0.5, 0.25, 2}
	n := []float32{0.3, 0.7, -1.2, 0.01}
	for _, name := range []string{"pndm", "ddim", "dpmpp_2m"} {
		s, err := New(name, SD15Config(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetTimesteps(10); err != nil {
			t.Fatal(err)
		}
		f, ok := ForwardOf(s)
		if !ok {
			t.Fatalf("%s has no forward process", name)
		}
		if f.PredictionType() != "epsilon" {
			t.Errorf("%s: prediction %q", name, f.PredictionType())
		}
		for i, ts := range s.Timesteps() {
			ac, err := f.AlphaCumprod(ts)
			if err != nil {
				t.Fatal(err)
			}
			got := f.AddNoise(x, n, i)
			for j := range x {
				want := math.Sqrt(ac)*float64(x[j]) + math.Sqrt(1-ac)*float64(n[j])
				if math.Abs(float64(got[j])-want) > 2e-6 {
					t.Fatalf("%s step %d (t=%g): add_noise %v, float64 %v", name, i, ts, got[j], want)
				}
			}
		}
		if _, err := f.AlphaCumprod(999.5); err == nil {
			t.Errorf("%s: a fractional timestep was accepted", name)
		}
	}
	for _, name := range []string{"euler", "euler_a"} {
		s, _ := New(name, SD15Config(), Options{})
		if _, ok := ForwardOf(s); ok {
			t.Errorf("%s claims a forward process", name)
		}
	}
}
