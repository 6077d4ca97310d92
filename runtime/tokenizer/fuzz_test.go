package tokenizer

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// FuzzTokenize checks, for any text: no panic; ids inside the vocabulary; BOS first and EOS
// last; the pieces spell the cleaned prompt word by word; every word's BPE equals the
// reference implementation's; Encode fills exactly 77 positions. BPE is quadratic in a word's
// length (as CLIP's is), so texts over 4 KiB are skipped, and words over 256 bytes are not
// compared with the far slower reference.
func FuzzTokenize(f *testing.F) {
	for _, p := range referencePrompts {
		f.Add(p)
	}
	for _, p := range []string{"\xff\xfe", "&#x1F431;&amp;amp;", "ΣΑΣ İ", "a\u0345b", "<|endoftext|><|startoftext|>", "'s's't", "\x00\x1c\x85"} {
		f.Add(p)
	}
	tok, ref := loadCLIP(f), newRefTokenizer(f)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			t.Skip("long texts make the fuzzer crawl")
		}
		toks := tok.Tokenize(text)
		for _, tk := range toks {
			if tk.ID < 0 || tk.ID >= tok.VocabSize() || tok.Piece(tk.ID) != tk.Piece {
				t.Fatalf("token %+v is not a vocabulary entry", tk)
			}
		}
		if msg := checkPiecesSpellPrompt(tok, text); msg != "" {
			t.Fatal(msg)
		}
		for _, w := range splitWords(tok.pattern, cleanText(text)) {
			if len(w.text) > 256 {
				continue
			}
			got := tokenPieces(symbolsToTokens(tok.bpe(w.text)))
			if want := ref.bpe(byteLevelString(w.text)); !slices.Equal(got, want) {
				t.Fatalf("bpe(%q) = %q, reference %q", w.text, got, want)
			}
		}
		if ids, _ := tok.Encode(text, 77); len(ids) != 77 {
			t.Fatalf("Encode gave %d ids", len(ids))
		}
	})
}

func symbolsToTokens(syms []symbol) []Token {
	toks := make([]Token, len(syms))
	for i, s := range syms {
		toks[i] = Token{ID: int(s.id), Piece: s.piece}
	}
	return toks
}

// FuzzLoadVocab feeds arbitrary files to the Hugging Face folder parser: it must return a
// tokenizer that works or a one-line BadInput error, never panic.
func FuzzLoadVocab(f *testing.F) {
	f.Add(`{"<|startoftext|>": 0, "<|endoftext|>": 1, "a": 2, "b": 3, "ab": 4, "b</w>": 5, "ab</w>": 6}`,
		"#version: 0.2\na b\na b</w>\n", `{"pad_token": "!"}`, `{"model_max_length": 77}`)
	f.Add(`{"<|startoftext|>": 0, "<|endoftext|>": 1}`, "", `{"bos_token": {"content": "<|endoftext|>"}}`, `null`)
	f.Add(`{"a": 1e3}`, "a b c\n", `[]`, `{"unk_token": 3}`)
	f.Add(`{"<|startoftext|>": 1048575, "<|endoftext|>": 0}`, "\n\n#version\n", `{}`, `{"model_max_length": -5}`)
	f.Fuzz(func(t *testing.T, vocab, merges, specials, config string) {
		files := map[string][]byte{hfVocabFile: []byte(vocab), hfMergesFile: []byte(merges),
			hfSpecialsFile: []byte(specials), hfConfigFile: []byte(config)}
		tok, err := parseHFFolder("fuzzdir", files)
		if err != nil {
			checkOneLineBadInput(t, err)
			return
		}
		for _, text := range []string{"a b ab", "", "\xff ab</w> <|endoftext|>"} {
			for _, tk := range tok.Tokenize(text) {
				if tk.ID < 0 || tk.ID >= tok.VocabSize() {
					t.Fatalf("id %d outside the vocabulary of %d", tk.ID, tok.VocabSize())
				}
			}
			if ids, _ := tok.Encode(text, tok.MaxLen()); len(ids) != tok.MaxLen() {
				t.Fatalf("Encode gave %d ids for MaxLen %d", len(ids), tok.MaxLen())
			}
		}
	})
}

// FuzzLoadCLIPMerges feeds arbitrary bytes, plain or gzip-looking, to the CLIP file parser.
func FuzzLoadCLIPMerges(f *testing.F) {
	real, err := os.ReadFile(clipVocabPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real[:4096])
	f.Add([]byte("\"bpe_simple_vocab_16e6.txt#version: 0.2\ni n\nt h\n"))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Add([]byte("header\n" + strings.Repeat("a b\n", 10) + "x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseCLIPMerges("fuzz.txt.gz", bytes.NewReader(data)); err != nil {
			checkOneLineBadInput(t, err)
		}
	})
}

func checkOneLineBadInput(t *testing.T, err error) {
	t.Helper()
	var bad *BadVocabError
	if !errors.As(err, &bad) {
		t.Fatalf("error %v (%T) is not a BadVocabError", err, err)
	}
	if strings.ContainsAny(err.Error(), "\n\r\x1b") {
		t.Fatalf("error is not one line: %q", err)
	}
}
