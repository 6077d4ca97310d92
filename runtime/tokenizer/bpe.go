package tokenizer

import "sync"

// bpeCacheSize bounds each tokenizer's cache of encoded words. Prompts reuse a small set of
// words, so a few thousand entries catch nearly every repeat; when full the cache is emptied
// rather than tracking recency, which keeps lookups cheap.
const bpeCacheSize = 4096

// symbol is one BPE symbol: its vocabulary id (-1 if the vocabulary lacks it) and its text.
type symbol struct {
	id    int32
	piece string
}

// bpeCache memoises word → symbols; it is safe for concurrent use.
type bpeCache struct {
	mu    sync.Mutex
	limit int
	words map[string][]symbol
}

func newBPECache(limit int) *bpeCache {
	return &bpeCache{limit: limit, words: make(map[string][]symbol)}
}

func (c *bpeCache) get(w string) ([]symbol, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	syms, ok := c.words[w]
	return syms, ok
}

func (c *bpeCache) put(w string, syms []symbol) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.words) >= c.limit {
		clear(c.words)
	}
	c.words[w] = syms
}

// bpe encodes one pre-tokenised word (raw UTF-8, not yet byte-level) into symbols.
func (t *Tokenizer) bpe(w string) []symbol {
	if syms, ok := t.cache.get(w); ok {
		return syms
	}
	var syms []symbol
	if isSpecialWord(w) {
		syms = []symbol{{id: t.lookup(w), piece: w}}
	} else {
		syms = t.symbolsOf(t.mergeAll(t.startSymbols(w)), w)
	}
	t.cache.put(w, syms)
	return syms
}

// span is a symbol during merging: its id (-1 if the vocabulary lacks it) and the bytes of
// the word it covers.
type span struct {
	id         int32
	start, end int
}

// startSymbols is the word as one symbol per byte, the last one marked word-final.
func (t *Tokenizer) startSymbols(w string) []span {
	spans := make([]span, len(w))
	for i := 0; i < len(w); i++ {
		spans[i] = span{id: t.byteIDs[w[i]], start: i, end: i + 1}
	}
	spans[len(w)-1].id = t.byteEndIDs[w[len(w)-1]]
	return spans
}

// mergeAll applies merges as CLIP's bpe() does (Sennrich et al. 2016, "Neural Machine
// Translation of Rare Words with Subword Units"): repeatedly take the adjacent pair with the
// lowest merge rank and join every occurrence of it, left to right, until no pair has a rank.
// Symbols missing from the vocabulary (id -1) never merge.
func (t *Tokenizer) mergeAll(spans []span) []span {
	for len(spans) > 1 {
		best, bestRank := -1, 0
		for i := 0; i+1 < len(spans); i++ {
			if spans[i].id < 0 || spans[i+1].id < 0 {
				continue
			}
			rule, ok := t.merges[pairKey(spans[i].id, spans[i+1].id)]
			if ok && (best < 0 || rule.rank < bestRank) {
				best, bestRank = i, rule.rank
			}
		}
		if best < 0 {
			break
		}
		left, right := spans[best].id, spans[best+1].id
		spans = joinPair(spans, left, right, t.merges[pairKey(left, right)].merged)
	}
	return spans
}

// joinPair replaces every non-overlapping (left, right), scanning left to right, in place.
func joinPair(spans []span, left, right, merged int32) []span {
	out := spans[:0]
	for i := 0; i < len(spans); i++ {
		if i+1 < len(spans) && spans[i].id == left && spans[i+1].id == right {
			out = append(out, span{id: merged, start: spans[i].start, end: spans[i+1].end})
			i++
			continue
		}
		out = append(out, spans[i])
	}
	return out
}

// symbolsOf names the merged spans; a span the vocabulary lacks keeps its byte-level text.
func (t *Tokenizer) symbolsOf(spans []span, w string) []symbol {
	syms := make([]symbol, len(spans))
	for i, s := range spans {
		if s.id >= 0 {
			syms[i] = symbol{id: s.id, piece: t.decoder[s.id]}
			continue
		}
		piece := byteLevelString(w[s.start:s.end])
		if s.end == len(w) {
			piece += wordEnd
		}
		syms[i] = symbol{id: -1, piece: piece}
	}
	return syms
}
