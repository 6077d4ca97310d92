package scheduler

import "math"

// euler is diffusers' EulerDiscreteScheduler and, with ancestral set,
// EulerAncestralDiscreteScheduler: Karras et al. 2022 (Algorithm 2 with s_churn = 0) on the
// variance-exploding σ of the trained schedule, and k-diffusion's ancestral variant that splits
// each step into a deterministic move to σ_down and fresh noise of size σ_up.
type euler struct {
	p         params
	ac        []float64
	ancestral bool
	ts        []float64
	sigmas    []float64 // one per call plus the final σ
	guard     stepGuard
}

func (s *euler) Name() string {
	if s.ancestral {
		return "euler_a"
	}
	return "euler"
}

func (s *euler) Timesteps() []float64 { return s.ts }

// Sigmas returns σ for each UNet call followed by the final σ (0 unless final_sigmas_type is
// sigma_min).
func (s *euler) Sigmas() []float64 { return s.sigmas }

// eulerSpacing is Euler's timestep spacing, descending, as float32 values: linspace(0, N−1, T)
// unrounded, leading (N//T)·k + steps_offset, or trailing round(arange(N, 0, −N/T)) − 1.
func eulerSpacing(p params, steps int) []float64 {
	var ts []float64
	switch p.spacing {
	case "trailing":
		ts = trailingSpacing(p.numTrain, steps, p.numTrain)
	case "leading":
		ts = leadingSpacing(p.numTrain, steps, p.numTrain/steps, p.stepsOffset)
	default:
		ts = linspaceSpacing(float64(p.numTrain-1), steps, false)
	}
	for i, t := range ts {
		ts[i] = float64(float32(t))
	}
	return ts
}

func (s *euler) SetTimesteps(n int) error {
	if err := checkSteps(n, s.p); err != nil {
		return err
	}
	table := sigmaTable(s.ac)
	ts := eulerSpacing(s.p, n)
	sig := make([]float64, len(ts))
	for i, t := range ts {
		sig[i] = interpSigma(t, table)
	}
	if s.p.karras && !s.ancestral {
		sig, ts = s.karras(sig, table)
	}
	final := 0.0
	if !s.ancestral && !s.p.finalSigmaZero {
		final = table[0]
	}
	sig = append(sig, final)
	for i := range sig {
		sig[i] = float64(float32(sig[i]))
	}
	for i := range ts {
		ts[i] = float64(float32(ts[i]))
	}
	s.ts, s.sigmas = ts, sig
	s.guard.reset()
	return nil
}

// karras replaces the interpolated sigmas by Karras sigmas between their ends (or the config's
// sigma_min/sigma_max) and maps each back to a fractional timestep.
func (s *euler) karras(sig, table []float64) ([]float64, []float64) {
	lo, hi := sig[len(sig)-1], sig[0]
	if !math.IsNaN(s.p.sigmaMin) {
		lo = s.p.sigmaMin
	}
	if !math.IsNaN(s.p.sigmaMax) {
		hi = s.p.sigmaMax
	}
	ks := karrasSigmas(lo, hi, len(sig))
	logs := logTable(table)
	ts := make([]float64, len(ks))
	for i, k := range ks {
		ts[i] = sigmaToT(k, logs)
	}
	return ks, ts
}

// InitNoiseSigma is max σ for linspace/trailing spacing, √(max σ² + 1) for leading (diffusers).
func (s *euler) InitNoiseSigma() float64 {
	var m float32
	for _, v := range s.sigmas {
		m = max(m, float32(v))
	}
	if s.p.spacing == "leading" {
		return float64(float32(math.Sqrt(float64(m*m + 1))))
	}
	return float64(m)
}

// ScaleModelInput divides by √(σ_i²+1), in float32 as diffusers' torch code does.
func (s *euler) ScaleModelInput(sample []float32, i int) []float32 {
	sig := float32(s.sigmas[min(max(i, 0), len(s.sigmas)-1)])
	d := float32(math.Sqrt(float64(sig*sig + 1)))
	out := make([]float32, len(sample))
	for j, x := range sample {
		out[j] = x / d
	}
	return out
}

// Step moves from σ_i to σ_{i+1}: x0 from the model output, d = (x − x0)/σ, x += d·Δσ; the
// ancestral variant steps to σ_down = √(σ_next² − σ_up²), σ_up = √(σ_next²(σ²−σ_next²)/σ²), then
// adds σ_up·z with z drawn on every step (also the last, where σ_up = 0), as diffusers does.
func (s *euler) Step(modelOutput, sample []float32, i int, noise func(int) []float32) ([]float32, error) {
	if err := s.guard.check(i, len(s.ts), modelOutput, sample); err != nil {
		return nil, err
	}
	sigma, next := s.sigmas[i], s.sigmas[i+1]
	target, up := next, 0.0
	var z []float32
	if s.ancestral {
		up = math.Sqrt(next * next * (sigma*sigma - next*next) / (sigma * sigma))
		target = math.Sqrt(next*next - up*up)
		var err error
		if z, err = drawNoise(noise, len(sample), "euler_a"); err != nil {
			return nil, err
		}
	}
	vPred := s.p.prediction == "v_prediction"
	cOut, cSkip := -sigma/math.Sqrt(sigma*sigma+1), 1/(sigma*sigma+1)
	dt := target - sigma
	out := make([]float32, len(sample))
	for j := range out {
		x, m := float64(sample[j]), float64(modelOutput[j])
		x0 := x - sigma*m
		if vPred {
			x0 = m*cOut + x*cSkip
		}
		prev := x + (x-x0)/sigma*dt
		if z != nil {
			prev += float64(z[j]) * up
		}
		out[j] = float32(prev)
	}
	return out, nil
}
