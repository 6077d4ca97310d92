package tokenizer

import "regexp"

// Names of CLIP's special tokens, as they appear in every CLIP vocabulary.
const (
	startOfText = "<|startoftext|>"
	endOfText   = "<|endoftext|>"
	wordEnd     = "</w>"
)

// DefaultMaxLen is the CLIP text encoder's context length (its position-embedding table has 77
// rows), used when a tokenizer folder does not say otherwise.
const DefaultMaxLen = 77

// specialNames are the token strings a vocabulary source names for each role.
type specialNames struct {
	bos, eos, pad, unk string
}

func clipSpecials() specialNames {
	return specialNames{bos: startOfText, eos: endOfText, pad: endOfText, unk: endOfText}
}

// mergeRule is one BPE merge: its rank (lower merges first) and the id of the joined symbol.
type mergeRule struct {
	rank   int
	merged int32
}

// vocabSource is what a loader reads, before it is checked and indexed.
type vocabSource struct {
	path     string   // for error messages
	ids      []string // id → piece; "" marks an unused id
	encoder  map[string]int
	merges   [][2]string
	mergeAt  []int // line of each merge in path, for error messages
	specials specialNames
	maxLen   int
}

// newTokenizer checks a vocabulary source and builds the lookup tables the encoder needs.
func newTokenizer(src vocabSource) (*Tokenizer, error) {
	t := &Tokenizer{
		source:  src.path,
		decoder: src.ids,
		encoder: src.encoder,
		merges:  make(map[uint64]mergeRule, len(src.merges)),
		maxLen:  src.maxLen,
		pattern: regexp.MustCompile(clipPattern),
		cache:   newBPECache(bpeCacheSize),
	}
	if t.maxLen < 2 {
		t.maxLen = DefaultMaxLen
	}
	if err := t.indexMerges(src); err != nil {
		return nil, err
	}
	if err := t.resolveSpecials(src); err != nil {
		return nil, err
	}
	t.indexBytes()
	return t, nil
}

func (t *Tokenizer) indexMerges(src vocabSource) error {
	for rank, m := range src.merges {
		left, okL := t.encoder[m[0]]
		right, okR := t.encoder[m[1]]
		merged, okM := t.encoder[m[0]+m[1]]
		if !okL || !okR || !okM {
			missing := m[0] + m[1]
			if !okL {
				missing = m[0]
			} else if !okR {
				missing = m[1]
			}
			return badVocab(src.path, src.mergeAt[rank], "use the vocab.json and merges.txt of the same tokenizer",
				"merge %q %q needs %q, which is not in the vocabulary", m[0], m[1], missing)
		}
		t.merges[pairKey(int32(left), int32(right))] = mergeRule{rank: rank, merged: int32(merged)}
	}
	return nil
}

func (t *Tokenizer) resolveSpecials(src vocabSource) error {
	roles := []struct {
		name string
		dst  *int
	}{{src.specials.bos, &t.bos}, {src.specials.eos, &t.eos}, {src.specials.pad, &t.pad}, {src.specials.unk, &t.unk}}
	for _, role := range roles {
		id, ok := t.encoder[role.name]
		if !ok {
			return badVocab(src.path, 0, "a CLIP tokenizer needs <|startoftext|> and <|endoftext|> in vocab.json",
				"special token %q is not in the vocabulary", role.name)
		}
		*role.dst = id
	}
	return nil
}

// indexBytes looks up the starting symbols of BPE: each byte's rune, alone and word-final.
func (t *Tokenizer) indexBytes() {
	for b := 0; b < 256; b++ {
		r := string(byteRune(byte(b)))
		t.byteIDs[b] = t.lookup(r)
		t.byteEndIDs[b] = t.lookup(r + wordEnd)
	}
}

// lookup is the id of piece, or -1 when the vocabulary lacks it.
func (t *Tokenizer) lookup(piece string) int32 {
	if id, ok := t.encoder[piece]; ok {
		return int32(id)
	}
	return -1
}

func pairKey(left, right int32) uint64 { return uint64(uint32(left))<<32 | uint64(uint32(right)) }

// addPiece appends piece with the next id; a repeated piece takes the newer id, as Python's
// dict(zip(vocab, range(len(vocab)))) does.
func (src *vocabSource) addPiece(piece string) {
	src.encoder[piece] = len(src.ids)
	src.ids = append(src.ids, piece)
}

// isSpecialWord reports whether a pre-tokenisation match is one of the two special tokens
// CLIP's pattern lets through whole (its BPE cache is seeded with exactly these).
func isSpecialWord(w string) bool { return w == startOfText || w == endOfText }
