package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// TextSpec says how the text encoder graph is edited for a render: ClipSkip ≥ 2 takes an
// earlier layer's output (onnxgraph.ClipSkip); AddedTokens > 0 looks ids from AddedTokens on
// up in an extra input instead of the token-embedding table (textual-inversion embeddings,
// onnxgraph.ExtendTokenEmbedding). The zero value is the model as exported.
type TextSpec struct {
	ClipSkip    int
	AddedTokens int64
}

func (s TextSpec) key() string {
	k := fmt.Sprintf("text clip_skip=%d", s.normal().ClipSkip)
	if s.AddedTokens > 0 {
		k += fmt.Sprintf(" added_tokens=%d", s.AddedTokens)
	}
	return k
}

// normal maps the "no change" spellings (0 and 1) to one value.
func (s TextSpec) normal() TextSpec {
	if s.ClipSkip <= 1 {
		s.ClipSkip = 1
	}
	return s
}

func (s TextSpec) plain() bool { return s.normal() == TextSpec{ClipSkip: 1} }

// PrepareTextEncoder returns the path of the text encoder at textPath edited as spec says,
// building it into ort.CacheDir()/prepared/<key>/text_encoder.onnx unless it is there (the key
// as for prepared UNets: the graph's bytes, its neighbours' sizes and times, and spec). The
// weights are hard-linked, never copied.
func PrepareTextEncoder(ctx context.Context, textPath string, spec TextSpec) (string, error) {
	if spec.plain() {
		return textPath, nil
	}
	key, err := graphKey(textPath, spec.key())
	if err != nil {
		return "", err
	}
	out := filepath.Join(ort.CacheDir(), "prepared", key, "text_encoder.onnx")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	g, err := onnxgraph.Load(textPath)
	if err != nil {
		return "", err
	}
	if err := onnxgraph.ClipSkip(g, spec.ClipSkip); err != nil {
		return "", err
	}
	if spec.AddedTokens > 0 {
		if err := onnxgraph.ExtendTokenEmbedding(g, spec.AddedTokens); err != nil {
			return "", err
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	tmp := out + ".tmp"
	if err := g.Save(tmp); err != nil {
		return "", err
	}
	return out, os.Rename(tmp, out)
}

// textEncoder is the text encoder component for spec, opened once per model.
func (m *Model) textEncoder(ctx context.Context, spec TextSpec) (*Component, error) {
	if spec.plain() {
		return m.Text, nil
	}
	spec = spec.normal()
	if c, ok := m.texts[spec]; ok {
		return c, nil
	}
	path, err := PrepareTextEncoder(ctx, m.Text.Path, spec)
	if err != nil {
		return nil, err
	}
	c, err := openComponent("text_encoder", path, m.Options)
	if err != nil {
		return nil, err
	}
	if m.texts == nil {
		m.texts = map[TextSpec]*Component{}
	}
	m.texts[spec] = c
	return c, nil
}
