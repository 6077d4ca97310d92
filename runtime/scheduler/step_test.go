package scheduler

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// noiseSpace says how a scheduler's sample relates to (x0, ε) at UNet call i: x = a·x0 + b·ε.
func noiseSpace(s Scheduler, i int) (a, b float64) {
	switch v := s.(type) {
	case *euler:
		return 1, v.sigmas[i] // variance exploding
	case *dpmSolver:
		alpha, sigmaT, _ := vp(v.sigmas[i])
		return alpha, sigmaT
	case *pndm:
		ac := v.ac[int(v.ts[i])]
		return math.Sqrt(ac), math.Sqrt(1 - ac)
	case *ddim:
		ac := v.ac[int(v.ts[i])]
		return math.Sqrt(ac), math.Sqrt(1 - ac)
	case *lcm:
		ac := v.ac[int(v.ts[i])]
		return math.Sqrt(ac), math.Sqrt(1 - ac)
	}
	panic("unknown scheduler")
}

// oracleModel is a perfect denoiser for a known x0: from the actual sample it returns the exact ε
// (or v = α·ε − σ·x0 in variance-preserving terms) that explains it.
func oracleModel(s Scheduler, i int, sample, x0 []float32, vPred bool) []float32 {
	a, b := noiseSpace(s, i)
	norm := math.Hypot(a, b) // VE samples: the UNet sees x/√(σ²+1)
	out := make([]float32, len(sample))
	for j := range out {
		eps := (float64(sample[j]) - a*float64(x0[j])) / b
		if vPred {
			out[j] = float32((a*eps - b*float64(x0[j])) / norm)
		} else {
			out[j] = float32(eps)
		}
	}
	return out
}

// With a perfect denoiser every deterministic step lands back on the (x0, ε) trajectory, so the
// loop ends at x0 (final σ = 0) or at √ᾱ_0·x0 + √(1−ᾱ_0)·ε (DDIM/PNDM stop at ᾱ_0 when
// set_alpha_to_one is false). Exercises every step formula, first and second order, ε and v.
func TestPerfectDenoiserReachesTarget(t *testing.T) {
	cases := []struct {
		name   string
		opt    Options
		vPred  bool
		toZero bool
	}{
		{"pndm", Options{}, false, false},
		{"ddim", Options{}, false, false}, {"ddim", Options{}, true, false},
		{"euler", Options{}, false, true}, {"euler", Options{}, true, true}, {"euler", Options{Karras: true}, false, true},
		{"euler_a", Options{}, false, true}, {"euler_a", Options{}, true, true},
		{"dpmpp_2m", Options{}, false, true}, {"dpmpp_2m", Options{}, true, true}, {"dpmpp_2m", Options{Karras: true}, true, true},
		{"lcm", Options{}, false, true}, {"lcm", Options{}, true, true},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range cases {
		for _, steps := range []int{1, 7, 20} {
			cfg := SD15Config()
			if tc.vPred {
				cfg.values["prediction_type"] = "v_prediction"
			}
			s := newScheduler(t, tc.name, cfg, tc.opt, steps)
			x0, eps := randVec(rng, 8), randVec(rng, 8)
			a, b := noiseSpace(s, 0)
			x := make([]float32, len(x0))
			for j := range x {
				x[j] = float32(a*float64(x0[j]) + b*float64(eps[j]))
			}
			zeros := func(n int) []float32 { return make([]float32, n) }
			for i := range s.Timesteps() {
				var err error
				if x, err = s.Step(oracleModel(s, i, x, x0, tc.vPred), x, i, zeros); err != nil {
					t.Fatal(err)
				}
			}
			wa, wb := 1.0, 0.0
			if !tc.toZero {
				a0 := s.(interface{ alphaFinal() float64 }).alphaFinal()
				wa, wb = math.Sqrt(a0), math.Sqrt(1-a0)
			}
			for j := range x {
				want := wa*float64(x0[j]) + wb*float64(eps[j])
				if math.Abs(float64(x[j])-want) > 2e-4 {
					t.Fatalf("%s %+v v=%v T=%d: x[%d] = %v, want %v", tc.name, tc.opt, tc.vPred, steps, j, x[j], want)
				}
			}
		}
	}
}

// PNDM's warm-up and PLMS history, worked by hand from diffusers scheduling_pndm.py (step_plms)
// with T=5 (6 calls): c0: e0 from x; c1: (e0+e1)/2 restarting from x_c0 at t0 → t1; c2:
// ets=[e0,e2]; c3: [e0,e2,e3]; c4: [e0,e2,e3,e4]; c5: [e2,e3,e4,e5] (the c1 output is never
// stored).
func TestPNDMWarmUpByHand(t *testing.T) {
	s := newScheduler(t, "pndm", SD15Config(), Options{}, 5).(*pndm)
	ts := s.Timesteps()
	assertExact(t, "timesteps", ts, []float64{801, 601, 601, 401, 201, 1})
	transfer := func(x, e float64, t, prev int) float64 {
		a := s.ac[t]
		ap := s.ac[0]
		if prev >= 0 {
			ap = s.ac[prev]
		}
		return math.Sqrt(ap/a)*x - (ap-a)*e/(a*math.Sqrt(1-ap)+math.Sqrt(a*(1-a)*ap))
	}
	e := []float64{0.3, -0.2, 0.5, 0.1, -0.4, 0.25} // model output of each call (one element)
	x := 1.5
	var xc0 float64
	want := make([]float64, 6)
	xc0 = x
	want[0] = transfer(x, e[0], 801, 601)
	want[1] = transfer(xc0, (e[0]+e[1])/2, 801, 601)
	want[2] = transfer(want[1], (3*e[2]-e[0])/2, 601, 401)
	want[3] = transfer(want[2], (23*e[3]-16*e[2]+5*e[0])/12, 401, 201)
	want[4] = transfer(want[3], (55*e[4]-59*e[3]+37*e[2]-9*e[0])/24, 201, 1)
	want[5] = transfer(want[4], (55*e[5]-59*e[4]+37*e[3]-9*e[2])/24, 1, -199)
	sample := []float32{float32(x)}
	for i := range ts {
		out, err := s.Step([]float32{float32(e[i])}, sample, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(out[0])-want[i]) > 1e-5 {
			t.Fatalf("call %d: %v, by hand %v", i, out[0], want[i])
		}
		sample = out
	}
}

// DDIM with η > 0 draws one full-size normal vector per step and adds σ_η·z (Song et al. eq. 16).
func TestDDIMEtaByHand(t *testing.T) {
	s := newScheduler(t, "ddim", SD15Config(), Options{Eta: 0.7}, 10).(*ddim)
	x, m := []float32{0.8, -1.1, 0.3}, []float32{0.2, 0.4, -0.9}
	z := []float32{1.5, -0.5, 0.25}
	calls := 0
	noise := func(n int) []float32 {
		calls++
		if n != len(x) {
			t.Fatalf("noise asked for %d values, sample has %d", n, len(x))
		}
		return z
	}
	out, err := s.Step(m, x, 3, noise)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("noise drawn %d times, want 1", calls)
	}
	a, ap := s.ac[601], s.ac[501] // T=10 leading: 901, 801, 701, 601, …
	sig := 0.7 * math.Sqrt((1-ap)/(1-a)*(1-a/ap))
	for j := range x {
		x0 := (float64(x[j]) - math.Sqrt(1-a)*float64(m[j])) / math.Sqrt(a)
		want := math.Sqrt(ap)*x0 + math.Sqrt(1-ap-sig*sig)*float64(m[j]) + sig*float64(z[j])
		if math.Abs(float64(out[j])-want) > 1e-6 {
			t.Fatalf("[%d] = %v, by hand %v", j, out[j], want)
		}
	}
	det := newScheduler(t, "ddim", SD15Config(), Options{}, 10)
	if _, err := det.Step(m, x, 0, func(int) []float32 { t.Fatal("η=0 drew noise"); return nil }); err != nil {
		t.Fatal(err)
	}
}

// Euler ancestral: σ_up, σ_down by hand (diffusers scheduling_euler_ancestral_discrete.py, step),
// one noise draw of the sample's size.
func TestEulerAncestralByHand(t *testing.T) {
	s := newScheduler(t, "euler_a", SD15Config(), Options{}, 20).(*euler)
	x, m, z := []float32{3.1, -2.2}, []float32{0.5, -0.25}, []float32{0.75, 1.25}
	var asked []int
	out, err := s.Step(m, x, 4, func(n int) []float32 { asked = append(asked, n); return z })
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != 2 {
		t.Fatalf("noise requests %v, want one of 2", asked)
	}
	sg, sn := s.sigmas[4], s.sigmas[5]
	up := math.Sqrt(sn * sn * (sg*sg - sn*sn) / (sg * sg))
	down := math.Sqrt(sn*sn - up*up)
	for j := range x {
		want := float64(x[j]) + float64(m[j])*(down-sg) + float64(z[j])*up
		if math.Abs(float64(out[j])-want) > 1e-5 {
			t.Fatalf("[%d] = %v, by hand %v", j, out[j], want)
		}
	}
	if _, err := s.Step(m, x, 5, nil); err == nil {
		t.Fatal("euler_a stepped without a noise source")
	}
}

// DPM++ 2M's second call uses the midpoint formula with D1 = (m1 − m0)/r0 (Lu et al. Alg. 2).
func TestDPMSolverSecondOrderByHand(t *testing.T) {
	s := newScheduler(t, "dpmpp_2m", SD15Config(), Options{}, 20).(*dpmSolver)
	x := []float32{0.9, -0.4}
	e0, e1 := []float32{0.3, 0.1}, []float32{-0.2, 0.6}
	lam := func(sig float64) float64 { return -math.Log(sig) }
	alpha := func(sig float64) float64 { return 1 / math.Sqrt(sig*sig+1) }
	data := func(xv, ev, sig float64) float64 { return (xv - sig*alpha(sig)*ev) / alpha(sig) }
	s0, s1, s2 := s.sigmas[0], s.sigmas[1], s.sigmas[2]
	x1, err := s.Step(e0, x, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x2, err := s.Step(e1, x1, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j := range x {
		m0 := data(float64(x[j]), float64(e0[j]), s0)
		h := lam(s1) - lam(s0)
		first := s1*alpha(s1)/(s0*alpha(s0))*float64(x[j]) - alpha(s1)*(math.Exp(-h)-1)*m0
		if math.Abs(float64(x1[j])-first) > 1e-5 {
			t.Fatalf("first step [%d] = %v, by hand %v", j, x1[j], first)
		}
		m1 := data(float64(x1[j]), float64(e1[j]), s1)
		h, h0 := lam(s2)-lam(s1), lam(s1)-lam(s0)
		d1 := (m1 - m0) / (h0 / h)
		c := alpha(s2) * (math.Exp(-h) - 1)
		second := s2*alpha(s2)/(s1*alpha(s1))*float64(x1[j]) - c*m1 - 0.5*c*d1
		if math.Abs(float64(x2[j])-second) > 1e-5 {
			t.Fatalf("second step [%d] = %v, by hand %v", j, x2[j], second)
		}
	}
}

// Euler's one step and input scaling by hand: x0 = x − σε, x' = x + ε·(σ_next − σ), input
// x/√(σ²+1).
func TestEulerByHand(t *testing.T) {
	s := newScheduler(t, "euler", SD15Config(), Options{}, 20).(*euler)
	x, m := []float32{5.5, -3}, []float32{0.4, 0.9}
	out, err := s.Step(m, x, 2, func(int) []float32 { t.Fatal("euler drew noise"); return nil })
	if err != nil {
		t.Fatal(err)
	}
	scaled := s.ScaleModelInput(x, 2)
	for j := range x {
		want := float64(x[j]) + float64(m[j])*(s.sigmas[3]-s.sigmas[2])
		if math.Abs(float64(out[j])-want) > 1e-5 {
			t.Fatalf("step [%d] = %v, by hand %v", j, out[j], want)
		}
		if w := float64(x[j]) / math.Sqrt(s.sigmas[2]*s.sigmas[2]+1); math.Abs(float64(scaled[j])-w) > 1e-6 {
			t.Fatalf("scaled [%d] = %v, by hand %v", j, scaled[j], w)
		}
	}
}
