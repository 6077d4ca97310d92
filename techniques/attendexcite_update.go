package techniques

import (
	"context"
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime"
)

// UpdateLatents runs diffusers' A&E block for step i on every sample in turn (batch 1,
// text-conditional, unscaled latent):
//
//	L = loss(x)
//	if i is a threshold step and L > 1 − threshold: refine (see refine)
//	if i < MaxIterToAlter and L ≠ 0: x ← x − α_i·∂L/∂x
func (a *AttendExcite) UpdateLatents(ctx context.Context, u *runtime.LatentUpdate) error {
	if len(a.cfg.Tokens) == 0 {
		return nil
	}
	if u.Attention == nil {
		return fmt.Errorf("no attention graphs were prepared for this render")
	}
	threshold, refineStep := a.cfg.Thresholds[u.Step]
	alter := u.Step < a.cfg.MaxIterToAlter
	if !alter && !refineStep {
		return nil // diffusers computes the loss here but never uses it
	}
	st := AttendExciteStats{Step: u.Step}
	n := a.info.Channels * a.info.Height * a.info.Width
	for b := 0; b < a.info.Batch; b++ {
		s := &sampleRun{a: a, u: u, x: u.Latents[b*n : (b+1)*n]}
		ss, err := s.run(ctx, alter, refineStep, threshold)
		if err != nil {
			return err
		}
		st.Samples = append(st.Samples, ss)
	}
	a.setStats(st)
	return nil
}

// sampleRun is the optimisation of one sample's latent within one step.
type sampleRun struct {
	a    *AttendExcite
	u    *runtime.LatentUpdate
	x    []float32   // the sample's latent, updated in place
	last *exciteLoss // loss at the current x; nil after x changed
}

func (s *sampleRun) run(ctx context.Context, alter, refineStep bool, threshold float64) (SampleStats, error) {
	l, err := s.loss(ctx)
	if err != nil {
		return SampleStats{}, err
	}
	st := SampleStats{LossAfter: math.NaN()}
	st.Before = s.a.tokenStats(l)
	if refineStep && l.Loss > 1-threshold {
		if st.Refinements, err = s.refine(ctx, threshold); err != nil {
			return st, err
		}
		if l, err = s.loss(ctx); err != nil {
			return st, err
		}
	}
	st.Loss = l.Loss
	st.Tokens = s.a.tokenStats(l)
	if alter && l.Loss != 0 {
		if err := s.update(ctx, l); err != nil {
			return st, err
		}
		st.Updated = true
		if s.a.cfg.MeasureEffect {
			after, err := s.loss(ctx)
			if err != nil {
				return st, err
			}
			st.LossAfter, st.After = after.Loss, s.a.tokenStats(after)
		}
	}
	return st, nil
}

// refine is diffusers' _perform_iterative_refinement_step: it repeats (loss at x, step on x)
// while the loss it last computed is above max(0, 1 − threshold), at most
// MaxRefinementSteps times, and returns the number of iterations.
func (s *sampleRun) refine(ctx context.Context, threshold float64) (int, error) {
	target := math.Max(0, 1-threshold)
	l, err := s.loss(ctx)
	if err != nil {
		return 0, err
	}
	it := 0
	for l.Loss > target {
		it++
		if l, err = s.loss(ctx); err != nil {
			return it, err
		}
		if l.Loss != 0 {
			if err := s.update(ctx, l); err != nil {
				return it, err
			}
		}
		if it >= s.a.cfg.MaxRefinementSteps {
			break
		}
	}
	return it, nil
}

// input is the A&E UNet evaluation of the current latent.
func (s *sampleRun) input() runtime.AttentionInput {
	i := s.a.info
	lat := runtime.Tensor{Shape: []int64{1, int64(i.Channels), int64(i.Height), int64(i.Width)}, Data: s.x}
	return runtime.AttentionInput{Latent: lat, Text: s.u.Text, Timestep: s.u.Timestep}
}

// loss evaluates the loss at the current latent, reusing the last evaluation if x has not
// changed since (the UNet is deterministic, so recomputing it would give the same maps).
func (s *sampleRun) loss(ctx context.Context) (*exciteLoss, error) {
	if s.last != nil {
		return s.last, nil
	}
	out, err := s.u.Attention.Forward(ctx, s.input())
	if err != nil {
		return nil, err
	}
	m, err := s.aggregate(out.Maps)
	if err != nil {
		return nil, err
	}
	s.last = newExciteLoss(m, s.a.cfg.Tokens)
	return s.last, nil
}

// update takes one gradient step x ← x − α_i·∂L/∂x (diffusers' _update_latent).
func (s *sampleRun) update(ctx context.Context, l *exciteLoss) error {
	dA := l.Gradient()
	maps := s.u.Attention.Maps()
	var heads int
	for _, m := range maps {
		heads += m.Heads
	}
	grads := make([]runtime.Tensor, len(maps))
	for k, m := range maps {
		w := float64(m.Heads) / float64(heads)
		g := runtime.NewTensor(1, int64(m.Height*m.Width), int64(m.Keys))
		for j, d := range dA {
			g.Data[j] = float32(w * d)
		}
		grads[k] = g
	}
	_, grad, err := s.u.Attention.Backward(ctx, s.input(), grads)
	if err != nil {
		return err
	}
	alpha := float32(s.a.steps[s.u.Step])
	for j := range s.x {
		s.x[j] -= alpha * grad.Data[j]
	}
	s.last = nil
	return nil
}

// aggregate averages the maps over every layer and head (diffusers concatenates the layers'
// per-head maps and takes their mean; the graph already averaged each layer's heads, so the
// layers are weighted by their head counts).
func (s *sampleRun) aggregate(out []runtime.Tensor) (exciteMap, error) {
	maps := s.u.Attention.Maps()
	if len(maps) == 0 || len(out) != len(maps) {
		return exciteMap{}, fmt.Errorf("the attention graph returned %d maps for %d layers", len(out), len(maps))
	}
	first := maps[0]
	m := exciteMap{Height: first.Height, Width: first.Width, Keys: first.Keys, A: make([]float64, first.RowElems())}
	if m.Keys < 3 {
		return m, fmt.Errorf("cross-attention over %d text positions; attend-and-excite needs the 77 CLIP positions", m.Keys)
	}
	var heads float64
	for k, am := range maps {
		if am.RowElems() != len(m.A) || len(out[k].Data) != len(m.A) {
			return m, fmt.Errorf("attention map %s has %d values, want %d", am.Path, len(out[k].Data), len(m.A))
		}
		w := float64(am.Heads)
		heads += w
		for j, v := range out[k].Data {
			m.A[j] += w * float64(v)
		}
	}
	for j := range m.A {
		m.A[j] /= heads
	}
	return m, nil
}
