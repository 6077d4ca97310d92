package tokenizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// loadCLIP is the embedded CLIP tokenizer, which the golden tests check against Python.
func loadCLIP(tb testing.TB) *Tokenizer {
	tb.Helper()
	tok, err := CLIP()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func tokenIDs(toks []Token) []int {
	ids := make([]int, len(toks))
	for i, t := range toks {
		ids[i] = t.ID
	}
	return ids
}

func tokenPieces(toks []Token) []string {
	pieces := make([]string, len(toks))
	for i, t := range toks {
		pieces[i] = t.Piece
	}
	return pieces
}

// The example from the issue, as the real CLIP tokenizer gives it.
func TestKnownExample(t *testing.T) {
	tok := loadCLIP(t)
	got := tokenIDs(tok.Tokenize("a photo of a cat"))
	want := []int{49406, 320, 1125, 539, 320, 2368, 49407}
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	if tok.VocabSize() != 49408 || tok.BOS() != 49406 || tok.EOS() != 49407 || tok.Pad() != 49407 || tok.MaxLen() != 77 {
		t.Fatalf("vocab %d bos %d eos %d pad %d maxlen %d", tok.VocabSize(), tok.BOS(), tok.EOS(), tok.Pad(), tok.MaxLen())
	}
}

type goldenCase struct {
	Prompt string `json:"prompt"`
	IDs    []int  `json:"ids"`
}

func readGolden(tb testing.TB) []goldenCase {
	tb.Helper()
	f, err := os.Open("testdata/clip_golden.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c goldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 20 {
		tb.Fatalf("golden file has only %d cases", len(cases))
	}
	return cases
}

// The golden ids come from testdata/gen_golden.py: CLIP's algorithm in Python with Python's
// own regex, html.unescape and str.lower, so they also check the text cleaning.
func TestMatchesPythonCLIP(t *testing.T) {
	tok := loadCLIP(t)
	for _, c := range readGolden(t) {
		if got := tokenIDs(tok.Tokenize(c.Prompt)); !slices.Equal(got, c.IDs) {
			t.Errorf("%q:\n got %v\nwant %v", c.Prompt, got, c.IDs)
		}
	}
}

var referencePrompts = []string{
	"a photo of a cat",
	"an oil painting of a fox in a snowy forest, by Ivan Shishkin, 4k",
	"it's a dog's life; they're happy, we've won, I'm here, you'll see, he'd know",
	"café, crème brûlée, naïve façade, jalapeño, São Paulo, Zürich, Kraków",
	"東京の夜景 北京 서울 Москва Αθήνα القاهرة मुंबई",
	"emoji 🐱 🐶🦊 👩‍🚀 🏳️‍🌈 🇯🇵 ✨✨",
	"numbers 2024 3.14159 1e-5 -42 ١٢٣ ½",
	"punctuation !!! ??? ... --- ___ *** ### @@@ $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} <<< >>>",
	"&amp; &lt;b&gt; &quot;x&quot; &#39;y&#39; &#x1F431; &amp;lt;",
	"(masterpiece:1.3), ((best quality)), [worst quality], <lora:foo:0.8>, BREAK, AND",
	"<|startoftext|> inside <|endoftext|> the prompt",
	"Supercalifragilisticexpialidocious antidisestablishmentarianism",
	"MiXeD CaSe WoRdS and ALL CAPS",
	"",
	strings.Repeat("a majestic lion under a starry sky, ", 12),
}

// Every prompt must give the reference implementation's ids and pieces.
func TestMatchesReferenceBPE(t *testing.T) {
	tok, ref := loadCLIP(t), newRefTokenizer(t)
	prompts := append(slices.Clone(referencePrompts), randomPrompts(rand.New(rand.NewPCG(1, 2)), 200)...)
	for _, p := range prompts {
		toks := tok.Tokenize(p)
		wantIDs, wantPieces := ref.encode(p)
		if !slices.Equal(tokenIDs(toks), wantIDs) || !slices.Equal(tokenPieces(toks), wantPieces) {
			t.Errorf("%q:\n got %v %q\nwant %v %q", p, tokenIDs(toks), tokenPieces(toks), wantIDs, wantPieces)
		}
	}
}

// randomPrompts mixes real words, odd spellings, digits, punctuation and non-Latin runes, so
// the comparison reaches merges that hand-written prompts miss. It leaves out capital sigma
// and dotted capital I, which the reference lower-cases the Go way (see TestPythonLower).
func randomPrompts(rng *rand.Rand, n int) []string {
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.,;:!?-_()[]{}<>/\\\"#$%*+=~`|" +
		"éèêëàâäôöûüçñßøåæœ ÀÉÖÜ ЖжЯя αβγσς 中文字日本語한국어 🐱🎨✨ ½²³ \u0301\u200d")
	words := strings.Fields("photo portrait landscape of a the cat dog highly detailed painting by artist studio " +
		"lighting cinematic dramatic 8k octane render unreal engine trending artstation masterpiece quality")
	prompts := make([]string, n)
	for i := range prompts {
		var sb strings.Builder
		for w := 0; w < 1+rng.IntN(25); w++ {
			if rng.IntN(3) == 0 {
				for c := 0; c < 1+rng.IntN(12); c++ {
					sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
				}
			} else {
				sb.WriteString(words[rng.IntN(len(words))])
			}
			sb.WriteByte(" ,  \t"[rng.IntN(5)])
		}
		prompts[i] = sb.String()
	}
	return prompts
}

// The pieces of each word, mapped back to bytes, spell that word of the cleaned prompt: no
// text is lost or invented, and Word indexes the cleaned prompt's space-separated words.
// (The one rune CLIP's pattern skips, U+0345, is left out of the comparison.)
func TestPiecesSpellTheCleanedPrompt(t *testing.T) {
	tok := loadCLIP(t)
	prompts := append(slices.Clone(referencePrompts), randomPrompts(rand.New(rand.NewPCG(3, 4)), 100)...)
	for _, p := range prompts {
		if msg := checkPiecesSpellPrompt(tok, p); msg != "" {
			t.Error(msg)
		}
	}
}

func checkPiecesSpellPrompt(tok *Tokenizer, prompt string) string {
	toks := tok.Tokenize(prompt)
	cleaned := strings.ReplaceAll(cleanText(prompt), "\u0345", "")
	words := strings.Split(cleaned, " ")
	spelled := make([]string, len(words))
	for _, tk := range toks[1 : len(toks)-1] {
		if tk.Word < 0 || tk.Word >= len(words) {
			return fmt.Sprintf("%q: token %q has word %d of %d", prompt, tk.Piece, tk.Word, len(words))
		}
		spelled[tk.Word] += fromByteLevel(strings.TrimSuffix(tk.Piece, wordEnd))
	}
	if cleaned == "" {
		spelled, words = nil, nil
	}
	if !slices.Equal(spelled, words) {
		return fmt.Sprintf("%q: pieces spell %q, cleaned words are %q", prompt, spelled, words)
	}
	if toks[0].ID != tok.BOS() || toks[len(toks)-1].ID != tok.EOS() || toks[0].Word != -1 || toks[len(toks)-1].Word != -1 {
		return fmt.Sprintf("%q: not wrapped in BOS/EOS with word -1: %v %v", prompt, toks[0], toks[len(toks)-1])
	}
	return ""
}

// Tokenize is used from the TUI and the engine at once; the shared BPE cache must cope.
func TestConcurrentTokenize(t *testing.T) {
	tok, ref := loadCLIP(t), newRefTokenizer(t)
	prompts := randomPrompts(rand.New(rand.NewPCG(5, 6)), 40)
	done := make(chan string, len(prompts))
	for _, p := range prompts {
		go func() {
			if want, _ := ref.encode(p); !slices.Equal(tokenIDs(tok.Tokenize(p)), want) {
				done <- p
				return
			}
			done <- ""
		}()
	}
	for range prompts {
		if p := <-done; p != "" {
			t.Errorf("concurrent Tokenize(%q) differs from the reference", p)
		}
	}
}

// The cache stays within its bound however many distinct words pass through it.
func TestBPECacheIsBounded(t *testing.T) {
	tok := loadCLIP(t)
	tok.cache = newBPECache(50)
	for i := 0; i < 500; i++ {
		tok.Tokenize(fmt.Sprintf("word%c%c", 'a'+i%26, 'a'+i/26))
	}
	if n := len(tok.cache.words); n > 50 || n == 0 {
		t.Fatalf("cache holds %d words, bound is 50", n)
	}
}
