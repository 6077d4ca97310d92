package scheduler

import "math"

// ddimSpacing is the timestep spacing of DDIMScheduler and PNDMScheduler, descending, as
// integers: leading (N//T)·k + steps_offset, trailing round(arange(N, 0, −N/T)) − 1, or
// linspace(0, N−1, T) rounded.
func ddimSpacing(p params, steps int) []float64 {
	switch p.spacing {
	case "trailing":
		return trailingSpacing(p.numTrain, steps, p.numTrain)
	case "linspace":
		return linspaceSpacing(float64(p.numTrain-1), steps, true)
	}
	return leadingSpacing(p.numTrain, steps, p.numTrain/steps, p.stepsOffset)
}

// ddim is diffusers' DDIMScheduler (Song et al. 2021, "Denoising Diffusion Implicit Models",
// eq. 12): predict x0, then move to t' = t − N//T, adding σ_η-scaled fresh noise when η > 0.
type ddim struct {
	p     params
	ac    []float64
	eta   float64
	steps int
	ts    []float64
	guard stepGuard
}

func (s *ddim) Name() string            { return "ddim" }
func (s *ddim) Timesteps() []float64    { return s.ts }
func (s *ddim) InitNoiseSigma() float64 { return 1 }

// ScaleModelInput is the identity for DDIM.
func (s *ddim) ScaleModelInput(sample []float32, _ int) []float32 { return sample }

func (s *ddim) SetTimesteps(n int) error {
	if err := checkSteps(n, s.p); err != nil {
		return err
	}
	ts := ddimSpacing(s.p, n)
	if err := checkTrainRange(ts, s.p); err != nil {
		return err
	}
	s.steps, s.ts = n, ts
	s.guard.reset()
	return nil
}

// ddimCoeffs are the per-step scalars of DDIM's update.
type ddimCoeffs struct {
	sqrtA, sqrtB      float64 // √a, √(1−a)
	sqrtAPrev, dirEps float64 // √a', √(1−a'−σ_η²)
	std               float64 // σ_η = η·√((1−a')/(1−a)·(1−a/a'))
}

func (s *ddim) coeffs(i int) ddimCoeffs {
	t := int(s.ts[i])
	prevT := t - s.p.numTrain/s.steps
	a := s.ac[t]
	aPrev := finalAlphaCumprod(s.p, s.ac)
	if prevT >= 0 {
		aPrev = s.ac[prevT]
	}
	variance := (1 - aPrev) / (1 - a) * (1 - a/aPrev)
	std := s.eta * math.Sqrt(variance)
	return ddimCoeffs{
		sqrtA: math.Sqrt(a), sqrtB: math.Sqrt(1 - a),
		sqrtAPrev: math.Sqrt(aPrev), dirEps: math.Sqrt(math.Max(1-aPrev-std*std, 0)), std: std,
	}
}

// Step is diffusers' DDIMScheduler.step (use_clipped_model_output false).
func (s *ddim) Step(modelOutput, sample []float32, i int, noise func(int) []float32) ([]float32, error) {
	if err := s.guard.check(i, len(s.ts), modelOutput, sample); err != nil {
		return nil, err
	}
	c := s.coeffs(i)
	var z []float32
	if s.eta > 0 {
		var err error
		if z, err = drawNoise(noise, len(sample), "ddim with eta > 0"); err != nil {
			return nil, err
		}
	}
	vPred := s.p.prediction == "v_prediction"
	lim := s.p.clipSampleRange
	out := make([]float32, len(sample))
	for j := range out {
		x, m := float64(sample[j]), float64(modelOutput[j])
		x0, eps := (x-c.sqrtB*m)/c.sqrtA, m
		if vPred {
			x0, eps = c.sqrtA*x-c.sqrtB*m, c.sqrtA*m+c.sqrtB*x
		}
		if s.p.clipSample {
			x0 = math.Min(math.Max(x0, -lim), lim)
		}
		prev := c.sqrtAPrev*x0 + c.dirEps*eps
		if z != nil {
			prev += c.std * float64(z[j])
		}
		out[j] = float32(prev)
	}
	return out, nil
}

// alphaFinal is the ᾱ the last step lands on.
func (s *ddim) alphaFinal() float64 { return finalAlphaCumprod(s.p, s.ac) }
