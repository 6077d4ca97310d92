package tokenizer

import (
	"slices"
	"testing"
)

// indexOfPiece finds the n-th (0-based) token with the given piece, so expectations are
// computed from the new tokenisation rather than written down.
func indexOfPiece(toks []Token, piece string, n int) int {
	for i, tk := range toks {
		if tk.Piece == piece {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}

func TestRemap(t *testing.T) {
	tok := loadCLIP(t)
	type pick struct {
		piece string
		n     int // which occurrence; the expected new index is that occurrence in the new prompt
	}
	cases := []struct {
		name     string
		old, new string
		selected []pick
		want     []pick // piece "" means -1
	}{
		{"unchanged", "a cat and a frog", "a cat and a frog", []pick{{"cat</w>", 0}, {"frog</w>", 0}}, []pick{{"cat</w>", 0}, {"frog</w>", 0}}},
		{"word inserted before", "a cat and a frog", "a fluffy cat and a green frog", []pick{{"cat</w>", 0}, {"frog</w>", 0}}, []pick{{"cat</w>", 0}, {"frog</w>", 0}}},
		{"words deleted", "a big black cat and a tiny frog", "a cat and frog", []pick{{"cat</w>", 0}, {"frog</w>", 0}}, []pick{{"cat</w>", 0}, {"frog</w>", 0}}},
		{"repeated word keeps its own place", "a cat and a cat", "a small cat and a cat", []pick{{"cat</w>", 1}}, []pick{{"cat</w>", 1}}},
		{"word replaced by one of equal length", "a cat and a frog", "a dog and a frog", []pick{{"cat</w>", 0}}, []pick{{"dog</w>", 0}}},
		{"selected word deleted", "a cat and a frog", "a cat", []pick{{"frog</w>", 0}, {"cat</w>", 0}}, []pick{{"", 0}, {"cat</w>", 0}}},
		{"punctuation edited nearby", "a cat, a frog", "a cat; a frog!", []pick{{"frog</w>", 0}}, []pick{{"frog</w>", 0}}},
		{"start and end tokens", "a cat", "the big cat", []pick{{startOfText, 0}, {endOfText, 0}}, []pick{{startOfText, 0}, {endOfText, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oldToks, newToks := tok.Tokenize(c.old), tok.Tokenize(c.new)
			var selected, want []int
			for _, p := range c.selected {
				selected = append(selected, indexOfPiece(oldToks, p.piece, p.n))
			}
			for _, p := range c.want {
				want = append(want, indexOfPiece(newToks, p.piece, p.n))
			}
			if slices.Contains(selected, -1) {
				t.Fatalf("test selects a piece %q lacks: %v", c.old, selected)
			}
			if got := Remap(oldToks, newToks, selected); !slices.Equal(got, want) {
				t.Errorf("Remap(%v) = %v, want %v\nold %q\nnew %q", selected, got, want, tokenPieces(oldToks), tokenPieces(newToks))
			}
		})
	}
}

func TestRemapOutOfRangeAndEmpty(t *testing.T) {
	tok := loadCLIP(t)
	oldToks, newToks := tok.Tokenize("a cat"), tok.Tokenize("a cat")
	if got := Remap(oldToks, newToks, []int{-1, 99, 2}); !slices.Equal(got, []int{-1, -1, 2}) {
		t.Errorf("got %v", got)
	}
	if got := Remap(nil, newToks, []int{0}); !slices.Equal(got, []int{-1}) {
		t.Errorf("from nothing: %v", got)
	}
	if got := Remap(oldToks, nil, []int{1}); !slices.Equal(got, []int{-1}) {
		t.Errorf("to nothing: %v", got)
	}
}

// The alignment is a longest common subsequence: its length must equal the classic LCS
// length, computed here by plain recursion with memoisation.
func TestAlignmentIsLongest(t *testing.T) {
	tok := loadCLIP(t)
	pairs := [][2]string{
		{"a red cat on a red mat", "a red mat under a cat"},
		{"masterpiece, best quality, a girl, red hair", "best quality, masterpiece, a boy, red hair, smile"},
		{"x y z", "z y x"},
	}
	for _, p := range pairs {
		a, b := tok.Tokenize(p[0]), tok.Tokenize(p[1])
		match := alignTokens(a, b)
		matched, last := 0, -1
		for i, j := range match {
			if j < 0 {
				continue
			}
			if j <= last || a[i].Piece != b[j].Piece {
				t.Fatalf("%q → %q: alignment %v is not an increasing matching", p[0], p[1], match)
			}
			matched, last = matched+1, j
		}
		if want := lcsLength(a, b); matched != want {
			t.Errorf("%q → %q: matched %d, LCS is %d", p[0], p[1], matched, want)
		}
	}
}

func lcsLength(a, b []Token) int {
	memo := map[[2]int]int{}
	var rec func(i, j int) int
	rec = func(i, j int) int {
		if i == len(a) || j == len(b) {
			return 0
		}
		if v, ok := memo[[2]int{i, j}]; ok {
			return v
		}
		v := max(rec(i+1, j), rec(i, j+1))
		if a[i].Piece == b[j].Piece {
			v = max(v, 1+rec(i+1, j+1))
		}
		memo[[2]int{i, j}] = v
		return v
	}
	return rec(0, 0)
}
