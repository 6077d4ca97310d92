package recipe

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/runtime/train"
)

// TokenEmbedding is the text encoder's token-embedding initializer (transformers'
// CLIPTextEmbeddings.token_embedding).
const TokenEmbedding = "text_model.embeddings.token_embedding.weight"

// tokenTable is the part of the token-embedding table training touches. The backward of a
// Gather over CLIP's 49 408 rows is a one-hot product of 49 408 × (batch·77) per step
// (runtime/autodiff's Gather rule) for the few dozen rows the captions ever use, so the
// training graph gathers from a table of just those rows and ids are remapped. The map keeps
// the order of ids, so the end-of-text token stays the largest and the pooled output's argmax
// still finds it.
type tokenTable struct {
	ids   []int64 // CLIP ids, ascending: row i of the small table is CLIP row ids[i]
	index map[int64]int64
}

// newTokenTable collects every id the texts tokenize to (start, end and padding included).
func newTokenTable(tok *tokenizer.Tokenizer, texts []string, maxLen int) tokenTable {
	seen := map[int64]bool{}
	for _, s := range texts {
		ids, _ := tok.Encode(s, maxLen)
		for _, id := range ids {
			seen[id] = true
		}
	}
	t := tokenTable{index: map[int64]int64{}}
	for id := range seen {
		t.ids = append(t.ids, id)
	}
	sort.Slice(t.ids, func(i, j int) bool { return t.ids[i] < t.ids[j] })
	for i, id := range t.ids {
		t.index[id] = int64(i)
	}
	return t
}

// remap turns CLIP ids into rows of the small table.
func (t tokenTable) remap(ids []int64) ([]int64, error) {
	out := make([]int64, len(ids))
	for i, id := range ids {
		r, ok := t.index[id]
		if !ok {
			return nil, fmt.Errorf("token id %d is not in the training vocabulary", id)
		}
		out[i] = r
	}
	return out, nil
}

// shrink replaces the token-embedding initializer of m (prefixed by prefix) by its rows
// t.ids and returns the full table it replaced.
func (t tokenTable) shrink(m *onnxpb.ModelProto, prefix string) (train.Param, error) {
	name := prefix + TokenEmbedding
	for i, init := range m.GetGraph().GetInitializer() {
		if init.GetName() != name {
			continue
		}
		td, err := onnxgraph.TensorValue(init)
		if err != nil {
			return train.Param{}, err
		}
		vals, err := td.Float32s()
		if err != nil {
			return train.Param{}, err
		}
		full := train.Param{Dims: init.GetDims(), Data: vals}
		width := full.Dims[1]
		small := make([]float32, 0, int64(len(t.ids))*width)
		for _, id := range t.ids {
			small = append(small, full.Data[id*width:(id+1)*width]...)
		}
		m.Graph.Initializer[i] = onnxgraph.TensorFloat32(name, []int64{int64(len(t.ids)), width}, small)
		return full, nil
	}
	return train.Param{}, fmt.Errorf("the text encoder has no initializer %q", name)
}

// expand writes the trained small table's rows back into a copy of the full table.
func (t tokenTable) expand(full, small train.Param) train.Param {
	width := full.Dims[1]
	out := train.Param{Dims: full.Dims, Data: append([]float32{}, full.Data...)}
	for i, id := range t.ids {
		copy(out.Data[id*width:(id+1)*width], small.Data[int64(i)*width:int64(i+1)*width])
	}
	return out
}

// trainingTable loads the text encoder of initDir with its token-embedding table cut to the
// rows the captions use (and the empty prompt's); it returns the model, the table and the
// full table it replaced. TrainDiffusion and Recipe.Snapshot build the same table from the
// same captions, so a checkpoint's rows map back to the same CLIP ids.
func trainingTable(initDir string, captions []string) (*onnxpb.ModelProto, tokenTable, train.Param, error) {
	text, err := train.LoadModel(filepath.Join(initDir, "text_encoder", "model.onnx"))
	if err != nil {
		return nil, tokenTable{}, train.Param{}, err
	}
	tok, err := tokenizer.CLIP()
	if err != nil {
		return nil, tokenTable{}, train.Param{}, err
	}
	table := newTokenTable(tok, append([]string{""}, captions...), maxTokens)
	full, err := table.shrink(text, "")
	return text, table, full, err
}

// tokenRowsSuffix names the weights-file tensor holding only the token-embedding rows training
// changed; MetaTokenRows lists their CLIP ids.
const tokenRowsSuffix = ":rows"

// compactTokenTable replaces the full token-embedding table in params by the rows that differ
// from the seeded initial table in initDir, and returns their ids as JSON. The other rows are
// rebuilt from the seed by Materialize, so the weights file does not carry 49 408 rows of
// which a few dozen were trained (6.3 MB of 19 in float16).
func compactTokenTable(params map[string]train.Param, initDir string) (string, error) {
	name := prefixText + TokenEmbedding
	trained, ok := params[name]
	if !ok {
		return "", fmt.Errorf("no trained %s", TokenEmbedding)
	}
	text, err := train.LoadModel(filepath.Join(initDir, "text_encoder", "model.onnx"))
	if err != nil {
		return "", err
	}
	init, err := initializerValue(text, TokenEmbedding)
	if err != nil {
		return "", err
	}
	width := trained.Dims[1]
	var ids []int64
	var rows []float32
	for id := int64(0); id < trained.Dims[0]; id++ {
		r := trained.Data[id*width : (id+1)*width]
		if !slices.Equal(r, init.Data[id*width:(id+1)*width]) {
			ids = append(ids, id)
			rows = append(rows, r...)
		}
	}
	delete(params, name)
	params[name+tokenRowsSuffix] = train.Param{Dims: []int64{int64(len(ids)), width}, Data: rows}
	raw, err := json.Marshal(ids)
	return string(raw), err
}

// expandTokenTable puts the rows of a compact table back into the full table of the text
// encoder m (the seeded initial values) and returns params with the full table.
func expandTokenTable(params map[string]train.Param, m *onnxpb.ModelProto, idsJSON string) (map[string]train.Param, error) {
	rows, ok := params[prefixText+TokenEmbedding+tokenRowsSuffix]
	if !ok {
		return params, nil // a file with the whole table
	}
	var ids []int64
	if err := json.Unmarshal([]byte(idsJSON), &ids); err != nil || int64(len(ids)) != rows.Dims[0] {
		return nil, fmt.Errorf("weights: %s does not list the %d token rows", MetaTokenRows, rows.Dims[0])
	}
	full, err := initializerValue(m, TokenEmbedding)
	if err != nil {
		return nil, err
	}
	width := full.Dims[1]
	if rows.Dims[1] != width {
		return nil, fmt.Errorf("weights: token rows are %d wide, the text encoder %d", rows.Dims[1], width)
	}
	out := map[string]train.Param{}
	for k, v := range params {
		out[k] = v
	}
	delete(out, prefixText+TokenEmbedding+tokenRowsSuffix)
	for i, id := range ids {
		if id < 0 || id >= full.Dims[0] {
			return nil, fmt.Errorf("weights: token row id %d is outside the vocabulary", id)
		}
		copy(full.Data[id*width:(id+1)*width], rows.Data[int64(i)*width:int64(i+1)*width])
	}
	out[prefixText+TokenEmbedding] = full
	return out, nil
}

// initializerValue reads a float initializer of m.
func initializerValue(m *onnxpb.ModelProto, name string) (train.Param, error) {
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetName() != name {
			continue
		}
		td, err := onnxgraph.TensorValue(t)
		if err != nil {
			return train.Param{}, err
		}
		vals, err := td.Float32s()
		return train.Param{Dims: t.GetDims(), Data: vals}, err
	}
	return train.Param{}, fmt.Errorf("the model has no initializer %q", name)
}
