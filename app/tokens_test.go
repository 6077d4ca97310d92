package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// `nudge tokens` takes a demo model like every other command, and prints the table with the
// start token at index 0 and the end token last.
func TestTokensOfADemoModel(t *testing.T) {
	cases := []struct {
		name string
		opts TokensOptions
		want []string // substrings of the output, in order, with runs of spaces as one
		not  string
	}{
		{"table from demo:tiny", TokensOptions{Model: "demo:tiny", Prompt: "a cat"},
			[]string{"index id word piece", "0 1685 - <|startoftext|>", "1 320 0 a</w>", "2 1023 1 cat</w>", "3 1686 - <|endoftext|>"}, "note"},
		{"ids only", TokensOptions{Model: "demo:tiny", IDsOnly: true, Prompt: "a cat"}, []string{"1685 320 1023 1686\n"}, "index"},
		{"long prompt notes the cut", TokensOptions{Model: "demo:tiny", Prompt: strings.Repeat("cat ", 80)},
			[]string{"note: the text encoder reads 77 positions; 5 prompt tokens from index 76 on are dropped"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Tokens(context.Background(), &session.Config{}, c.opts, &out, &bytes.Buffer{}); err != nil {
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

func TestTokensUsage(t *testing.T) {
	for _, opts := range []TokensOptions{
		{Prompt: "a cat"},
		{Model: "m", Tokenizer: "t", Prompt: "a cat"},
		{Model: filepath.Join(t.TempDir(), "absent"), Prompt: "a cat"},
	} {
		var out bytes.Buffer
		err := Tokens(context.Background(), &session.Config{}, opts, &out, &bytes.Buffer{})
		if err == nil || !runtime.IsBadInput(err) {
			t.Errorf("%+v: err = %v, want bad input", opts, err)
		}
		if out.Len() != 0 {
			t.Errorf("%+v printed %q before failing", opts, out.String())
		}
	}
}
