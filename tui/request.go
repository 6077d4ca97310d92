package tui

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// BuildRequest turns a session's parameters into a runtime request with fresh technique
// values (techniques carry per-render state, so each job gets its own). The studio and
// `nudge render` both use it, so a session renders the same from either.
func BuildRequest(p session.Params) (runtime.Request, error) {
	req := runtime.Request{
		Prompt: p.Prompt, Negative: p.Negative,
		Width: p.Width, Height: p.Height, Steps: p.Sampler.Steps, Batch: p.Batch,
		Guidance: p.Sampler.Guidance, Seed: p.Noise.Seed,
		Scheduler: p.Sampler.Scheduler, Karras: p.Sampler.Karras, Eta: p.Sampler.Eta,
		SchedulerOptions: p.Sampler.Options,
		NoiseKernel:      p.Noise.Generator,
	}
	if p.SEGA != nil && p.SEGA.Enabled && len(p.SEGA.Concepts) > 0 {
		sega, err := techniques.NewSEGA(segaConfig(p.SEGA))
		if err != nil {
			return req, err
		}
		req.Techniques = append(req.Techniques, sega)
	}
	if a := p.AttendExcite; a != nil && a.Enabled {
		ae, err := techniques.NewAttendExcite(attendExciteConfig(a))
		if err != nil {
			return req, err
		}
		req.Techniques = append(req.Techniques, ae)
	}
	return req, nil
}

// attendExciteConfig maps the session block to the technique; with no tokens chosen the
// technique leaves the render as plain CFG.
func attendExciteConfig(a *session.AttendExcite) techniques.AttendExciteConfig {
	return techniques.AttendExciteConfig{Tokens: a.Tokens, Thresholds: a.Thresholds, ScaleFactor: a.ScaleFactor,
		MaxIterToAlter: a.MaxIterToAlter, MaxRefinementSteps: a.MaxRefinementSteps,
		AttentionResolution: a.AttentionResolution}
}

func segaConfig(s *session.SEGA) techniques.SEGAConfig {
	cfg := techniques.SEGAConfig{MomentumScale: s.MomentumScale, MomentumBeta: s.MomentumBeta}
	for _, c := range s.Concepts {
		cfg.Concepts = append(cfg.Concepts, techniques.Concept{
			Prompt: c.Prompt, Weight: c.Weight, EditGuidance: c.Guidance, WarmUp: c.Warmup,
			CoolDown: c.Cooldown, Threshold: c.Threshold, Reverse: c.Reverse,
		})
	}
	return cfg
}
