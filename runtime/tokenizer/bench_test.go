package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

// benchPrompt is a typical long Stable Diffusion prompt of 75 CLIP tokens: it fills the text
// encoder exactly (asserted below, so the benchmark measures what it says).
const benchPrompt = "a highly detailed matte painting of a medieval castle on a cliff above a stormy sea at sunset, " +
	"dramatic lighting, volumetric clouds, crashing waves, seagulls, by greg rutkowski and thomas kinkade, " +
	"trending on artstation, unreal engine 5, octane render, 8k uhd, sharp focus, intricate details, " +
	"cinematic composition, golden hour, wide angle lens, 4k"

func checkBenchPrompt(b *testing.B, tok *Tokenizer) {
	if n := len(tok.Tokenize(benchPrompt)) - 2; n != 75 {
		b.Fatalf("bench prompt has %d tokens, want 75", n)
	}
}

// BenchmarkTokenize75 is the steady state of the studio re-tokenising as the user types: the
// words are in the BPE cache.
func BenchmarkTokenize75(b *testing.B) {
	tok := loadCLIP(b)
	checkBenchPrompt(b, tok)
	b.ReportAllocs()
	for b.Loop() {
		tok.Encode(benchPrompt, 77)
	}
}

// BenchmarkTokenize75Cold empties the BPE cache every time, so every word is merged afresh.
func BenchmarkTokenize75Cold(b *testing.B) {
	tok := loadCLIP(b)
	checkBenchPrompt(b, tok)
	b.ReportAllocs()
	for b.Loop() {
		clear(tok.cache.words)
		tok.Encode(benchPrompt, 77)
	}
}

// BenchmarkLoadCLIPGz loads CLIP's bpe_simple_vocab_16e6.txt.gz; the goal is under 100 ms.
func BenchmarkLoadCLIPGz(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(clipVocabPath); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadHFFolder loads the same vocabulary from vocab.json + merges.txt.
func BenchmarkLoadHFFolder(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "tokenizer")
	writeHFFolder(b, dir, nil)
	if _, err := os.Stat(filepath.Join(dir, hfVocabFile)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
