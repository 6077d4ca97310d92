package runtime

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// Embed returns the conditioning of a prompt as A1111 builds it at the first denoising step
// (see Conditioning), [1, 77·chunks, D]. Only the goroutine that owns the model calls it.
func (m *Model) Embed(ctx context.Context, text string) (Tensor, error) {
	c, err := m.Conditioning(ctx, text, 1, TextSpec{})
	if err != nil {
		return Tensor{}, err
	}
	return c.Embeds[0], nil
}

// encodeChunk runs the text encoder on one chunk's 77 ids and returns its hidden states
// [1, 77, D] (last_hidden_state, or the clip-skip output when the model has one). Results are
// cached per ids for the model's lifetime, so re-rendering after a weight or seed change never
// re-runs the text encoder.
func (m *Model) encodeChunk(ctx context.Context, spec TextSpec, ids []int) (Tensor, error) {
	in, rows, rowsKey, added := m.addedFeed(ids)
	if added {
		spec.AddedTokens = int64(m.Tokenizer.VocabSize())
	}
	key := spec.key() + ":" + idsKey(ids) + rowsKey
	if e, ok := m.embeds[key]; ok {
		return e, nil
	}
	text, err := m.textEncoder(ctx, spec)
	if err != nil {
		return Tensor{}, err
	}
	feeds := map[string]Feed{"input_ids": {Shape: []int64{1, int64(len(in))}, I: in}}
	if added {
		feeds[addedInput] = rows
	}
	out := "last_hidden_state"
	if _, ok := text.Output(out); !ok {
		out = text.Outputs[0].Name
	}
	shapes := map[string][]int64{out: {1, int64(len(in)), m.hiddenSize()}}
	for _, o := range text.Outputs {
		if o.Name != out && len(o.Dims) == 2 {
			shapes[o.Name] = []int64{1, m.hiddenSize()}
		}
	}
	res, err := text.Run(ctx, feeds, shapes)
	if err != nil {
		return Tensor{}, err
	}
	e, ok := res[out]
	if !ok || len(e.Shape) != 3 {
		return Tensor{}, modelError{text.Path, fmt.Sprintf("output %s is not [batch, sequence, hidden]", out)}
	}
	if len(m.embeds) >= embedCacheSize {
		clear(m.embeds)
	}
	m.embeds[key] = e
	return e, nil
}

func idsKey(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(id))
		b.WriteByte(',')
	}
	return b.String()
}

// embedCacheSize bounds the chunk cache; 77×768 floats is 236 KB a chunk on SD 1.5, so 64
// chunks are 15 MB. In the studio every pause while typing is a new prompt; 256 of them
// (60 MB on SD 1.5) made the resident set climb for hundreds of renders before the cache
// cleared.
const embedCacheSize = 64

// hiddenSize is the text embedding width, read from the graphs' declared shapes.
func (m *Model) hiddenSize() int64 {
	if spec, ok := m.UNet.Input("encoder_hidden_states"); ok && len(spec.Dims) == 3 && spec.Dims[2] > 0 {
		return spec.Dims[2]
	}
	for _, o := range m.Text.Outputs {
		if len(o.Dims) == 3 && o.Dims[2] > 0 {
			return o.Dims[2]
		}
	}
	return 768
}

// chunker splits prompts for this model's vocabulary with A1111's defaults.
func (m *Model) chunker() *prompt.Chunker {
	return NewChunker(m.Tokenizer, m.vocab)
}

// NewChunker splits prompts as A1111 does for tok's vocabulary with its defaults, finding
// the embeddings of vocab (nil: none) by name.
func NewChunker(tok *tokenizer.Tokenizer, vocab *textinv.Vocab) *prompt.Chunker {
	comma, ok := tok.ID(",</w>")
	if !ok {
		comma = -1
	}
	c := &prompt.Chunker{Encode: tok.EncodeContent, BOS: tok.BOS(), EOS: tok.EOS(),
		Pad: tok.Pad(), Comma: comma, Backtrack: prompt.DefaultCommaBacktrack}
	if vocab != nil {
		c.Embeddings = vocab
	}
	return c
}
