package scheduler

import (
	"fmt"
	"math"
)

// Forward is the forward (noising) process of a scheduler whose timesteps index its ᾱ table:
// what diffusers' StableDiffusionSAGPipeline reads through scheduler.alphas_cumprod,
// scheduler.config.prediction_type and scheduler.add_noise (pred_x0, pred_epsilon,
// sag_masking). PNDM, DDIM and DPM-Solver++ have one. The Euler family has none: its
// timesteps are fractional and its latents σ-scaled, and diffusers' SAG cannot index
// alphas_cumprod with them either.
type Forward interface {
	// AlphaCumprod is ᾱ_t (a float32 value, as diffusers' table holds it) at an integer
	// timestep of the training schedule.
	AlphaCumprod(t float64) (float64, error)
	// PredictionType is the config's prediction_type: epsilon, v_prediction or sample.
	PredictionType() string
	// AddNoise noises a clean sample to UNet call i's timestep with the given noise, as the
	// scheduler class's add_noise does.
	AddNoise(sample, noise []float32, i int) []float32
}

// ForwardOf returns s's forward process, if it has one.
func ForwardOf(s Scheduler) (Forward, bool) {
	switch s := s.(type) {
	case *pndm:
		return ddpmForward{p: s.p, ac: s.ac, ts: s.ts}, true
	case *ddim:
		return ddpmForward{p: s.p, ac: s.ac, ts: s.ts}, true
	case *dpmSolver:
		return dpmForward{ddpmForward: ddpmForward{p: s.p, ac: s.ac, ts: s.ts}, sigmas: s.sigmas}, true
	}
	return nil, false
}

// ddpmForward is DDPMScheduler.add_noise, which DDIM and PNDM copy:
// √ᾱ_t·x + √(1−ᾱ_t)·ε with both coefficients rounded to float32 as torch computes them.
type ddpmForward struct {
	p  params
	ac []float64
	ts []float64
}

func (f ddpmForward) AlphaCumprod(t float64) (float64, error) {
	k := int(t)
	if float64(k) != t || k < 0 || k >= len(f.ac) {
		return 0, fmt.Errorf("timestep %g is not an index of the %d-entry training schedule", t, len(f.ac))
	}
	return f.ac[k], nil
}

func (f ddpmForward) PredictionType() string { return f.p.prediction }

func (f ddpmForward) AddNoise(sample, noise []float32, i int) []float32 {
	ac := f.ac[int(f.ts[i])]
	a := float32(math.Sqrt(ac))
	b := float32(math.Sqrt(float64(float32(1 - ac))))
	return mixed(a, b, sample, noise)
}

// dpmForward is DPMSolverMultistepScheduler.add_noise: α_t·x + σ_t·ε from the σ of the
// step (α_t = 1/√(σ²+1), σ_t = σ·α_t), which for Karras sigmas differs from the ᾱ table.
type dpmForward struct {
	ddpmForward
	sigmas []float64
}

func (f dpmForward) AddNoise(sample, noise []float32, i int) []float32 {
	alpha, sigmaT, _ := vp(float64(float32(f.sigmas[i])))
	return mixed(float32(alpha), float32(sigmaT), sample, noise)
}

// mixed is a·x + b·n in float32.
func mixed(a, b float32, x, n []float32) []float32 {
	out := make([]float32, len(x))
	for j := range out {
		out[j] = a*x[j] + b*n[j]
	}
	return out
}
