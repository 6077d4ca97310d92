package scheduler

import "math"

// lcmSigmaData is σ_data of the consistency-model boundary condition (Song et al. 2023,
// "Consistency Models", appendix C; diffusers hard-codes 0.5 in
// scheduling_lcm.py, get_scalings_for_boundary_condition_discrete).
const lcmSigmaData = 0.5

// lcm is diffusers' LCMScheduler (Luo et al. 2023, "Latent Consistency Models", Algorithm 1
// "multistep latent consistency sampling"): every call predicts the clean latent through the
// consistency function f(x, t) = c_skip(t)·x + c_out(t)·x̂0, then — except on the last call —
// re-noises it to the next timestep with fresh noise from the render's generator.
type lcm struct {
	p       params
	ac      []float64
	origin  int     // original_inference_steps: the distillation schedule's length
	scaling float64 // timestep_scaling
	ts      []float64
	guard   stepGuard
}

func (s *lcm) Name() string            { return "lcm" }
func (s *lcm) Timesteps() []float64    { return s.ts }
func (s *lcm) InitNoiseSigma() float64 { return 1 }

// ScaleModelInput is the identity for LCM.
func (s *lcm) ScaleModelInput(sample []float32, _ int) []float32 { return sample }

// lcmTimesteps is LCMScheduler.set_timesteps with strength 1 and no custom timesteps: the
// distillation schedule k·j − 1 for j = 1…origin (k = N // origin), reversed, sampled at
// floor(linspace(0, origin, steps, endpoint=False)) — e.g. 4 of 50 on 1000 gives 999, 759, 499, 259.
func lcmTimesteps(numTrain, origin, steps int) ([]float64, error) {
	if origin < 1 || origin > numTrain {
		return nil, optErr("original_inference_steps %d is out of range (1…%d)", origin, numTrain)
	}
	if steps > origin {
		return nil, optErr("%d steps is more than original_inference_steps %d: LCM samples its timesteps from that schedule; use ≤ %d steps",
			steps, origin, origin)
	}
	k := numTrain / origin
	// numpy's linspace(0, origin, steps, endpoint=False) is i·(origin/steps) with the step
	// rounded once, so the floor below matches numpy's for every i.
	step := float64(origin) / float64(steps)
	out := make([]float64, steps)
	for i := range out {
		idx := int(math.Floor(float64(i) * step))
		out[i] = float64((origin-idx)*k - 1)
	}
	return out, nil
}

func (s *lcm) SetTimesteps(n int) error {
	if err := checkSteps(n, s.p); err != nil {
		return err
	}
	ts, err := lcmTimesteps(s.p.numTrain, s.origin, n)
	if err != nil {
		return err
	}
	s.ts = ts
	s.guard.reset()
	return nil
}

// boundary returns c_skip and c_out at timestep t: with τ = t·timestep_scaling,
// c_skip = σ_d²/(τ² + σ_d²), c_out = τ/√(τ² + σ_d²), so f(x, 0) = x exactly.
func (s *lcm) boundary(t float64) (cSkip, cOut float64) {
	tau := t * s.scaling
	d2 := lcmSigmaData * lcmSigmaData
	return d2 / (tau*tau + d2), tau / math.Sqrt(tau*tau+d2)
}

// Step is diffusers' LCMScheduler.step: x̂0 from the prediction type (ε, v or the sample itself),
// optional clipping, denoised = c_out·x̂0 + c_skip·x, then x' = √ᾱ'·denoised + √(1−ᾱ')·z on every
// call but the last, which returns denoised (and draws no noise, as diffusers).
func (s *lcm) Step(modelOutput, sample []float32, i int, noise func(int) []float32) ([]float32, error) {
	if err := s.guard.check(i, len(s.ts), modelOutput, sample); err != nil {
		return nil, err
	}
	t := s.ts[i]
	a := s.ac[int(t)]
	sqrtA, sqrtB := math.Sqrt(a), math.Sqrt(1-a)
	cSkip, cOut := s.boundary(t)
	last := i == len(s.ts)-1
	var z []float32
	var sqrtAPrev, sqrtBPrev float64
	if !last {
		aPrev := s.ac[int(s.ts[i+1])]
		sqrtAPrev, sqrtBPrev = math.Sqrt(aPrev), math.Sqrt(1-aPrev)
		var err error
		if z, err = drawNoise(noise, len(sample), "lcm"); err != nil {
			return nil, err
		}
	}
	lim := s.p.clipSampleRange
	out := make([]float32, len(sample))
	for j := range out {
		x, m := float64(sample[j]), float64(modelOutput[j])
		var x0 float64
		switch s.p.prediction {
		case "v_prediction":
			x0 = sqrtA*x - sqrtB*m
		case "sample":
			x0 = m
		default:
			x0 = (x - sqrtB*m) / sqrtA
		}
		if s.p.clipSample {
			x0 = math.Min(math.Max(x0, -lim), lim)
		}
		denoised := cOut*x0 + cSkip*x
		if last {
			out[j] = float32(denoised)
			continue
		}
		out[j] = float32(sqrtAPrev*denoised + sqrtBPrev*float64(z[j]))
	}
	return out, nil
}
