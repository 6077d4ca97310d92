package runtime

import (
	"context"
	"fmt"
)

// Embed returns the text encoder's last_hidden_state [1, 77, D] for a prompt, padded as
// CLIP pads. Results are cached per prompt text for the model's lifetime, so re-rendering
// after a weight or seed change never re-runs the text encoder. Only the goroutine that owns
// the model calls it.
func (m *Model) Embed(ctx context.Context, prompt string) (Tensor, error) {
	if e, ok := m.embeds[prompt]; ok {
		return e, nil
	}
	ids, _ := m.Tokenizer.Encode(prompt, m.MaxLength)
	feeds := map[string]Feed{"input_ids": {Shape: []int64{1, int64(len(ids))}, I: ids}}
	out := "last_hidden_state"
	if _, ok := m.Text.Output(out); !ok {
		out = m.Text.Outputs[0].Name
	}
	shapes := map[string][]int64{out: {1, int64(len(ids)), m.hiddenSize()}}
	for _, o := range m.Text.Outputs {
		if o.Name != out && len(o.Dims) == 2 {
			shapes[o.Name] = []int64{1, m.hiddenSize()}
		}
	}
	res, err := m.Text.Run(ctx, feeds, shapes)
	if err != nil {
		return Tensor{}, err
	}
	e, ok := res[out]
	if !ok || len(e.Shape) != 3 {
		return Tensor{}, modelError{m.Text.Path, fmt.Sprintf("output %s is not [batch, sequence, hidden]", out)}
	}
	if len(m.embeds) >= embedCacheSize {
		clear(m.embeds)
	}
	m.embeds[prompt] = e
	return e, nil
}

// embedCacheSize bounds the prompt cache; 77×768 floats is 236 KB a prompt on SD 1.5, so 64
// prompts are 15 MB. In the studio every pause while typing is a new prompt; 256 of them
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
