package scheduler

import (
	"fmt"
	"math"
)

// pndm is diffusers' PNDMScheduler with skip_prk_steps (Liu et al. 2022, "Pseudo Numerical
// Methods for Diffusion Models on Manifolds", PLMS): a linear multistep method on ε with a
// Heun-like warm-up that re-evaluates the second timestep, so T steps take T+1 UNet calls.
type pndm struct {
	p     params
	ac    []float64
	steps int
	ts    []float64
	guard stepGuard

	ets       [][]float32 // past ε, newest last, at most 4 (the c=1 evaluation is never stored)
	curSample []float32   // x at the first timestep, for the warm-up's restart
	counter   int
}

func (s *pndm) Name() string            { return "pndm" }
func (s *pndm) Timesteps() []float64    { return s.ts }
func (s *pndm) InitNoiseSigma() float64 { return 1 }

// ScaleModelInput is the identity for PNDM.
func (s *pndm) ScaleModelInput(sample []float32, _ int) []float32 { return sample }

// SetTimesteps builds plms_timesteps = reverse(ts[:-1] ++ ts[-2:-1] ++ ts[-1:]) from the
// ascending spacing ts (diffusers scheduling_pndm.py, PNDMScheduler.set_timesteps).
func (s *pndm) SetTimesteps(n int) error {
	if err := checkSteps(n, s.p); err != nil {
		return err
	}
	desc := ddimSpacing(s.p, n)
	if err := checkTrainRange(desc, s.p); err != nil {
		return err
	}
	asc := reversed(desc)
	k := len(asc)
	plms := append([]float64(nil), asc[:k-1]...)
	if k >= 2 {
		plms = append(plms, asc[k-2])
	}
	plms = append(plms, asc[k-1])
	s.steps, s.ts = n, reversed(plms)
	s.ets, s.curSample, s.counter = nil, nil, 0
	s.guard.reset()
	return nil
}

// Step is diffusers' step_plms.
func (s *pndm) Step(modelOutput, sample []float32, i int, _ func(int) []float32) ([]float32, error) {
	if err := s.guard.check(i, len(s.ts), modelOutput, sample); err != nil {
		return nil, err
	}
	delta := s.p.numTrain / s.steps
	t := int(s.ts[i])
	prevT := t - delta
	if s.counter != 1 {
		if len(s.ets) > 3 {
			s.ets = s.ets[len(s.ets)-3:]
		}
		s.ets = append(s.ets, copyOf(modelOutput))
	} else {
		prevT, t = t, t+delta
	}
	if t >= len(s.ac) {
		return nil, fmt.Errorf("scheduler: pndm warm-up timestep %d is past the %d-step training schedule", t, len(s.ac))
	}
	eps, x := s.combine(modelOutput, sample)
	s.counter++
	return s.prevSample(x, t, prevT, eps), nil
}

// combine picks ε for this call from the ets history (the PLMS weights of Liu et al. eq. 12) and
// the sample to step from.
func (s *pndm) combine(modelOutput, sample []float32) ([]float32, []float32) {
	e := s.ets
	n := len(e)
	switch {
	case n == 1 && s.counter == 0:
		s.curSample = copyOf(sample)
		return modelOutput, sample
	case n == 1 && s.counter == 1:
		x := s.curSample
		s.curSample = nil
		return weighted([]float64{0.5, 0.5}, modelOutput, e[0]), x
	case n == 2:
		return weighted([]float64{3.0 / 2, -1.0 / 2}, e[1], e[0]), sample
	case n == 3:
		return weighted([]float64{23.0 / 12, -16.0 / 12, 5.0 / 12}, e[2], e[1], e[0]), sample
	}
	return weighted([]float64{55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24}, e[3], e[2], e[1], e[0]), sample
}

// weighted returns Σ w_k·xs_k element-wise.
func weighted(w []float64, xs ...[]float32) []float32 {
	out := make([]float32, len(xs[0]))
	for j := range out {
		var acc float64
		for k, x := range xs {
			acc += w[k] * float64(x[j])
		}
		out[j] = float32(acc)
	}
	return out
}

// prevSample is diffusers' _get_prev_sample (PNDM paper eq. 9): the transfer from t to prevT,
// x' = √(a'/a)·x − (a'−a)·ε / (a·√(1−a') + √(a(1−a)a')).
func (s *pndm) prevSample(x []float32, t, prevT int, eps []float32) []float32 {
	a := s.ac[t]
	aPrev := finalAlphaCumprod(s.p, s.ac)
	if prevT >= 0 {
		aPrev = s.ac[prevT]
	}
	sampleCoeff := math.Sqrt(aPrev / a)
	epsCoeff := (aPrev - a) / (a*math.Sqrt(1-aPrev) + math.Sqrt(a*(1-a)*aPrev))
	vPred := s.p.prediction == "v_prediction"
	sa, sb := math.Sqrt(a), math.Sqrt(1-a)
	out := make([]float32, len(x))
	for j := range out {
		e := float64(eps[j])
		if vPred {
			e = sa*e + sb*float64(x[j])
		}
		out[j] = float32(sampleCoeff*float64(x[j]) - epsCoeff*e)
	}
	return out
}

// alphaFinal is the ᾱ the last step lands on.
func (s *pndm) alphaFinal() float64 { return finalAlphaCumprod(s.p, s.ac) }
