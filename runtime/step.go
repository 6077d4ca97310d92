package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// step runs UNet call i: latent updates, one batched UNet call, guidance, scheduler step.
func (r *render) step(ctx context.Context, i int) (StepInfo, error) {
	var tm StepTimings
	t0 := time.Now()
	t := r.timesteps[i]
	if err := r.updateLatents(ctx, i, t); err != nil {
		return StepInfo{}, err
	}
	tm.Techniques = time.Since(t0)

	if err := r.conditionFor(ctx, i); err != nil {
		return StepInfo{}, err
	}
	x := Tensor{Shape: r.latents.Shape, Data: r.sched.ScaleModelInput(r.latents.Data, r.offset+i)}
	pred, maps, ortTime, err := r.mainCall(ctx, r.extraIn.unetInput(x, r.groups), t)
	if err != nil {
		return StepInfo{}, err
	}
	tm.UNet = ortTime

	tg := time.Now()
	eps, err := r.guide(pred, i, t)
	if err != nil {
		return StepInfo{}, err
	}
	tm.Guidance = time.Since(tg)

	tr := time.Now()
	refineORT, err := r.refine(ctx, i, t, pred, maps, eps)
	if err != nil {
		return StepInfo{}, err
	}
	tm.UNet += refineORT
	tm.Techniques += time.Since(tr) - refineORT

	ts := time.Now()
	next, err := r.sched.Step(eps, r.latents.Data, r.offset+i, r.gen.Randn)
	if err != nil {
		return StepInfo{}, err
	}
	r.latents.Data = next
	tm.Scheduler = time.Since(ts)
	tm.Total = time.Since(t0)
	tm.Other = tm.Total - tm.UNet - tm.Guidance - tm.Scheduler - tm.Techniques
	r.timings = append(r.timings, tm)
	lat := Tensor{Shape: r.latents.Shape, Data: append([]float32(nil), next...)}
	return StepInfo{Step: i, Steps: len(r.timesteps), Timestep: t, Latents: lat, Timings: tm, Stats: r.stats()}, nil
}

// stats collects what the techniques report about the step just taken.
func (r *render) stats() []TechniqueStats {
	var out []TechniqueStats
	for _, tq := range r.req.Techniques {
		if sr, ok := tq.(StatsReporter); ok {
			out = append(out, TechniqueStats{Technique: tq.Name(), Stats: sr.Stats()})
		}
	}
	return out
}

func (r *render) updateLatents(ctx context.Context, i int, t float64) error {
	for k, tq := range r.req.Techniques {
		if u, ok := tq.(LatentUpdater); ok {
			lu := &LatentUpdate{Step: i, Timestep: t, Latents: r.latents.Data, Text: r.textAt(i), Attention: r.attentionOf(k)}
			if err := u.UpdateLatents(ctx, lu); err != nil {
				return fmt.Errorf("%s: %w", tq.Name(), err)
			}
		}
	}
	return nil
}

// refine lets the Refiners change eps in place (after CFG and the Guiders, before the
// scheduler), and returns the ORT time of the UNet calls they made.
func (r *render) refine(ctx context.Context, i int, t float64, pred Tensor, maps []Tensor, eps []float32) (time.Duration, error) {
	group := len(r.latents.Data)
	var ortTime time.Duration
	for k, tq := range r.req.Techniques {
		rf, ok := tq.(Refiner)
		if !ok {
			continue
		}
		in := &Refinement{Step: i, Timestep: t, Latents: r.latents.Data, Text: pred.Data[:group], Eps: eps,
			Predict: func(ctx context.Context, latents []float32) ([]float32, error) {
				before := r.m.UNet.ORTTime
				out, err := r.m.predictNoise(ctx, Tensor{Shape: r.latents.Shape, Data: latents}, t, sliceRows(r.cond, 0, r.req.Batch))
				ortTime += r.m.UNet.ORTTime - before
				return out.Data, err
			}}
		if r.cfg {
			in.Uncond, in.Text = pred.Data[:group], pred.Data[group:2*group]
		} else {
			// Without CFG eps is the prompt's prediction itself; Text must not change with it.
			in.Text = append([]float32(nil), in.Text...)
		}
		if k == r.mapsFrom {
			in.Maps, in.MapInfo = maps, r.attention[k].Maps()
		}
		in.Forward, _ = scheduler.ForwardOf(r.sched)
		if err := rf.Refine(ctx, in); err != nil {
			return ortTime, fmt.Errorf("%s: %w", tq.Name(), err)
		}
	}
	return ortTime, nil
}

// guide turns the batched prediction into the one noise estimate the scheduler steps with.
// With CFG: Delta = g·(text − uncond), Guiders add to Delta, ε = uncond + Delta (the order
// of float32 operations is diffusers', so a render with no technique terms is bit-identical
// to plain CFG). Instruct-pix2pix adds its image term after (pix2pixEps).
func (r *render) guide(pred Tensor, i int, t float64) ([]float32, error) {
	group := len(r.latents.Data)
	if !r.cfg {
		return pred.Data[:group], nil
	}
	uncond, text := pred.Data[:group], pred.Data[group:2*group]
	g := float32(r.req.Guidance)
	delta := make([]float32, group)
	for k := range delta {
		delta[k] = g * (text[k] - uncond[k])
	}
	for _, e := range r.extra {
		extra := make([][]float32, e.n)
		for j := range extra {
			off := (e.first + j) * group
			extra[j] = pred.Data[off : off+group]
		}
		if err := e.g.Guide(&Guidance{Step: i, Timestep: t, Uncond: uncond, Text: text, Extra: extra, Delta: delta}); err != nil {
			return nil, err
		}
	}
	if r.kind == PipelineInstruct {
		return r.pix2pixEps(pred.Data, delta), nil
	}
	eps := make([]float32, group)
	for k := range eps {
		eps[k] = uncond[k] + delta[k]
	}
	return eps, nil
}

// pix2pixEps is StableDiffusionInstructPix2PixPipeline's guidance,
// ε = ε_uncond + g·(ε_text − ε_image) + s_I·(ε_image − ε_uncond), in diffusers' float32 order.
// Rows here are [negative + image (ε_image), prompt + image (ε_text), negative + zeros
// (ε_uncond)], so delta = g·(ε_text − ε_image) is CFG's with the image-conditioned
// unconditional row as "uncond", and Guiders (SEGA) add their terms relative to it.
func (r *render) pix2pixEps(pred, delta []float32) []float32 {
	group := len(delta)
	image, uncond := pred[:group], pred[2*group:3*group]
	ig := float32(r.image.ImageGuidance)
	eps := make([]float32, group)
	for k := range eps {
		eps[k] = uncond[k] + delta[k] + ig*(image[k]-uncond[k])
	}
	return eps
}
