package tokenizer

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunTokens(t *testing.T) {
	model := t.TempDir()
	writeHFFolder(t, filepath.Join(model, "tokenizer"), nil)
	long := strings.Repeat("cat ", 80)
	cases := []struct {
		name string
		opts TokensOptions
		want []string // substrings of the output, in order, with runs of spaces as one
		not  string
	}{
		{"ids from the CLIP file", TokensOptions{Tokenizer: clipVocabPath, IDsOnly: true, Prompt: "a photo of a cat"},
			[]string{"49406 320 1125 539 320 2368 49407\n"}, "index"},
		{"table from a model folder", TokensOptions{ModelDir: model, Prompt: "a cat"},
			[]string{"index", "id", "word", "piece", "0 49406 - <|startoftext|>", "2 2368 1 cat</w>", "3 49407 - <|endoftext|>"}, "note"},
		{"long prompt notes the cut", TokensOptions{Tokenizer: clipVocabPath, Prompt: long},
			[]string{"76 2368 75 cat</w>", "note: the text encoder reads 77 positions; 5 prompt tokens from index 76 on are dropped"}, ""},
		{"ids are never padded or cut", TokensOptions{Tokenizer: clipVocabPath, IDsOnly: true, Prompt: long},
			[]string{"49406 " + strings.Repeat("2368 ", 80) + "49407\n"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunTokens(&out, c.opts); err != nil {
				t.Fatal(err)
			}
			s := normalizeSpaces(out.String())
			for _, w := range c.want {
				i := strings.Index(s, w)
				if i < 0 {
					t.Fatalf("output lacks %q:\n%s", w, s)
				}
				s = s[i+len(w):]
			}
			if c.not != "" && strings.Contains(out.String(), c.not) {
				t.Errorf("output has %q:\n%s", c.not, out.String())
			}
		})
	}
}

func normalizeSpaces(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func TestRunTokensUsage(t *testing.T) {
	for _, opts := range []TokensOptions{
		{Prompt: "a cat"},
		{ModelDir: "m", Tokenizer: "t", Prompt: "a cat"},
		{ModelDir: filepath.Join(t.TempDir(), "absent"), Prompt: "a cat"},
	} {
		var out bytes.Buffer
		err := RunTokens(&out, opts)
		checkBadInput(t, err, "")
		if out.Len() != 0 {
			t.Errorf("%+v printed %q before failing", opts, out.String())
		}
	}
}
