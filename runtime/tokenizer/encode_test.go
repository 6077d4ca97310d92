package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

// Encode must give what HF's CLIPTokenizer(padding="max_length", truncation=True) gives:
// BOS, at most maxLen-2 prompt tokens, EOS, then the pad id.
func TestEncodePadsAndTruncates(t *testing.T) {
	tok := loadCLIP(t)
	cases := []struct {
		name   string
		prompt string
		maxLen int
	}{
		{"short", "a photo of a cat", 77},
		{"empty", "", 77},
		{"exactly 75 prompt tokens", strings.Repeat("cat ", 75), 77},
		{"76 prompt tokens", strings.Repeat("cat ", 76), 77},
		{"long prompt", strings.Repeat("a majestic lion under a starry sky, ", 12), 77},
		{"other length", "an astronaut riding a horse on the moon", 8},
		{"two positions", "a cat", 2},
		{"below two is raised to two", "a cat", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, truncated := tok.Encode(c.prompt, c.maxLen)
			content := tokenIDs(tok.Tokenize(c.prompt))
			content = content[1 : len(content)-1]
			maxLen := max(c.maxLen, 2)
			if len(ids) != maxLen {
				t.Fatalf("len = %d, want %d", len(ids), maxLen)
			}
			keep := min(len(content), maxLen-2)
			if truncated != (len(content) > maxLen-2) {
				t.Errorf("truncated = %v with %d prompt tokens and %d positions", truncated, len(content), maxLen)
			}
			if ids[0] != int64(tok.BOS()) || ids[keep+1] != int64(tok.EOS()) {
				t.Errorf("BOS/EOS misplaced: %v", ids)
			}
			for i := 0; i < keep; i++ {
				if ids[1+i] != int64(content[i]) {
					t.Fatalf("position %d = %d, want %d", 1+i, ids[1+i], content[i])
				}
			}
			for i := keep + 2; i < maxLen; i++ {
				if ids[i] != int64(tok.Pad()) {
					t.Fatalf("position %d = %d, want pad %d", i, ids[i], tok.Pad())
				}
			}
		})
	}
}

// "cat" is one token, so 75 of them fill the 77 positions exactly.
func TestEncodeExactFit(t *testing.T) {
	tok := loadCLIP(t)
	ids, truncated := tok.Encode(strings.Repeat("cat ", 75), 77)
	if truncated || ids[76] != int64(tok.EOS()) || slices.Contains(ids[1:76], int64(tok.EOS())) {
		t.Fatalf("75 single-token words: truncated=%v ids=%v", truncated, ids)
	}
	if _, truncated = tok.Encode(strings.Repeat("cat ", 76), 77); !truncated {
		t.Fatal("76 single-token words must be truncated")
	}
}
