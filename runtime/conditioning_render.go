package runtime

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
	for _, t := range EncoderTokens(tok, vocab, chunks) {
		out = append(out, tokenizer.Readable(t.Piece))
	}
	return out
}

// PromptChunks is what the text encoder sees of a prompt at the first denoising step: A1111's
// schedule entry for step 0, its emphasis parsed, split into chunks with vocab's embeddings
// (nil: none) as added tokens. Position 77·c + p of the conditioning is chunks[c].IDs[p].
func PromptChunks(tok *tokenizer.Tokenizer, vocab *textinv.Vocab, text string) []prompt.Chunk {
	sched := prompt.Schedule(text, 1)
	chunks, _ := NewChunker(tok, vocab).Chunks(prompt.ParseAttention(sched[prompt.At(sched, 0)].Text))
	return chunks
}

// EncoderTokens lists the positions of chunks as promptTokens describes, as tokens. Word is
// -1 for the start, end and padding tokens; otherwise words are counted from 0 as the pieces
// end them (a piece ending in </w>, the last vector of an embedding), so a word split over
// several pieces keeps one number. An embedding's vector has the piece <name> or <name>#i,
// which no vocabulary entry spells, so tokenizer.Remap never confuses it with a word.
func EncoderTokens(tok *tokenizer.Tokenizer, vocab *textinv.Vocab, chunks []prompt.Chunk) []tokenizer.Token {
	var out []tokenizer.Token
	word := 0
	for k, ch := range chunks {
		ids := ch.IDs
		if k == len(chunks)-1 {
			ids = ids[:ch.Used+2]
		}
		for p, id := range ids {
			if p == 0 || p > ch.Used {
				out = append(out, tokenizer.Token{ID: id, Piece: tok.Piece(id), Word: -1})
				continue
			}
			piece := pieceOf(tok, vocab, id)
			out = append(out, tokenizer.Token{ID: id, Piece: piece, Word: word})
			if r, ok := vocab.Row(id); ok && r.Index == len(r.Emb.Vectors)-1 || !ok && strings.HasSuffix(piece, "</w>") {
				word++
			}
		}
	}
	return out
}

// PromptTokens is what the text encoder sees of text at the first step (EncoderTokens of
// PromptChunks) with the embeddings of paths and the configured folders. Attend-and-excite
// token indices and words are resolved against it. Only the model's goroutine calls it.
func (m *Model) PromptTokens(text string, embeddings []string) ([]tokenizer.Token, error) {
	if err := m.useEmbeddings(embeddings); err != nil {
		return nil, err
	}
	return EncoderTokens(m.Tokenizer, m.vocab, PromptChunks(m.Tokenizer, m.vocab, text)), nil
}

func pieceOf(tok *tokenizer.Tokenizer, vocab *textinv.Vocab, id int) string {
	if _, ok := vocab.Row(id); ok {
		return PieceName(tok, vocab, id)
	}
	return tok.Piece(id)
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
