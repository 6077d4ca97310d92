package demomodel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// hfTokenizer is an independent reading of the written tokenizer/ folder, applying BPE the
// way CLIP's simple_tokenizer.bpe does: repeatedly merge the lowest-ranked adjacent pair.
type hfTokenizer struct {
	vocab map[string]int
	ranks map[[2]string]int
}

func loadTokenizer(t testing.TB, dir string) *hfTokenizer {
	t.Helper()
	tok := &hfTokenizer{ranks: map[[2]string]int{}}
	b, err := os.ReadFile(filepath.Join(dir, "tokenizer", "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tok.vocab); err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(dir, "tokenizer", "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(m), "\n"), "\n")
	if lines[0] != "#version: 0.2" {
		t.Fatalf("merges.txt header %q", lines[0])
	}
	for i, l := range lines[1:] {
		parts := strings.Split(l, " ")
		if len(parts) != 2 {
			t.Fatalf("merges.txt line %d: %q", i+2, l)
		}
		tok.ranks[[2]string{parts[0], parts[1]}] = i
	}
	return tok
}

// word tokenizes one lower-case ASCII word (no byte remapping needed for printable ASCII).
func (h *hfTokenizer) word(w string) []string {
	syms := strings.Split(w, "")
	syms[len(syms)-1] += "</w>"
	for len(syms) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := h.ranks[[2]string{syms[i], syms[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		syms = append(syms[:at], append([]string{syms[at] + syms[at+1]}, syms[at+2:]...)...)
	}
	return syms
}

// promptIDs gives batch rows of CLIP ids padded to length with <|endoftext|>: row 0 is the
// empty prompt, the others "a photo of a cat".
func promptIDs(t testing.TB, dir string, batch, length int64) []int64 {
	t.Helper()
	tok := loadTokenizer(t, dir)
	sot, eot := int64(tok.vocab[startOfText]), int64(tok.vocab[endOfText])
	ids := make([]int64, 0, batch*length)
	for r := int64(0); r < batch; r++ {
		row := []int64{sot}
		if r > 0 {
			for _, w := range strings.Fields("a photo of a cat") {
				for _, s := range tok.word(w) {
					row = append(row, int64(tok.vocab[s]))
				}
			}
		}
		for int64(len(row)) < length {
			row = append(row, eot)
		}
		ids = append(ids, row...)
	}
	return ids
}

func TestTokenizerFiles(t *testing.T) {
	dir := t.TempDir()
	v := buildVocab()
	if err := writeTokenizer(filepath.Join(dir, "tokenizer"), v); err != nil {
		t.Fatal(err)
	}
	tok := loadTokenizer(t, dir)
	n := len(tok.vocab)
	ids := map[int]bool{}
	for _, id := range tok.vocab {
		ids[id] = true
	}
	if len(ids) != n || !ids[0] || !ids[n-1] {
		t.Fatalf("ids are not exactly 0..%d", n-1)
	}
	checks := []struct {
		token string
		id    int
	}{
		{"!", 0}, {"~", '~' - '!'}, {"!</w>", 256}, {"a</w>", 256 + 'a' - '!'},
		{"Ā", 188}, {"Ā</w>", 444}, {startOfText, n - 2}, {endOfText, n - 1},
	}
	for _, c := range checks {
		if got, ok := tok.vocab[c.token]; !ok || got != c.id {
			t.Errorf("vocab[%q] = %d, %v; want %d (CLIP bytes_to_unicode order)", c.token, got, ok, c.id)
		}
	}
	for pair := range tok.ranks {
		if _, ok := tok.vocab[pair[0]+pair[1]]; !ok {
			t.Errorf("merge %v has no vocab entry", pair)
		}
	}
	for _, line := range strings.Split(wordList, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if got := tok.word(w); len(got) != 1 || tok.vocab[got[0]] == 0 && got[0] != "!" {
			t.Errorf("word %q tokenizes to %v, want one token", w, got)
		}
	}
	for _, s := range tok.word("zyxwvutsq") {
		if _, ok := tok.vocab[s]; !ok {
			t.Errorf("unknown word splits into %q, not in vocab", s)
		}
	}
}

func TestBytesToUnicodeIsCLIPs(t *testing.T) {
	order, chars := bytesToUnicode()
	seen := map[rune]bool{}
	for _, b := range order {
		r := chars[b]
		if seen[r] || !utf8.ValidRune(r) {
			t.Fatalf("byte %d maps to duplicate/invalid %U", b, r)
		}
		seen[r] = true
	}
	// Known values from CLIP's table: space→Ġ (U+0120), newline→Ċ (U+010A), 0x00→Ā.
	for b, want := range map[byte]rune{' ': 'Ġ', '\n': 'Ċ', 0: 'Ā', 'a': 'a', 0xAD: 'Ń'} {
		if chars[b] != want {
			t.Errorf("byte %#x → %U, want %U", b, chars[b], want)
		}
	}
	if len(order) != 256 {
		t.Fatalf("%d byte symbols", len(order))
	}
}
