package app

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// BuildRequest turns a session's parameters into a runtime request with fresh technique
// values, one per registered technique the session switches on (techniques carry per-render
// state, so each job gets its own). The studio, `render`, `verify` and `bench` all use it,
// so a session renders the same from each.
func BuildRequest(p session.Params) (runtime.Request, error) {
	req := runtime.Request{
		Prompt: p.Prompt, Negative: p.Negative,
		Width: p.Width, Height: p.Height, Steps: p.Sampler.Steps, Batch: p.Batch,
		Guidance: p.Sampler.Guidance, Seed: p.Noise.Seed,
		Scheduler: p.Sampler.Scheduler, Karras: p.Sampler.Karras, Eta: p.Sampler.Eta,
		SchedulerOptions: p.Sampler.Options,
		NoiseKernel:      p.Noise.Generator,
		ClipSkip:         p.ClipSkip,
		Embeddings:       EmbeddingPaths(p),
	}
	ts, err := techniques.Build(&p)
	req.Techniques = ts
	return req, err
}
