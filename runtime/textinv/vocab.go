package textinv

import "sort"

// Vocab adds a library's embeddings to a tokenizer's vocabulary: vector i of all the
// embeddings' vectors, in library order, gets id Base+i, and Match finds an embedding's
// name among a prompt's token ids as A1111's EmbeddingDatabase.find_embedding_at_position
// does (candidates keyed by their first token, longest name first). It implements
// prompt.Matcher.
type Vocab struct {
	Base    int
	rows    []Row
	byFirst map[int][]candidate
}

// Row is what an added id stands for: vector Index of Emb.
type Row struct {
	Emb   *Embedding
	Index int
}

type candidate struct {
	name    []int
	vectors []int
}

// NewVocab numbers lib's vectors from base (the tokenizer's vocabulary size) and indexes
// each embedding under its name and its diffusers token, tokenized by encode (the prompt
// tokenizer without start and end tokens). An earlier embedding keeps a name a later one
// also has.
func NewVocab(encode func(string) []int, base int, lib *Library) *Vocab {
	v := &Vocab{Base: base, byFirst: map[int][]candidate{}}
	if lib == nil {
		return v
	}
	taken := map[string]bool{}
	for _, e := range lib.Embeddings {
		ids := make([]int, len(e.Vectors))
		for i := range e.Vectors {
			ids[i] = base + len(v.rows)
			v.rows = append(v.rows, Row{e, i})
		}
		for _, name := range []string{e.Name, e.Token} {
			toks := encode(name)
			key := fmtIDs(toks)
			if name == "" || len(toks) == 0 || taken[key] {
				continue
			}
			taken[key] = true
			v.byFirst[toks[0]] = append(v.byFirst[toks[0]], candidate{toks, ids})
		}
	}
	for _, cs := range v.byFirst {
		sort.SliceStable(cs, func(i, j int) bool { return len(cs[i].name) > len(cs[j].name) })
	}
	return v
}

func fmtIDs(ids []int) string {
	b := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		b = append(b, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	}
	return string(b)
}

// Match returns the ids of the embedding whose name starts at ids[pos] and how many ids
// the name takes, or consumed = 0.
func (v *Vocab) Match(ids []int, pos int) (vectors []int, consumed int) {
	for _, c := range v.byFirst[ids[pos]] {
		if pos+len(c.name) <= len(ids) && equal(ids[pos:pos+len(c.name)], c.name) {
			return c.vectors, len(c.name)
		}
	}
	return nil, 0
}

func equal(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Row tells what an id at or above Base stands for.
func (v *Vocab) Row(id int) (Row, bool) {
	if v == nil || id < v.Base || id-v.Base >= len(v.rows) {
		return Row{}, false
	}
	return v.rows[id-v.Base], true
}

// Used lists, once each and in order of first use, the embeddings whose ids appear in ids.
func (v *Vocab) Used(ids ...[]int) []*Embedding {
	var out []*Embedding
	seen := map[*Embedding]bool{}
	for _, list := range ids {
		for _, id := range list {
			if r, ok := v.Row(id); ok && !seen[r.Emb] {
				seen[r.Emb] = true
				out = append(out, r.Emb)
			}
		}
	}
	return out
}
