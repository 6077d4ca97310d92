package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// `nudge tokens` takes a demo model like every other command, and prints the table with the
// start token at index 0 and the end token last.
func TestTokensOfADemoModel(t *testing.T) {
	emb := t.TempDir()
	data, err := os.ReadFile("../runtime/textinv/testdata/a1111-multi-f16.pt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(emb, "kitty.pt"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts TokensOptions
		want []string // substrings of the output, in order, with runs of spaces as one
		not  string
	}{
		{"table from demo:tiny", TokensOptions{Model: "demo:tiny", Prompt: "a cat"},
			[]string{"index id chunk weight kind piece", "0 1685 0 1 - <|startoftext|>", "1 320 0 1 word a</w>", "2 1023 0 1 word cat</w>", "3 1686 0 1 - <|endoftext|>"}, "note"},
		{"ids only", TokensOptions{Model: "demo:tiny", IDsOnly: true, Prompt: "a cat"}, []string{"1685 320 1023 1686\n"}, "index"},
		{"long prompt in chunks", TokensOptions{Model: "demo:tiny", Prompt: strings.Repeat("cat ", 80)},
			[]string{"75 1023 0 1 word cat</w>", "76 1686 0 1 - <|endoftext|>", "77 1685 1 1 - <|startoftext|>", "82 1023 1 1 word cat</w>",
				"83 1686 1 1 - <|endoftext|>", "note: 2 chunks of 75 tokens; chunk c starts at index 77·c"}, ""},
		{"emphasis and BREAK", TokensOptions{Model: "demo:tiny", Prompt: "(cat:1.5) BREAK [dog]"},
			[]string{"1 1023 0 1.5 word cat</w>", "2 1686 0 1 - <|endoftext|>", "77 1685 1 1 - <|startoftext|>", "78 1119 1 0.9091 word dog</w>"}, "BREAK"},
		{"embedding from the folder", TokensOptions{Model: "demo:tiny", Prompt: "a kitty cat"},
			[]string{"1 320 0 1 word a</w>", "2 1687 0 1 emb <kitty>#0", "3 1688 0 1 emb <kitty>#1", "4 1689 0 1 emb <kitty>#2", "5 1023 0 1 word cat</w>"}, ""},
	}
	cfg := &session.Config{Models: session.ModelsConfig{Embeddings: emb}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Tokens(context.Background(), cfg, c.opts, &out, &bytes.Buffer{}); err != nil {
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
