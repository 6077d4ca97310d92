// Package scheduler implements the diffusers noise schedulers nudge offers — PNDM (PLMS), DDIM,
// Euler, Euler ancestral, DPM-Solver++ 2M (with Karras sigmas where diffusers has them) and the
// Latent Consistency Model sampler (LCM) — read
// from a model's scheduler/scheduler_config.json with diffusers' semantics
// (huggingface/diffusers src/diffusers/schedulers/).
//
// A Scheduler holds one render's state (PNDM's past noise predictions, DPM-Solver's previous
// data prediction), so the engine builds a new one per render with New.
package scheduler

import (
	"fmt"
	"strings"
)

// Scheduler turns UNet outputs into the next latents. The denoising loop calls, for
// i = 0…len(Timesteps())−1: in := ScaleModelInput(x, i); ε := UNet(in, Timesteps()[i]);
// x, err = Step(ε, x, i, noise). Initial latents are randn·InitNoiseSigma().
type Scheduler interface {
	SetTimesteps(n int) error // n inference steps
	Timesteps() []float64     // one per UNet call (PNDM: n+1)
	InitNoiseSigma() float64
	ScaleModelInput(sample []float32, i int) []float32 // returns scaled copy (or sample itself if identity)
	// Step returns the previous sample given the model output for UNet call i. noise draws standard
	// normals of the full sample shape from the render's generator when the scheduler needs it
	// (DDIM eta>0, Euler ancestral, LCM between calls), continuing the same stream as diffusers.
	Step(modelOutput, sample []float32, i int, noise func(n int) []float32) ([]float32, error)
	Name() string
	Noiser
}

// Options are the user's choices beyond the config.
type Options struct {
	// Karras uses Karras et al. sigmas (use_karras_sigmas); euler and dpmpp_2m only.
	Karras bool
	// Eta is DDIM's η (0 = deterministic DDIM, 1 = DDPM-like); other schedulers ignore it, as
	// diffusers' pipelines pass eta only to step functions that take it.
	Eta float64
}

// class is one diffusers scheduler class.
type class int

const (
	classPNDM class = iota
	classDDIM
	classEuler
	classEulerA
	classDPMSolver
	classLCM
	classCount
)

type classInfo struct{ short, diffusers string }

func (c class) info() classInfo {
	return [...]classInfo{
		classPNDM:      {"pndm", "PNDMScheduler"},
		classDDIM:      {"ddim", "DDIMScheduler"},
		classEuler:     {"euler", "EulerDiscreteScheduler"},
		classEulerA:    {"euler_a", "EulerAncestralDiscreteScheduler"},
		classDPMSolver: {"dpmpp_2m", "DPMSolverMultistepScheduler"},
		classLCM:       {"lcm", "LCMScheduler"},
	}[c]
}

// Names lists the scheduler names New accepts (besides the diffusers class names).
func Names() []string {
	out := make([]string, 0, classCount)
	for c := range classCount {
		out = append(out, c.info().short)
	}
	return out
}

// NameError reports an unknown scheduler name; it is the user's to fix.
type NameError struct{ Name string }

func (e *NameError) Error() string {
	return fmt.Sprintf("scheduler: unknown scheduler %q: use one of %s (or a diffusers class name such as PNDMScheduler)",
		e.Name, strings.Join(Names(), ", "))
}

// BadInput marks the error as the user's (exit code 2).
func (e *NameError) BadInput() bool { return true }

// lookupClass accepts nudge's short names, diffusers class names (case-insensitive) and a few
// common spellings.
func lookupClass(name string) (class, bool) {
	key := strings.ToLower(strings.NewReplacer("-", "_", " ", "_", "+", "p").Replace(strings.TrimSpace(name)))
	for c := range classCount {
		if key == c.info().short || key == strings.ToLower(c.info().diffusers) {
			return c, true
		}
	}
	switch key {
	case "plms":
		return classPNDM, true
	case "euler_ancestral", "eulera":
		return classEulerA, true
	case "dpmpp2m", "dpmppp_2m", "dpm_solver", "dpmsolver":
		return classDPMSolver, true
	}
	return 0, false
}

// New builds a scheduler of the named class from a model's config. An empty name uses the
// config's own _class_name. When the class differs from the config's, keys the config sets carry
// over and the others take the chosen class's defaults (diffusers' from_config).
func New(name string, cfg Config, opt Options) (Scheduler, error) {
	if name == "" {
		name = cfg.ClassName
	}
	c, ok := lookupClass(name)
	if !ok {
		return nil, &NameError{Name: name}
	}
	p, err := resolve(cfg, c, opt)
	if err != nil {
		return nil, err
	}
	ac := alphasCumprod(p)
	switch c {
	case classPNDM:
		return &pndm{p: p, ac: ac}, nil
	case classDDIM:
		return &ddim{p: p, ac: ac, eta: opt.Eta}, nil
	case classEuler, classEulerA:
		return &euler{p: p, ac: ac, ancestral: c == classEulerA}, nil
	case classLCM:
		return &lcm{p: p, ac: ac, origin: p.lcmOrigin, scaling: p.lcmScaling}, nil
	}
	return &dpmSolver{p: p, ac: ac}, nil
}
