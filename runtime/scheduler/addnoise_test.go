package scheduler

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sd15AlphaBar recomputes SD 1.x's ᾱ_t in float64 from its config alone (scaled_linear betas
// from 0.00085 to 0.012 over 1000 steps), independently of betas.go.
func sd15AlphaBar(t int) float64 {
	lo, hi := math.Sqrt(0.00085), math.Sqrt(0.012)
	ac := 1.0
	for k := 0; k <= t; k++ {
		b := lo + (hi-lo)*float64(k)/999
		ac *= 1 - b*b
	}
	return ac
}

// AddNoise against a float64 recomputation of each scheduler's forward process at the
// timestep an img2img render starts from: VP (PNDM, DDIM) √ᾱ·x0 + √(1−ᾱ)·ε, VE (Euler)
// x0 + σ·ε, DPM-Solver's α_t·x0 + σ_t·ε with σ = √((1−ᾱ)/ᾱ).
func TestAddNoiseMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x0, eps := randVec(rng, 64), randVec(rng, 64)
	for _, name := range []string{"pndm", "ddim", "euler", "euler_a", "dpmpp_2m"} {
		for _, strength := range []float64{0.3, 0.75, 1} {
			s := newScheduler(t, name, SD15Config(), Options{}, 20)
			i := StrengthStart(20, strength)
			got, err := s.AddNoise(x0, eps, i)
			if err != nil {
				t.Fatal(err)
			}
			ts := s.Timesteps()[i]
			ac := sd15AlphaBar(int(ts))
			// Euler's fractional timesteps take σ interpolated linearly between table entries
			// (diffusers' np.interp over the σ table).
			lo, hi := sd15AlphaBar(int(ts)), sd15AlphaBar(int(ts)+1)
			f := ts - math.Trunc(ts)
			sigma := (1-f)*math.Sqrt((1-lo)/lo) + f*math.Sqrt((1-hi)/hi)
			if f == 0 {
				sigma = math.Sqrt((1 - ac) / ac)
			}
			if f != 0 && name != "euler" && name != "euler_a" {
				t.Fatalf("%s: timestep %v is not whole", name, ts)
			}
			a, b := math.Sqrt(ac), math.Sqrt(1-ac) // VP, and DPM-Solver's α_t, σ_t (the same numbers)
			if name == "euler" || name == "euler_a" {
				a, b = 1, sigma
			}
			for j := range got {
				want := a*float64(x0[j]) + b*float64(eps[j])
				if d := math.Abs(float64(got[j]) - want); d > 2e-6*(1+math.Abs(want)) {
					t.Fatalf("%s strength %v (call %d, t=%v): [%d] = %v, want %v (|Δ| %.2g)", name, strength, i, ts, j, got[j], want, d)
				}
			}
		}
	}
}

// get_timesteps' arithmetic, including the float products Python truncates (50·0.6 is
// 30.000000000000004 → 30; 10·0.7 → 7).
func TestStrengthStart(t *testing.T) {
	cases := []struct {
		n        int
		strength float64
		want     int
	}{{50, 0.6, 20}, {10, 0.7, 3}, {10, 0.3, 7}, {20, 1, 0}, {20, 0, 20}, {3, 0.5, 2}, {25, 0.75, 7}}
	for _, c := range cases {
		if got := StrengthStart(c.n, c.strength); got != c.want {
			t.Errorf("StrengthStart(%d, %v) = %d, want %d", c.n, c.strength, got, c.want)
		}
	}
}

// An img2img trajectory: noise x0 to the start call with AddNoise, then step from there with a
// perfect denoiser; every scheduler must land on x0 (or the DDPM schedulers' final ᾱ), which
// checks that AddNoise puts the sample where Step expects it at a begin index > 0. PNDM is
// left out on purpose: its warm-up is driven by a call counter that restarts at 0 (diffusers'
// PNDMScheduler has no set_begin_index), so mid-schedule its second call re-steps from the
// first call's timestep and its third is one timestep behind the sample — diffusers' img2img
// with PNDM does the same, and nudge keeps it.
func TestAddNoiseThenStepFromBeginIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"ddim", "euler", "euler_a", "dpmpp_2m"} {
		s := newScheduler(t, name, SD15Config(), Options{}, 20)
		x0, eps := randVec(rng, 8), randVec(rng, 8)
		start := StrengthStart(20, 0.6)
		x, err := s.AddNoise(x0, eps, start)
		if err != nil {
			t.Fatal(err)
		}
		zeros := func(n int) []float32 { return make([]float32, n) }
		for i := start; i < len(s.Timesteps()); i++ {
			if x, err = s.Step(oracleModel(s, i, x, x0, false), x, i, zeros); err != nil {
				t.Fatal(err)
			}
		}
		wa, wb := 1.0, 0.0
		if f, ok := s.(interface{ alphaFinal() float64 }); ok {
			a0 := f.alphaFinal()
			wa, wb = math.Sqrt(a0), math.Sqrt(1-a0)
		}
		for j := range x {
			if want := wa*float64(x0[j]) + wb*float64(eps[j]); math.Abs(float64(x[j])-want) > 2e-4 {
				t.Fatalf("%s: x[%d] = %v, want %v", name, j, x[j], want)
			}
		}
	}
}

func TestAddNoiseRefusesBadCalls(t *testing.T) {
	s := newScheduler(t, "ddim", SD15Config(), Options{}, 10)
	x := make([]float32, 4)
	for _, c := range []struct {
		noise []float32
		i     int
	}{{x, -1}, {x, 10}, {make([]float32, 3), 0}} {
		if _, err := s.AddNoise(x, c.noise, c.i); err == nil {
			t.Errorf("AddNoise(len %d, i=%d) accepted", len(c.noise), c.i)
		}
	}
}
