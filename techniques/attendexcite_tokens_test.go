package techniques_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/techniques"
)

// demoTokenizer loads the demo model's CLIP-format tokenizer once per test binary.
var demoTokenizer = sync.OnceValues(func() (*tokenizer.Tokenizer, error) {
	root, err := os.MkdirTemp("", "nudge-ae-tokens-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	dir := filepath.Join(root, "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"}); err != nil {
		return nil, err
	}
	return tokenizer.Load(filepath.Join(dir, "tokenizer"))
})

func loadTokenizer(t testing.TB) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := demoTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestParseExciteTokens(t *testing.T) {
	toks := loadTokenizer(t).Tokenize(aePrompt) // <start> a cat and a frog <end>
	cases := []struct {
		spec string
		want []int
		err  string
	}{
		{"2,5", []int{2, 5}, ""},
		{" cat , frog ", []int{2, 5}, ""},
		{"FROG,2", []int{5, 2}, ""},
		{"a", []int{1}, ""},
		{"", nil, "no tokens chosen"},
		{" , ", nil, "no tokens chosen"},
		{"0", nil, "not a token of the prompt"},
		{"6", nil, "not a token of the prompt — its tokens are 1 a, 2 cat, 3 and, 4 a, 5 frog"},
		{"dog", nil, `"dog" is not a word of the prompt`},
	}
	for _, tc := range cases {
		got, err := techniques.ParseExciteTokens(tc.spec, toks)
		if tc.err != "" {
			if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want a bad-input error containing %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
}

// FuzzParseExciteTokens: any value gives positions inside the prompt or a one-line error.
func FuzzParseExciteTokens(f *testing.F) {
	for _, s := range []string{"2,5", "cat,frog", "", ",,,", "-1", "99999999999999999999", "cat,,2", "\xff", "a,a"} {
		f.Add(s)
	}
	toks := loadTokenizer(f).Tokenize(aePrompt)
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := techniques.ParseExciteTokens(spec, toks)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !runtime.IsBadInput(err) {
				t.Fatalf("error %q is not a one-line bad-input error", err)
			}
			return
		}
		for _, p := range got {
			if p < 1 || p >= len(toks)-1 {
				t.Fatalf("position %d is outside the prompt's tokens 1…%d", p, len(toks)-2)
			}
		}
	})
}
