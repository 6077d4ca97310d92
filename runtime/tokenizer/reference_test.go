package tokenizer

import (
	"compress/gzip"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// clipVocabPath is CLIP's real merges file, kept in the repo (data/LICENSE) and embedded.
const clipVocabPath = "data/bpe_simple_vocab_16e6.txt.gz"

// refTokenizer is an independent, deliberately slow transcription of openai/CLIP's
// simple_tokenizer.py for checking the real one: strings instead of ids, a set of pairs and
// the min-rank loop exactly as written there, its own reading of the merges file and its own
// byte table. Its text cleaning uses Go's library functions (html.UnescapeString,
// strings.ToLower), which agree with Python on ordinary text; the Python golden file covers
// the corners where they do not.
type refTokenizer struct {
	byteEncoder map[byte]string
	encoder     map[string]int
	ranks       map[[2]string]int
	pattern     *regexp.Regexp
}

func newRefTokenizer(tb testing.TB) *refTokenizer {
	tb.Helper()
	f, err := os.Open(clipVocabPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")[1 : 49152-256-2+1]
	r := &refTokenizer{byteEncoder: refBytesToUnicode(), encoder: map[string]int{}, ranks: map[[2]string]int{}}
	var vocab []string
	for b := 0; b < 256; b++ { // bs order, as the Python dict keeps insertion order
		vocab = append(vocab, r.byteEncoder[refBSOrder()[b]])
	}
	for i := 0; i < 256; i++ {
		vocab = append(vocab, vocab[i]+"</w>")
	}
	for rank, line := range lines {
		parts := strings.Fields(line)
		r.ranks[[2]string{parts[0], parts[1]}] = rank
		vocab = append(vocab, parts[0]+parts[1])
	}
	vocab = append(vocab, "<|startoftext|>", "<|endoftext|>")
	for id, piece := range vocab {
		r.encoder[piece] = id
	}
	r.pattern = regexp.MustCompile(`(?i)<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`)
	return r
}

// refBSOrder is bytes_to_unicode's bs list: the printable ranges, then the remaining bytes.
func refBSOrder() []byte {
	var bs []int
	for c := '!'; c <= '~'; c++ {
		bs = append(bs, int(c))
	}
	for c := 0xA1; c <= 0xAC; c++ {
		bs = append(bs, c)
	}
	for c := 0xAE; c <= 0xFF; c++ {
		bs = append(bs, c)
	}
	in := map[int]bool{}
	for _, b := range bs {
		in[b] = true
	}
	for b := 0; b < 256; b++ {
		if !in[b] {
			bs = append(bs, b)
		}
	}
	out := make([]byte, len(bs))
	for i, b := range bs {
		out[i] = byte(b)
	}
	return out
}

func refBytesToUnicode() map[byte]string {
	m := map[byte]string{}
	n := 0
	for i, b := range refBSOrder() {
		if i < 188 {
			m[b] = string(rune(b))
		} else {
			m[b] = string(rune(256 + n))
			n++
		}
	}
	return m
}

func refPairs(word []string) map[[2]string]bool {
	pairs := map[[2]string]bool{}
	for i := 0; i+1 < len(word); i++ {
		pairs[[2]string{word[i], word[i+1]}] = true
	}
	return pairs
}

// bpe is simple_tokenizer.py's bpe(), line by line.
func (r *refTokenizer) bpe(token string) []string {
	if token == "<|startoftext|>" || token == "<|endoftext|>" {
		return []string{token}
	}
	chars := strings.Split(token, "")
	word := append(append([]string{}, chars[:len(chars)-1]...), chars[len(chars)-1]+"</w>")
	pairs := refPairs(word)
	if len(pairs) == 0 {
		return []string{token + "</w>"}
	}
	for {
		bigram, bestRank, found := [2]string{}, 0, false
		for p := range pairs {
			if rank, ok := r.ranks[p]; ok && (!found || rank < bestRank) {
				bigram, bestRank, found = p, rank, true
			}
		}
		if !found {
			break
		}
		first, second := bigram[0], bigram[1]
		var newWord []string
		for i := 0; i < len(word); {
			j := refIndex(word, first, i)
			if j < 0 {
				newWord = append(newWord, word[i:]...)
				break
			}
			newWord = append(newWord, word[i:j]...)
			i = j
			if word[i] == first && i < len(word)-1 && word[i+1] == second {
				newWord = append(newWord, first+second)
				i += 2
			} else {
				newWord = append(newWord, word[i])
				i++
			}
		}
		word = newWord
		if len(word) == 1 {
			break
		}
		pairs = refPairs(word)
	}
	return word
}

// refIndex is Python's tuple.index(x, start), with -1 for ValueError.
func refIndex(word []string, x string, start int) int {
	for j := start; j < len(word); j++ {
		if word[j] == x {
			return j
		}
	}
	return -1
}

// refClean is basic_clean + whitespace_clean + lower with Go's library functions.
func refClean(text string) string {
	text = strings.TrimSpace(html.UnescapeString(html.UnescapeString(text)))
	return strings.ToLower(strings.Join(strings.Fields(text), " "))
}

// encode is simple_tokenizer.py's encode() with the start and end tokens added.
func (r *refTokenizer) encode(text string) (ids []int, pieces []string) {
	ids, pieces = []int{r.encoder["<|startoftext|>"]}, []string{"<|startoftext|>"}
	for _, token := range r.pattern.FindAllString(refClean(text), -1) {
		var sb strings.Builder
		for _, b := range []byte(token) {
			sb.WriteString(r.byteEncoder[b])
		}
		for _, piece := range r.bpe(sb.String()) {
			ids = append(ids, r.encoder[piece])
			pieces = append(pieces, piece)
		}
	}
	return append(ids, r.encoder["<|endoftext|>"]), append(pieces, "<|endoftext|>")
}
