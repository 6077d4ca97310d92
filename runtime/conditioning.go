package runtime

import (
	"context"

	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/textinv"
)

// PromptConditioning is one prompt's text conditioning over a render, as A1111 builds it
// (modules/prompt_parser.py, get_learned_conditioning): one entry per change of the prompt
// ([from:to:when], [a|b]), each the concatenation of its 75-token chunks' encoder outputs with
// emphasis applied. Every entry has the same number of chunks: shorter ones are padded with
// the empty prompt's chunk, as A1111 encodes a schedule's prompts as one batch.
type PromptConditioning struct {
	Schedule []prompt.Scheduled
	Chunks   [][]prompt.Chunk // per entry
	Embeds   []Tensor         // per entry, [1, 77·chunks, D]
	// Embeddings are the textual-inversion embeddings the prompt uses, in order of use.
	Embeddings []*textinv.Embedding
}

// At is the entry index in force at denoiser call step (0-based).
func (c *PromptConditioning) At(step int) int { return prompt.At(c.Schedule, step) }

// Conditioning encodes a prompt written in A1111's syntax for a render of steps steps. Chunk
// encodings are cached per token ids, so an edit re-runs the encoder only for changed chunks.
// spec picks the text encoder graph (clip skip).
func (m *Model) Conditioning(ctx context.Context, text string, steps int, spec TextSpec) (*PromptConditioning, error) {
	ck := m.chunker()
	sched := prompt.Schedule(text, steps)
	c := &PromptConditioning{Schedule: sched, Chunks: make([][]prompt.Chunk, len(sched))}
	n := 0
	for i, s := range sched {
		c.Chunks[i], _ = ck.Chunks(prompt.ParseAttention(s.Text))
		n = max(n, len(c.Chunks[i]))
	}
	c.Embeddings = m.usedEmbeddings(c.Chunks)
	if err := m.checkEmbeddings(c.Embeddings); err != nil {
		return nil, err
	}
	for i := range c.Chunks {
		for len(c.Chunks[i]) < n {
			c.Chunks[i] = append(c.Chunks[i], ck.EmptyChunk())
		}
	}
	parts := make([][]Tensor, len(sched)) // [entry][chunk]
	for i := range parts {
		parts[i] = make([]Tensor, n)
	}
	for k := range n {
		if err := m.encodeChunkGroup(ctx, spec, c.Chunks, k, parts); err != nil {
			return nil, err
		}
	}
	for _, p := range parts {
		c.Embeds = append(c.Embeds, concatSequence(p...))
	}
	return c, nil
}

// encodeChunkGroup encodes chunk k of every entry and applies emphasis over the group, as
// A1111's forward does for chunk k of a batch of prompts.
func (m *Model) encodeChunkGroup(ctx context.Context, spec TextSpec, chunks [][]prompt.Chunk, k int, parts [][]Tensor) error {
	z := make([][]float32, len(chunks))
	w := make([][]float64, len(chunks))
	for i := range chunks {
		e, err := m.encodeChunk(ctx, spec, chunks[i][k].IDs)
		if err != nil {
			return err
		}
		parts[i][k] = e
		z[i], w[i] = e.Data, chunks[i][k].Weights
	}
	if !weighted(w) {
		return nil
	}
	for i := range z {
		z[i] = append([]float32(nil), z[i]...) // the cache keeps the unweighted output
		parts[i][k] = Tensor{Shape: parts[i][k].Shape, Data: z[i]}
	}
	width := len(z[0]) / len(w[0])
	prompt.Emphasize(z, w, width)
	return nil
}

func weighted(w [][]float64) bool {
	for _, ws := range w {
		for _, v := range ws {
			if v != 1 {
				return true
			}
		}
	}
	return false
}

// concatSequence joins [1, S_i, D] tensors along the sequence axis.
func concatSequence(parts ...Tensor) Tensor {
	if len(parts) == 1 {
		return parts[0]
	}
	shape := append([]int64(nil), parts[0].Shape...)
	shape[1] = 0
	var data []float32
	for _, p := range parts {
		shape[1] += p.Shape[1]
		data = append(data, p.Data...)
	}
	return Tensor{Shape: shape, Data: data}
}
