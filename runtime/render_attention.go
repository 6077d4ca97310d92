package runtime

import (
	"context"
	"fmt"

	"github.com/nudge-studio/nudge/runtime/tokenizer"
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
	if r.attention == nil {
		return nil
	}
	var err error
	r.text, err = r.m.Embed(ctx, r.req.Prompt)
	return err
}

// attentionOf is technique k's runner, nil when it asked for none.
func (r *render) attentionOf(k int) *AttentionRunner {
	if k < len(r.attention) {
		return r.attention[k]
	}
	return nil
}

// promptTokens lists the readable pieces at each text-encoder position up to the end token,
// truncated as Encode truncates.
func (m *Model) promptTokens(prompt string) []string {
	toks := m.Tokenizer.Tokenize(prompt)
	if limit := max(m.MaxLength, 2); len(toks) > limit {
		toks = append(toks[:limit-1], toks[len(toks)-1])
	}
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = tokenizer.Readable(t.Piece)
	}
	return out
}
