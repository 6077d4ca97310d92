package app

import (
	"context"
	"fmt"
	"io"

	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
)

// TokensOptions are the flags of `nudge tokens`.
type TokensOptions struct {
	Model     string // --model: a model folder, alias or demo:shapes|tiny|small|sd15; its tokenizer/ is used
	Tokenizer string // --tokenizer DIR_OR_FILE: anything Load accepts
	IDsOnly   bool   // --ids: print only the ids, BOS and EOS included, no padding
	Prompt    string
}

// UsageError is a `nudge tokens` invocation the user has to correct (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// BadInput marks the error as the user's to fix (exit status 2).
func (e *UsageError) BadInput() bool { return true }

// Tokens implements `nudge tokens`: it loads the tokenizer the options name (a model is
// resolved as every command resolves one, demo models included) and prints the prompt's
// tokens, as a table by default or as one line of ids with IDsOnly. In the table, the index
// column is what Attend-and-Excite's token indices refer to; a closing note says when the
// prompt is longer than the text encoder reads.
func Tokens(ctx context.Context, cfg *session.Config, opts TokensOptions, w, stderr io.Writer) error {
	tok, err := loadTokenizer(ctx, cfg, opts, stderr)
	if err != nil {
		return err
	}
	toks := tok.Tokenize(opts.Prompt)
	if opts.IDsOnly {
		return tokenizer.WriteIDs(w, toks)
	}
	if err := tokenizer.WriteTable(w, toks); err != nil {
		return err
	}
	if dropped := len(toks) - tok.MaxLen(); dropped > 0 {
		_, err = fmt.Fprintf(w, "note: the text encoder reads %d positions; %d prompt tokens from index %d on are dropped\n",
			tok.MaxLen(), dropped, tok.MaxLen()-1)
	}
	return err
}

func loadTokenizer(ctx context.Context, cfg *session.Config, opts TokensOptions, stderr io.Writer) (*tokenizer.Tokenizer, error) {
	switch {
	case opts.Model != "" && opts.Tokenizer != "":
		return nil, &UsageError{"nudge tokens: give --model or --tokenizer, not both"}
	case opts.Model != "":
		dir, err := ModelDir(ctx, cfg, opts.Model, stderr)
		if err != nil {
			return nil, err
		}
		return tokenizer.LoadModel(dir)
	case opts.Tokenizer != "":
		return tokenizer.Load(opts.Tokenizer)
	}
	return nil, &UsageError{"nudge tokens: say which vocabulary — --model M or --tokenizer DIR_OR_FILE (e.g. bpe_simple_vocab_16e6.txt.gz)"}
}
