package runtime

import (
	"context"
	"fmt"
	"time"
)

// prepareAttention asks every AttentionUser what it needs and opens the runners once, before
// the first step, so preparation time never lands inside a step's timings.
func (r *render) prepareAttention(ctx context.Context, info RenderInfo) error {
	for k, t := range r.req.Techniques {
		u, ok := t.(AttentionUser)
		if !ok {
			continue
		}
		needs, err := u.AttentionNeeds(info)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		if needs == nil {
			continue
		}
		a, err := r.m.Attention(ctx, *needs, info.Height, info.Width)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		if needs.KeepNoise {
			if r.mapsFrom >= 0 {
				return fmt.Errorf("%s and %s both want the attention maps of the step's own UNet call; use one of them", r.req.Techniques[r.mapsFrom].Name(), t.Name())
			}
			r.mapsFrom = k
		}
		if r.attention == nil {
			r.attention = make([]*AttentionRunner, len(r.req.Techniques))
		}
		r.attention[k] = a
	}
	return nil
}

// mainCall runs the step's batched UNet call: through the graph that also outputs a
// technique's maps when one asked for them (KeepNoise), else the plain UNet. ortTime is the
// time spent inside ONNX Runtime.
func (r *render) mainCall(ctx context.Context, x Tensor, t float64) (pred Tensor, maps []Tensor, ortTime time.Duration, err error) {
	if r.mapsFrom < 0 {
		before := r.m.UNet.ORTTime
		pred, err = r.m.predictNoise(ctx, x, t, r.cond)
		return pred, nil, r.m.UNet.ORTTime - before, err
	}
	a := r.attention[r.mapsFrom]
	before := a.fwd.ORTTime
	pred, maps, err = a.predictWithMaps(ctx, x, t, r.cond)
	return pred, maps, a.fwd.ORTTime - before, err
}

// predictWithMaps is predictNoise through the prepared forward graph: the noise prediction
// and every selected map, called in the same row chunks as the plain UNet.
func (a *AttentionRunner) predictWithMaps(ctx context.Context, x Tensor, t float64, cond Tensor) (Tensor, []Tensor, error) {
	rows := int(x.Shape[0])
	chunk, err := a.m.unetChunk(rows)
	if err != nil {
		return Tensor{}, nil, err
	}
	var noise []Tensor
	maps := make([][]Tensor, len(a.prepared.Maps))
	for i := 0; i < rows; i += chunk {
		out, err := a.Forward(ctx, AttentionInput{Latent: sliceRows(x, i, i+chunk), Text: sliceRows(cond, i, i+chunk), Timestep: t})
		if err != nil {
			return Tensor{}, nil, err
		}
		if out.Noise.Shape == nil {
			return Tensor{}, nil, fmt.Errorf("%s: the prepared graph has no noise output (delete the cache folder %s)", a.fwd.Path, a.prepared.Dir)
		}
		noise = append(noise, out.Noise)
		for k, mp := range out.Maps {
			maps[k] = append(maps[k], mp)
		}
	}
	joined := make([]Tensor, len(maps))
	for k, parts := range maps {
		joined[k] = concatRows(parts...)
	}
	return concatRows(noise...), joined, nil
}

// attentionOf is technique k's runner, nil when it asked for none.
func (r *render) attentionOf(k int) *AttentionRunner {
	if k < len(r.attention) {
		return r.attention[k]
	}
	return nil
}
