package scheduler

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// LCMScheduler.set_timesteps worked by hand: k = 1000//50 = 20, the distillation schedule
// 19, 39, …, 999, reversed and sampled at floor(linspace(0, 50, T, endpoint=False)).
func TestLCMTimestepsKnown(t *testing.T) {
	cases := []struct {
		origin, steps int
		want          []float64
	}{
		{50, 1, []float64{999}},
		{50, 2, []float64{999, 499}},
		{50, 4, []float64{999, 759, 499, 259}}, // the LCM-LoRA model cards' 4-step schedule
		{50, 8, []float64{999, 879, 759, 639, 499, 379, 259, 139}},
		{50, 50, nil},                     // every entry of the distillation schedule
		{30, 3, []float64{989, 659, 329}}, // k = 33: 33·j − 1 for j = 30, 20, 10
	}
	for _, tc := range cases {
		cfg, err := SD15Config().With(map[string]any{"original_inference_steps": tc.origin})
		if err != nil {
			t.Fatal(err)
		}
		s := newScheduler(t, "lcm", cfg, Options{}, tc.steps)
		want := tc.want
		if want == nil {
			for j := tc.origin; j >= 1; j-- {
				want = append(want, float64(j*(1000/tc.origin)-1))
			}
		}
		assertExact(t, "lcm timesteps", s.Timesteps(), want)
	}
}

// Against an exact integer recomputation (floor(i·origin/steps)) for the origins LCM checkpoints
// use: numpy's float linspace agrees with exact arithmetic there. Where it does not, nudge follows
// numpy, as diffusers does: 27·(333/81) is 110.99999999999999 in float64, so index 110, not 111.
func TestLCMTimestepsSweep(t *testing.T) {
	for _, origin := range []int{1, 7, 25, 50, 100} {
		for steps := 1; steps <= origin; steps++ {
			ts, err := lcmTimesteps(1000, origin, steps)
			if err != nil {
				t.Fatal(err)
			}
			k := 1000 / origin
			for i, got := range ts {
				if want := float64((origin-i*origin/steps)*k - 1); got != want {
					t.Fatalf("origin %d steps %d: t[%d] = %v, want %v", origin, steps, i, got, want)
				}
			}
		}
	}
	ts, err := lcmTimesteps(1000, 333, 81)
	if err != nil {
		t.Fatal(err)
	}
	if ts[27] != (333-110)*3-1 {
		t.Fatalf("origin 333 steps 81: t[27] = %v, want numpy's %d", ts[27], (333-110)*3-1)
	}
}

// c_skip and c_out (Consistency Models appendix C, σ_data = 0.5) at known timesteps: t = 0 is the
// identity, and at t = 259 with scaling 10, c_skip = 0.25/(2590² + 0.25).
func TestLCMBoundary(t *testing.T) {
	s := newScheduler(t, "lcm", SD15Config(), Options{}, 4).(*lcm)
	cases := []struct{ t, skip, out float64 }{
		{0, 1, 0},
		{259, 0.25 / (2590*2590 + 0.25), 2590 / math.Sqrt(2590*2590+0.25)},
		{999, 0.25 / (9990*9990 + 0.25), 9990 / math.Sqrt(9990*9990+0.25)},
	}
	for _, c := range cases {
		skip, out := s.boundary(c.t)
		if math.Abs(skip-c.skip) > 1e-15 || math.Abs(out-c.out) > 1e-15 {
			t.Errorf("t=%v: c_skip, c_out = %v, %v; want %v, %v", c.t, skip, out, c.skip, c.out)
		}
		if math.Abs(skip+out*out-1) > 1e-12 { // c_skip + c_out² = 1 for σ_data² = 0.25·1
			t.Errorf("t=%v: c_skip + c_out² = %v", c.t, skip+out*out)
		}
	}
}

// Every call recomputed in float64 from diffusers' LCMScheduler.step for each prediction type,
// with clipping: noise is drawn (one full-size vector) on every call but the last.
func TestLCMStepByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, pred := range []string{"epsilon", "v_prediction", "sample"} {
		for _, clip := range []bool{false, true} {
			cfg, err := SD15Config().With(map[string]any{"prediction_type": pred, "clip_sample": clip, "timestep_scaling": 7.5})
			if err != nil {
				t.Fatal(err)
			}
			s := newScheduler(t, "lcm", cfg, Options{}, 4).(*lcm)
			x := randVec(rng, 6)
			for i, ts := range s.Timesteps() {
				m, z := randVec(rng, 6), randVec(rng, 6)
				draws := 0
				out, err := s.Step(m, x, i, func(n int) []float32 { draws++; return z[:n] })
				if err != nil {
					t.Fatal(err)
				}
				last := i == len(s.Timesteps())-1
				if (draws == 1) == last || draws > 1 {
					t.Fatalf("%s call %d: %d noise draws", pred, i, draws)
				}
				a := s.ac[int(ts)]
				tau := ts * 7.5
				skip, cout := 0.25/(tau*tau+0.25), tau/math.Sqrt(tau*tau+0.25)
				for j := range x {
					xv, mv := float64(x[j]), float64(m[j])
					x0 := map[string]float64{
						"epsilon":      (xv - math.Sqrt(1-a)*mv) / math.Sqrt(a),
						"v_prediction": math.Sqrt(a)*xv - math.Sqrt(1-a)*mv,
						"sample":       mv,
					}[pred]
					if clip {
						x0 = math.Max(-1, math.Min(1, x0))
					}
					want := cout*x0 + skip*xv
					if !last {
						ap := s.ac[int(s.Timesteps()[i+1])]
						want = math.Sqrt(ap)*want + math.Sqrt(1-ap)*float64(z[j])
					}
					if math.Abs(float64(out[j])-want) > 1e-5*math.Max(1, math.Abs(want)) {
						t.Fatalf("%s clip=%v call %d [%d] = %v, by hand %v", pred, clip, i, j, out[j], want)
					}
				}
				x = out
			}
		}
	}
}

// An LCM-LoRA export's scheduler_config.json (diffusers writes LCMScheduler's keys) loads, and
// SD 1.5's PNDM config carries over to lcm with LCM's own defaults for the new keys.
func TestLCMConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"_class_name": "LCMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
		"beta_schedule": "scaled_linear", "original_inference_steps": 100, "timestep_scaling": 10.0,
		"set_alpha_to_one": true, "steps_offset": 1, "prediction_type": "epsilon"}`), "lcm.json")
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, "", cfg, Options{}, 4)
	assertExact(t, "origin 100", s.Timesteps(), []float64{999, 749, 499, 249})
	if s.Name() != "lcm" {
		t.Fatalf("name %q", s.Name())
	}
	from := newScheduler(t, "LCMScheduler", SD15Config(), Options{}, 4).(*lcm)
	if from.origin != 50 || from.scaling != 10 || from.p.betaSchedule != "scaled_linear" {
		t.Fatalf("from SD 1.5 config: origin %d scaling %v schedule %s", from.origin, from.scaling, from.p.betaSchedule)
	}
}

// Bad LCM settings are the user's, in one line.
func TestLCMRefuses(t *testing.T) {
	bad := []struct {
		over  map[string]any
		steps int
		says  string
	}{
		{nil, 51, "original_inference_steps 50"},
		{map[string]any{"original_inference_steps": 2000}, 4, "out of range"},
		{map[string]any{"original_inference_steps": 0}, 1, "out of range"},
		{map[string]any{"timestep_scaling": 0}, 4, "timestep_scaling"},
	}
	for _, b := range bad {
		cfg, err := SD15Config().With(b.over)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New("lcm", cfg, Options{})
		if err == nil {
			err = s.SetTimesteps(b.steps)
		}
		var bi interface{ BadInput() bool }
		if err == nil || !errors.As(err, &bi) || !strings.Contains(err.Error(), b.says) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v steps %d: error %v, want a one-line BadInput naming %q", b.over, b.steps, err, b.says)
		}
	}
	sample, _ := SD15Config().With(map[string]any{"prediction_type": "sample"})
	if _, err := New("ddim", sample, Options{}); err == nil {
		t.Error("ddim accepted prediction_type sample")
	}
}
