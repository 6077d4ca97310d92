package runtime

import (
	"context"
	"fmt"
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
		if r.attention == nil {
			r.attention = make([]*AttentionRunner, len(r.req.Techniques))
		}
		r.attention[k] = a
	}
	return nil
}

// attentionOf is technique k's runner, nil when it asked for none.
func (r *render) attentionOf(k int) *AttentionRunner {
	if k < len(r.attention) {
		return r.attention[k]
	}
	return nil
}
