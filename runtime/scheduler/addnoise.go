package scheduler

import (
	"fmt"
	"math"
)

// Noiser is the forward process q(x_t | x_0) at one of a scheduler's UNet calls: what
// diffusers' img2img and depth2img pipelines do to the encoded image before the first
// denoising step (scheduler.add_noise at timesteps[t_start·order], with set_begin_index).
// Every scheduler nudge has implements it; their order is 1, so UNet call i is also
// diffusers' step index i.
type Noiser interface {
	AddNoise(original, noise []float32, i int) ([]float32, error)
}

// checkAddNoise checks the call's arguments against the schedule.
func checkAddNoise(original, noise []float32, i, calls int) error {
	switch {
	case calls == 0:
		return errNoTimesteps
	case i < 0 || i >= calls:
		return fmt.Errorf("scheduler: add_noise at step %d is outside the %d UNet calls", i, calls)
	case len(original) != len(noise):
		return fmt.Errorf("scheduler: add_noise: sample has %d values, noise %d", len(original), len(noise))
	}
	return nil
}

// ddpmAddNoise is DDPMScheduler.add_noise, which PNDMScheduler and DDIMScheduler share:
// √ᾱ_t·x0 + √(1−ᾱ_t)·ε, with ᾱ_t cast to the sample's float32 before the square roots and
// every product in float32, as the torch expression runs.
func ddpmAddNoise(ac []float64, t int, original, noise []float32) []float32 {
	a := float32(ac[t])
	sa := float32(math.Sqrt(float64(a)))
	sb := float32(math.Sqrt(float64(1 - a)))
	out := make([]float32, len(original))
	for j, x := range original {
		out[j] = sa*x + sb*noise[j]
	}
	return out
}

// AddNoise is PNDMScheduler.add_noise at UNet call i's timestep.
func (s *pndm) AddNoise(original, noise []float32, i int) ([]float32, error) {
	if err := checkAddNoise(original, noise, i, len(s.ts)); err != nil {
		return nil, err
	}
	return ddpmAddNoise(s.ac, int(s.ts[i]), original, noise), nil
}

// AddNoise is DDIMScheduler.add_noise at UNet call i's timestep.
func (s *ddim) AddNoise(original, noise []float32, i int) ([]float32, error) {
	if err := checkAddNoise(original, noise, i, len(s.ts)); err != nil {
		return nil, err
	}
	return ddpmAddNoise(s.ac, int(s.ts[i]), original, noise), nil
}

// AddNoise is EulerDiscreteScheduler.add_noise (and the ancestral one's): x0 + ε·σ_i, σ taken
// at the begin index the img2img pipeline sets (set_begin_index), in float32.
func (s *euler) AddNoise(original, noise []float32, i int) ([]float32, error) {
	if err := checkAddNoise(original, noise, i, len(s.ts)); err != nil {
		return nil, err
	}
	sigma := float32(s.sigmas[i])
	out := make([]float32, len(original))
	for j, x := range original {
		out[j] = x + noise[j]*sigma
	}
	return out, nil
}

// AddNoise is DPMSolverMultistepScheduler.add_noise: α_t·x0 + σ_t·ε with
// α_t = 1/√(σ²+1), σ_t = σ·α_t (_sigma_to_alpha_sigma_t) at the begin index, in float32.
func (s *dpmSolver) AddNoise(original, noise []float32, i int) ([]float32, error) {
	if err := checkAddNoise(original, noise, i, len(s.ts)); err != nil {
		return nil, err
	}
	sigma := float32(s.sigmas[i])
	alpha := 1 / float32(math.Sqrt(float64(sigma*sigma+1)))
	sigmaT := sigma * alpha
	out := make([]float32, len(original))
	for j, x := range original {
		out[j] = alpha*x + sigmaT*noise[j]
	}
	return out, nil
}

// StrengthStart is diffusers' get_timesteps (pipeline_stable_diffusion_img2img.py): with
// strength s of n inference steps, init_timestep = min(int(n·s), n) and denoising begins at
// UNet call t_start = max(n − init_timestep, 0) (times the scheduler's order, 1 for all of
// nudge's). Strength 1 keeps every call; strength 0 keeps none.
func StrengthStart(n int, strength float64) int {
	init := min(int(float64(n)*strength), n)
	return max(n-init, 0)
}

// AddNoise is LCMScheduler.add_noise (copied in diffusers from DDPMScheduler's) at UNet call
// i's timestep.
func (s *lcm) AddNoise(original, noise []float32, i int) ([]float32, error) {
	if err := checkAddNoise(original, noise, i, len(s.ts)); err != nil {
		return nil, err
	}
	return ddpmAddNoise(s.ac, int(s.ts[i]), original, noise), nil
}
