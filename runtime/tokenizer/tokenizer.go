package tokenizer

import "regexp"

// Tokenizer encodes prompts with one CLIP vocabulary. It is safe for concurrent use.
type Tokenizer struct {
	source     string
	decoder    []string       // id → piece ("" for ids the vocabulary skips)
	encoder    map[string]int // piece → id
	merges     map[uint64]mergeRule
	byteIDs    [256]int32 // id of each byte's symbol inside a word, -1 if absent
	byteEndIDs [256]int32 // id of each byte's word-final symbol ("…</w>"), -1 if absent
	bos, eos   int
	pad, unk   int
	maxLen     int
	pattern    *regexp.Regexp
	cache      *bpeCache
}

// Token is one position of a tokenised prompt.
type Token struct {
	ID    int    // vocabulary id
	Piece string // vocabulary entry, byte-level and with "</w>" ending a word; see Readable
	// Word is the index of the space-separated word of the cleaned prompt the token comes from,
	// or -1 for <|startoftext|> and <|endoftext|> added around the prompt. Attend-and-Excite
	// selections are remapped through it when the prompt is edited.
	Word int
}

// Tokenize splits a prompt into tokens, <|startoftext|> first and <|endoftext|> last, without
// truncation or padding: token i here is position i of the text encoder's input as long as
// i < MaxLen()-1.
func (t *Tokenizer) Tokenize(text string) []Token {
	words := splitWords(t.pattern, cleanText(text))
	toks := make([]Token, 0, 2+2*len(words))
	toks = append(toks, Token{ID: t.bos, Piece: t.decoder[t.bos], Word: -1})
	for _, w := range words {
		for _, s := range t.bpe(w.text) {
			id := int(s.id)
			if s.id < 0 {
				id = t.unk
			}
			toks = append(toks, Token{ID: id, Piece: s.piece, Word: w.index})
		}
	}
	return append(toks, Token{ID: t.eos, Piece: t.decoder[t.eos], Word: -1})
}

// Encode is the text encoder's input_ids for a prompt, as Hugging Face's CLIPTokenizer gives
// them with padding="max_length", truncation=True: at most maxLen-2 prompt tokens between
// <|startoftext|> and <|endoftext|>, then the pad id up to maxLen. truncated reports that
// prompt tokens were dropped. maxLen below 2 is raised to 2.
func (t *Tokenizer) Encode(text string, maxLen int) (ids []int64, truncated bool) {
	maxLen = max(maxLen, 2)
	toks := t.Tokenize(text)
	content := toks[1 : len(toks)-1]
	if len(content) > maxLen-2 {
		content, truncated = content[:maxLen-2], true
	}
	ids = make([]int64, 0, maxLen)
	ids = append(ids, int64(t.bos))
	for _, tok := range content {
		ids = append(ids, int64(tok.ID))
	}
	ids = append(ids, int64(t.eos))
	for len(ids) < maxLen {
		ids = append(ids, int64(t.pad))
	}
	return ids, truncated
}

// BOS is the id of <|startoftext|>.
func (t *Tokenizer) BOS() int { return t.bos }

// EOS is the id of <|endoftext|>.
func (t *Tokenizer) EOS() int { return t.eos }

// Pad is the id Encode pads with: <|endoftext|> for SD 1.x, "!" (0) for SD 2.x.
func (t *Tokenizer) Pad() int { return t.pad }

// Unk is the id of pieces the vocabulary lacks (only small, non-CLIP vocabularies have any).
func (t *Tokenizer) Unk() int { return t.unk }

// VocabSize is one more than the largest id: the rows the text encoder's embedding needs.
func (t *Tokenizer) VocabSize() int { return len(t.decoder) }

// MaxLen is the text encoder's context length: tokenizer_config.json's model_max_length, or 77.
func (t *Tokenizer) MaxLen() int { return t.maxLen }

// Source is the file or folder the vocabulary was loaded from.
func (t *Tokenizer) Source() string { return t.source }

// Piece is the vocabulary entry for id, or "" if id is outside the vocabulary.
func (t *Tokenizer) Piece(id int) string {
	if id < 0 || id >= len(t.decoder) {
		return ""
	}
	return t.decoder[id]
}

// ID is the id of a vocabulary entry (byte-level, "</w>" ending a word), e.g. ",</w>".
func (t *Tokenizer) ID(piece string) (int, bool) {
	id, ok := t.encoder[piece]
	return id, ok
}

// EncodeContent is the prompt's token ids without start and end tokens, untruncated (Hugging
// Face's tokenizer with add_special_tokens=False, truncation=False).
func (t *Tokenizer) EncodeContent(text string) []int {
	toks := t.Tokenize(text)
	ids := make([]int, len(toks)-2)
	for i, tok := range toks[1 : len(toks)-1] {
		ids[i] = tok.ID
	}
	return ids
}
