package scheduler

import (
	"math"
	"testing"
)

// refSpacing recomputes diffusers' spacings in float64 from the formulas of diffusers'
// set_timesteps (timestep_spacing), written directly (no numpy emulation): descending timesteps for
// DDIM/PNDM/Euler-style spacing.
func refSpacing(spacing string, n, steps, offset int, round bool) []float64 {
	var out []float64
	switch spacing {
	case "leading":
		for k := steps - 1; k >= 0; k-- {
			out = append(out, float64(k*(n/steps)+offset))
		}
	case "trailing":
		for k := 0; float64(n)-float64(k)*float64(n)/float64(steps) > 1e-9; k++ {
			out = append(out, math.RoundToEven(float64(n)-float64(k)*float64(n)/float64(steps))-1)
		}
	default:
		for k := steps - 1; k >= 0; k-- {
			v := 0.0
			if steps > 1 {
				v = float64(k) * float64(n-1) / float64(steps-1)
			}
			if round {
				v = math.RoundToEven(v)
			}
			out = append(out, v)
		}
	}
	return out
}

// refInterp interpolates the float64 σ table linearly at fractional t.
func refInterp(t float64, table []float64) float64 {
	lo := math.Floor(t)
	if lo >= float64(len(table)-1) {
		return table[len(table)-1]
	}
	return table[int(lo)] + (t-lo)*(table[int(lo)+1]-table[int(lo)])
}

type configCase struct {
	name    string
	spacing string
	pred    string
}

func sdConfigWith(t *testing.T, spacing string) Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
		"beta_schedule": "scaled_linear", "skip_prk_steps": true, "steps_offset": 1, "clip_sample": false,
		"set_alpha_to_one": false, "timestep_spacing": "`+spacing+`"}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newScheduler(t *testing.T, name string, cfg Config, opt Options, steps int) Scheduler {
	t.Helper()
	s, err := New(name, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTimesteps(steps); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	allSpacings = []string{"leading", "trailing", "linspace"}
	allSteps    = []int{1, 2, 7, 20, 50}
)

func TestDDIMAndPNDMTimesteps(t *testing.T) {
	for _, spacing := range allSpacings {
		for _, steps := range allSteps {
			want := refSpacing(spacing, 1000, steps, 1, true)
			ddim := newScheduler(t, "ddim", sdConfigWith(t, spacing), Options{}, steps)
			assertExact(t, "ddim "+spacing, ddim.Timesteps(), want)

			// PNDM: the second timestep repeats (warm-up), so T ≥ 2 steps take T+1 calls.
			plms := append([]float64{want[0]}, want...)
			if len(want) == 1 {
				plms = want
			}
			pndm := newScheduler(t, "pndm", sdConfigWith(t, spacing), Options{}, steps)
			if len(want) >= 2 {
				plms = append([]float64{want[0], want[1]}, want[1:]...)
			}
			assertExact(t, "pndm "+spacing, pndm.Timesteps(), plms)
		}
	}
}

func TestEulerTimestepsAndSigmas(t *testing.T) {
	table := refSigmaTable(refAlphasCumprod("scaled_linear", 0.00085, 0.012, 1000))
	for _, name := range []string{"euler", "euler_a"} {
		for _, spacing := range allSpacings {
			for _, steps := range allSteps {
				s := newScheduler(t, name, sdConfigWith(t, spacing), Options{}, steps).(*euler)
				want := refSpacing(spacing, 1000, steps, 1, false)
				assertClose(t, name+" "+spacing+" timesteps", s.Timesteps(), want, 1e-6)
				wantSig := make([]float64, 0, len(want)+1)
				for _, ts := range want {
					wantSig = append(wantSig, refInterp(ts, table))
				}
				assertClose(t, name+" "+spacing+" sigmas", s.Sigmas(), append(wantSig, 0), 2e-6)
			}
		}
	}
}

func TestDPMSolverTimestepsAndSigmas(t *testing.T) {
	table := refSigmaTable(refAlphasCumprod("scaled_linear", 0.00085, 0.012, 1000))
	for _, spacing := range allSpacings {
		for _, steps := range allSteps {
			s := newScheduler(t, "dpmpp_2m", sdConfigWith(t, spacing), Options{}, steps).(*dpmSolver)
			var want []float64
			switch spacing {
			case "leading": // T+1 points, ratio N//(T+1), the smallest dropped
				for k := steps; k >= 1; k-- {
					want = append(want, float64(k*(1000/(steps+1))+1))
				}
			case "trailing":
				want = refSpacing("trailing", 1000, steps, 0, true)
			default:
				for k := steps; k >= 1; k-- {
					want = append(want, math.RoundToEven(float64(k)*999/float64(steps)))
				}
			}
			assertExact(t, "dpmpp_2m "+spacing, s.Timesteps(), want)
			wantSig := make([]float64, 0, len(want)+1)
			for _, ts := range want {
				wantSig = append(wantSig, table[int(ts)])
			}
			assertClose(t, "dpmpp_2m "+spacing+" sigmas", s.Sigmas(), append(wantSig, 0), 2e-6)
		}
	}
}

// Values diffusers gives for SD 1.5's config.
func TestKnownSchedules(t *testing.T) {
	sd := SD15Config()
	pndm := newScheduler(t, "", sd, Options{}, 50)
	if ts := pndm.Timesteps(); len(ts) != 51 || ts[0] != 981 || ts[1] != 961 || ts[2] != 961 || ts[3] != 941 || ts[49] != 21 || ts[50] != 1 {
		t.Errorf("PNDM T=50 timesteps = %v…", ts[:5])
	}
	eu := newScheduler(t, "euler", sd, Options{}, 20).(*euler)
	assertClose(t, "euler T=20 σ head", eu.Sigmas()[:3], []float64{14.6147, 10.7469, 8.0815}, 1e-4)
	assertClose(t, "euler T=20 σ tail", eu.Sigmas()[19:], []float64{0.0292, 0}, 2e-3)
	assertClose(t, "euler T=20 timesteps", []float64{eu.Timesteps()[1], eu.Timesteps()[18]}, []float64{946.42, 52.58}, 1e-4)
	if got := eu.InitNoiseSigma(); math.Abs(got-14.6147) > 1e-4 {
		t.Errorf("euler linspace init sigma = %v, want 14.6147", got)
	}
	kar := newScheduler(t, "euler", sd, Options{Karras: true}, 20).(*euler)
	assertClose(t, "karras T=20 σ head", kar.Sigmas()[:4], []float64{14.6147, 11.7254, 9.3402, 7.3836}, 1e-4)
	assertClose(t, "karras T=20 σ tail", kar.Sigmas()[18:], []float64{0.0485, 0.0292, 0}, 2e-3)
	dpm := newScheduler(t, "dpmpp_2m", sd, Options{}, 20)
	assertExact(t, "dpm T=20 head", dpm.Timesteps()[:3], []float64{999, 949, 899})
	if dpm.Timesteps()[19] != 50 {
		t.Errorf("dpm T=20 last timestep = %v, want 50", dpm.Timesteps()[19])
	}
	lead := sdConfigWith(t, "leading")
	if got := newScheduler(t, "euler", lead, Options{}, 50).InitNoiseSigma(); math.Abs(got-math.Sqrt(interpSigmaAt(981)*interpSigmaAt(981)+1)) > 1e-4 {
		t.Errorf("euler leading init sigma = %v", got)
	}
}

func interpSigmaAt(t float64) float64 {
	return refInterp(t, refSigmaTable(refAlphasCumprod("scaled_linear", 0.00085, 0.012, 1000)))
}

// Karras: σ^{1/7} falls linearly from σ_max to σ_min; Euler maps each σ back to a fractional
// timestep, DPM-Solver rounds it.
func TestKarrasSigmas(t *testing.T) {
	table := refSigmaTable(refAlphasCumprod("scaled_linear", 0.00085, 0.012, 1000))
	for _, steps := range []int{2, 20, 50} {
		for _, name := range []string{"euler", "dpmpp_2m"} {
			s := newScheduler(t, name, SD15Config(), Options{Karras: true}, steps)
			sig := s.(interface{ Sigmas() []float64 }).Sigmas()
			lo, hi := math.Pow(table[0], 1.0/7), math.Pow(table[999], 1.0/7)
			for i := 0; i < steps; i++ {
				want := math.Pow(hi+float64(i)/float64(steps-1)*(lo-hi), 7)
				// 3e-5: σ_min = √((1−ᾱ_0)/ᾱ_0) inherits ᾱ_0's float32 rounding, amplified by 1−ᾱ_0 ≈ 8.5e-4.
				if !relClose(sig[i], want, 3e-5) {
					t.Fatalf("%s T=%d σ[%d] = %v, want %v", name, steps, i, sig[i], want)
				}
				tt := s.Timesteps()[i]
				back := math.Exp(refInterp(tt, logOf(table)))
				if name == "dpmpp_2m" {
					if tt != math.Round(tt) {
						t.Fatalf("dpm karras timestep %v is not whole", tt)
					}
				} else if !relClose(back, sig[i], 3e-5) {
					t.Fatalf("euler karras t[%d] = %v maps back to σ %v, want %v", i, tt, back, sig[i])
				}
			}
		}
	}
	if _, err := New("ddim", SD15Config(), Options{Karras: true}); err == nil {
		t.Fatal("ddim accepted Karras sigmas; diffusers offers none")
	}
}

func logOf(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

func assertExact(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
