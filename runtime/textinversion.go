package runtime

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/textinv"
)

// Textual-inversion embeddings become new tokens: ids from the tokenizer's vocabulary size
// on (textinv.Vocab numbers them) that the chunker puts where a prompt names an embedding,
// one per vector, and that the text encoder looks up in an extra input
// (onnxgraph.ExtendTokenEmbedding) instead of its table. The graph is edited once per model
// (cached like every prepared graph) and never depends on which embeddings exist, so adding a
// file to the embeddings folder costs no new graph or session; a prompt without embeddings
// runs the graph as exported.

// useEmbeddings makes the embeddings the request may use (its paths, then the configured
// folders) the model's added vocabulary. Unchanged files are not read again.
func (m *Model) useEmbeddings(paths []string) error {
	lib, err := m.tiFiles.Resolve(paths, m.Options.EmbeddingDirs)
	if err != nil {
		return requestError{oneLine(err)}
	}
	if m.vocab != nil && slices.Equal(lib.Embeddings, m.vocabOf) {
		return nil
	}
	m.vocab = textinv.NewVocab(m.Tokenizer.EncodeContent, m.Tokenizer.VocabSize(), lib)
	m.vocabOf = lib.Embeddings
	return nil
}

// Vocabulary is the model's current added vocabulary (nil before a render resolved one).
func (m *Model) Vocabulary() *textinv.Vocab { return m.vocab }

// folderVocabulary is the added vocabulary of the configured folders alone, built apart from
// the model's own so that it can be handed to another goroutine.
func (m *Model) folderVocabulary() *textinv.Vocab {
	var files textinv.Cache
	lib, err := files.Resolve(nil, m.Options.EmbeddingDirs)
	if err != nil {
		return nil
	}
	return textinv.NewVocab(m.Tokenizer.EncodeContent, m.Tokenizer.VocabSize(), lib)
}

// checkEmbeddings refuses an embedding the prompt uses whose vectors are not the text
// encoder's width (an SD 2 embedding on SD 1, 1024 against 768).
func (m *Model) checkEmbeddings(used []*textinv.Embedding) error {
	width := m.hiddenSize()
	for _, e := range used {
		if int64(e.Width()) != width {
			return requestError{fmt.Sprintf("embedding %q (%s) has %d-wide vectors but this model's text encoder is %d wide: it was trained for another model family — remove it from the prompt",
				sanitizeName(e.Name), sanitizeName(e.Path), e.Width(), width)}
		}
	}
	return nil
}

func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// addedFeed returns the text-encoder input for one chunk's ids: the ids with every added id
// renumbered into a compact table of the rows this chunk uses, that table, and a cache key
// naming those rows by file hash (so a changed file never reuses an old encoding). ok is
// false when the chunk has no added id.
func (m *Model) addedFeed(ids []int) (in []int64, rows Feed, key string, ok bool) {
	base := m.Tokenizer.VocabSize()
	in = make([]int64, len(ids))
	var flat []float32
	slot := map[int]int{}
	var b strings.Builder
	for i, id := range ids {
		in[i] = int64(id)
		r, added := m.vocab.Row(id)
		if !added {
			continue
		}
		k, seen := slot[id]
		if !seen {
			k = len(slot)
			slot[id] = k
			flat = append(flat, r.Emb.Vectors[r.Index]...)
			fmt.Fprintf(&b, "%s#%d,", r.Emb.SHA256, r.Index)
		}
		in[i] = int64(base + k)
	}
	if len(slot) == 0 {
		return in, Feed{}, "", false
	}
	width := int64(len(flat) / len(slot))
	return in, Feed{Shape: []int64{int64(len(slot)), width}, F: flat}, b.String(), true
}

// usedEmbeddings lists the embeddings the chunks of every entry use.
func (m *Model) usedEmbeddings(chunks [][]prompt.Chunk) []*textinv.Embedding {
	if m.vocab == nil {
		return nil
	}
	var ids [][]int
	for _, entry := range chunks {
		for _, c := range entry {
			ids = append(ids, c.IDs)
		}
	}
	return m.vocab.Used(ids...)
}

// addedInput is the name of the extra text-encoder input.
const addedInput = onnxgraph.AddedTokenRows
