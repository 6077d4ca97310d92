package prompt

import (
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

func clipChunker(t testing.TB) (*Chunker, *tokenizer.Tokenizer) {
	t.Helper()
	tok, err := tokenizer.CLIP()
	if err != nil {
		t.Fatal(err)
	}
	comma, ok := tok.ID(",</w>")
	if !ok {
		t.Fatal("CLIP vocabulary without ,</w>")
	}
	return &Chunker{Encode: tok.EncodeContent, BOS: tok.BOS(), EOS: tok.EOS(), Pad: tok.Pad(),
		Comma: comma, Backtrack: DefaultCommaBacktrack}, tok
}

// words is n copies of a one-token word.
func words(n int) string { return strings.TrimSpace(strings.Repeat("cat ", n)) }

// TestChunkEdges checks tokenize_line's rule at its edges: a chunk closes only when a 76th
// token arrives, BREAK closes the current chunk (an empty one too), and a full chunk whose
// last comma is at most 20 tokens back moves the words after it to the next chunk.
func TestChunkEdges(t *testing.T) {
	c, _ := clipChunker(t)
	cases := []struct {
		name   string
		prompt string
		used   []int
		count  int
	}{
		{"empty", "", []int{0}, 0},
		{"exactly 75", words(75), []int{75}, 75},
		{"76", words(76), []int{75, 1}, 76},
		{"BREAK at 75", words(75) + " BREAK cat", []int{75, 1}, 76},
		{"BREAK first", "BREAK cat", []int{0, 1}, 76},
		{"two BREAKs", "cat BREAK BREAK cat", []int{1, 0, 1}, 151},
		{"trailing BREAK", "cat BREAK", []int{1}, 75},
		{"comma back-off", words(70) + " , " + words(10), []int{71, 10}, 85},
		{"comma 20 back", words(55) + " , " + words(30), []int{56, 30}, 105},
		{"comma 21 back", words(54) + " , " + words(30), []int{75, 10}, 85},
		{"comma at the end", words(74) + " , " + words(3), []int{75, 3}, 78},
		{"150", words(150), []int{75, 75}, 150},
	}
	for _, tc := range cases {
		chunks, count := c.Chunks(ParseAttention(tc.prompt))
		var used []int
		for _, ch := range chunks {
			used = append(used, ch.Used)
			if len(ch.IDs) != 77 || len(ch.Weights) != 77 || ch.IDs[0] != c.BOS || ch.IDs[76] != c.EOS {
				t.Errorf("%s: chunk of %d ids, not start…end 77", tc.name, len(ch.IDs))
			}
			if ch.IDs[ch.Used+1] != c.EOS {
				t.Errorf("%s: no end token after %d used", tc.name, ch.Used)
			}
		}
		if !equalInts(used, tc.used) || count != tc.count {
			t.Errorf("%s: used %v count %d, want %v count %d", tc.name, used, count, tc.used, tc.count)
		}
	}
}

func TestChunkWeightsAndPad(t *testing.T) {
	c, tok := clipChunker(t)
	chunks, _ := c.Chunks(ParseAttention("a (red:1.5) [fox]"))
	ch := chunks[0]
	red, _ := tok.ID("red</w>")
	if ch.IDs[2] != red || ch.Weights[2] != 1.5 || ch.Weights[1] != 1 || ch.Weights[3] != 1/1.1 || ch.Weights[0] != 1 || ch.Weights[4] != 1 {
		t.Fatalf("ids %v weights %v", ch.IDs[:5], ch.Weights[:5])
	}
	// SD 2 pads with "!" (0) after the first end token; weights stay 1 there.
	c.Pad = 0
	chunks, _ = c.Chunks(ParseAttention("a fox"))
	if ids := chunks[0].IDs; ids[3] != c.EOS || ids[4] != 0 || ids[76] != 0 {
		t.Fatalf("SD 2 padding: %v", ids[:6])
	}
}

// A matcher that turns the word "frog" into three new ids checks that embedding vectors take
// one position each, carry the span's weight and never straddle a chunk boundary.
type threeVectors struct{ name, first int }

func (m threeVectors) Match(ids []int, pos int) ([]int, int) {
	if ids[pos] == m.name {
		return []int{m.first, m.first + 1, m.first + 2}, 1
	}
	return nil, 0
}

func TestChunkEmbeddings(t *testing.T) {
	c, tok := clipChunker(t)
	name, _ := tok.ID("frog</w>")
	c.Embeddings = threeVectors{name, 50000}
	chunks, _ := c.Chunks(ParseAttention("(frog:1.2) cat"))
	got := chunks[0]
	if got.Used != 4 || got.IDs[1] != 50000 || got.IDs[3] != 50002 || got.Weights[3] != 1.2 || got.Weights[4] != 1 {
		t.Fatalf("embedding: used %d ids %v weights %v", got.Used, got.IDs[:6], got.Weights[:6])
	}
	chunks, _ = c.Chunks(ParseAttention(words(73) + " frog"))
	if len(chunks) != 2 || chunks[0].Used != 73 || chunks[1].Used != 3 {
		t.Fatalf("embedding at a boundary: %d chunks", len(chunks))
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
