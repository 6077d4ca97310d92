package demomodel

import (
	_ "embed"
	"strings"
)

//go:embed data/words.txt
var wordList string

// Special tokens of CLIP's tokenizer; SD 1.x pads with <|endoftext|>.
const (
	startOfText = "<|startoftext|>"
	endOfText   = "<|endoftext|>"
	endOfWord   = "</w>"
)

// bpeVocab is a CLIP-format byte-level BPE vocabulary: tokens in id order and merges in
// rank order, exactly the two lists vocab.json and merges.txt hold.
type bpeVocab struct {
	tokens []string
	merges [][2]string
}

// bytesToUnicode is CLIP's bytes_to_unicode (openai/CLIP simple_tokenizer.py): printable
// Latin-1 bytes map to themselves, the other 68 to U+0100 onwards, in that order.
func bytesToUnicode() (order []byte, chars map[byte]rune) {
	chars = map[byte]rune{}
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	for b := 0; b < 256; b++ {
		if printable(b) {
			order = append(order, byte(b))
			chars[byte(b)] = rune(b)
		}
	}
	n := 0
	for b := 0; b < 256; b++ {
		if !printable(b) {
			order = append(order, byte(b))
			chars[byte(b)] = rune(256 + n)
			n++
		}
	}
	return order, chars
}

// buildVocab trains byte-level BPE on the embedded word list until every word is one token:
// each round merges the most frequent adjacent pair (ties: the lexicographically smallest),
// as Sennrich et al. 2016 describe. The vocabulary is then laid out as CLIP's: the 256 byte
// symbols, the same with </w>, one token per merge, then <|startoftext|>, <|endoftext|>.
func buildVocab() bpeVocab {
	order, chars := bytesToUnicode()
	var v bpeVocab
	for _, suffix := range []string{"", endOfWord} {
		for _, b := range order {
			v.tokens = append(v.tokens, string(chars[b])+suffix)
		}
	}
	st := newSymbolTable(v.tokens)
	words := st.corpusWords(chars)
	for {
		pair, ok := st.mostFrequentPair(words)
		if !ok {
			break
		}
		a, b := st.names[pair[0]], st.names[pair[1]]
		v.merges = append(v.merges, [2]string{a, b})
		joined, fresh := st.intern(a + b)
		if fresh {
			v.tokens = append(v.tokens, a+b)
		}
		for i, w := range words {
			words[i] = mergePair(w, pair, joined)
		}
	}
	v.tokens = append(v.tokens, startOfText, endOfText)
	return v
}

// symbolTable interns token strings as small integers so BPE training compares ints.
type symbolTable struct {
	ids   map[string]int32
	names []string
}

func newSymbolTable(initial []string) *symbolTable {
	st := &symbolTable{ids: map[string]int32{}}
	for _, s := range initial {
		st.intern(s)
	}
	return st
}

func (st *symbolTable) intern(s string) (int32, bool) {
	if id, ok := st.ids[s]; ok {
		return id, false
	}
	id := int32(len(st.names))
	st.ids[s] = id
	st.names = append(st.names, s)
	return id, true
}

// corpusWords splits each distinct word into byte symbols, the last one marked </w>.
func (st *symbolTable) corpusWords(chars map[byte]rune) [][]int32 {
	var words [][]int32
	seen := map[string]bool{}
	for _, line := range strings.Split(wordList, "\n") {
		w := strings.ToLower(strings.TrimSpace(line))
		if w == "" || strings.HasPrefix(w, "#") || seen[w] {
			continue
		}
		seen[w] = true
		syms := make([]int32, len(w))
		for i := 0; i < len(w); i++ {
			name := string(chars[w[i]])
			if i == len(w)-1 {
				name += endOfWord
			}
			syms[i] = st.ids[name]
		}
		words = append(words, syms)
	}
	return words
}

func (st *symbolTable) mostFrequentPair(words [][]int32) ([2]int32, bool) {
	counts := map[[2]int32]int{}
	for _, w := range words {
		for i := 0; i+1 < len(w); i++ {
			counts[[2]int32{w[i], w[i+1]}]++
		}
	}
	var best [2]int32
	bestCount := 0
	for p, n := range counts {
		if n > bestCount || (n == bestCount && st.less(p, best)) {
			best, bestCount = p, n
		}
	}
	return best, bestCount > 0
}

func (st *symbolTable) less(p, q [2]int32) bool {
	if st.names[p[0]] != st.names[q[0]] {
		return st.names[p[0]] < st.names[q[0]]
	}
	return st.names[p[1]] < st.names[q[1]]
}

func mergePair(w []int32, pair [2]int32, joined int32) []int32 {
	out := w[:0]
	for i := 0; i < len(w); i++ {
		if i+1 < len(w) && w[i] == pair[0] && w[i+1] == pair[1] {
			out = append(out, joined)
			i++
			continue
		}
		out = append(out, w[i])
	}
	return out
}
