package runtime

import (
	"context"
	"fmt"
	"slices"

	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// conditionFor makes r.cond hold every row group's conditioning for UNet call i. It is rebuilt
// only when a prompt's schedule changes entry. Groups of different lengths are padded to the
// longest with the empty prompt's encoding, as A1111 pads cond and uncond
// (modules/sd_samplers_cfg_denoiser.py, CFGDenoiser.pad_cond_uncond).
func (r *render) conditionFor(ctx context.Context, i int) error {
	at := make([]int, len(r.conds))
	for g, c := range r.conds {
		at[g] = c.At(i)
	}
	if r.condAt != nil && slices.Equal(at, r.condAt) {
		return nil
	}
	embeds := make([]Tensor, len(r.conds))
	longest := int64(0)
	for g, c := range r.conds {
		embeds[g] = c.Embeds[at[g]]
		longest = max(longest, embeds[g].Shape[1])
	}
	if err := r.m.checkSequence(longest); err != nil {
		return err
	}
	parts := make([]Tensor, len(embeds))
	for g, e := range embeds {
		padded, err := r.padSequence(ctx, e, longest)
		if err != nil {
			return err
		}
		parts[g] = repeatRows(padded, r.req.Batch)
	}
	r.cond, r.condAt = concatRows(parts...), at
	return nil
}

// padSequence appends the empty prompt's encoding until e is n positions long.
func (r *render) padSequence(ctx context.Context, e Tensor, n int64) (Tensor, error) {
	if e.Shape[1] == n {
		return e, nil
	}
	c, err := r.m.Conditioning(ctx, "", 1, TextSpec{ClipSkip: r.req.ClipSkip})
	if err != nil {
		return Tensor{}, err
	}
	empty := c.Embeds[0]
	parts := []Tensor{e}
	for s := e.Shape[1]; s < n; s += empty.Shape[1] {
		parts = append(parts, empty)
	}
	return concatSequence(parts...), nil
}

// checkSequence refuses a conditioning longer than a UNet export with a fixed text length.
func (m *Model) checkSequence(n int64) error {
	spec, ok := m.UNet.Input("encoder_hidden_states")
	if !ok || len(spec.Dims) != 3 || spec.Dims[1] <= 0 || spec.Dims[1] == n {
		return nil
	}
	return requestError{fmt.Sprintf("prompt needs %d text positions (%d chunks of 75 tokens) but %s takes exactly %d: shorten the prompt (or its BREAKs) or export the UNet with a dynamic sequence axis",
		n, n/77, m.UNet.Path, spec.Dims[1])}
}

// promptGroup is the row group of the prompt itself (after the negative prompt with CFG).
func (r *render) promptGroup() int {
	if r.cfg {
		return 1
	}
	return 0
}

// textAt is the prompt's conditioning at UNet call i, for latent updaters.
func (r *render) textAt(i int) Tensor {
	c := r.conds[r.promptGroup()]
	return c.Embeds[c.At(i)]
}

// promptTokens lists the readable piece at each text-encoder position of the prompt's first
// schedule entry, as the encoder sees it: syntax removed, chunk after chunk (position
// 77·c + p is position p of chunk c), every chunk but the last with its padding, the last up
// to its end token. Attend-and-excite indices count these positions.
func (m *Model) promptTokens(c *PromptConditioning) []string {
	return EncoderPieces(m.Tokenizer, m.vocab, c.Chunks[c.At(0)])
}

// EncoderPieces names the positions of chunks as promptTokens describes. An embedding's
// vector is named <name> (<name>#i for vector i of several).
func EncoderPieces(tok *tokenizer.Tokenizer, vocab *textinv.Vocab, chunks []prompt.Chunk) []string {
	var out []string
	for k, ch := range chunks {
		ids := ch.IDs
		if k == len(chunks)-1 {
			ids = ids[:ch.Used+2]
		}
		for _, id := range ids {
			out = append(out, PieceName(tok, vocab, id))
		}
	}
	return out
}

// PieceName is the readable name of one id: the tokenizer's piece, or the embedding vector
// an added id stands for.
func PieceName(tok *tokenizer.Tokenizer, vocab *textinv.Vocab, id int) string {
	r, ok := vocab.Row(id)
	if !ok {
		return tokenizer.Readable(tok.Piece(id))
	}
	name := "<" + sanitizeName(r.Emb.Name) + ">"
	if len(r.Emb.Vectors) > 1 {
		name += fmt.Sprintf("#%d", r.Index)
	}
	return name
}
