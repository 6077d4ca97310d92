package tokenizer

import (
	"fmt"
	"io"
)

// TokensOptions are the flags of `nudge tokens`.
type TokensOptions struct {
	ModelDir  string // --model DIR: a diffusers-layout model; DIR/tokenizer is used
	Tokenizer string // --tokenizer DIR_OR_FILE: anything Load accepts
	IDsOnly   bool   // --ids: print only the ids, BOS and EOS included, no padding
	Prompt    string
}

// UsageError is a `nudge tokens` invocation the user has to correct (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// BadInput marks the error as the user's to fix (exit status 2).
func (e *UsageError) BadInput() bool { return true }

// RunTokens implements `nudge tokens`: it loads the tokenizer the options name and prints the
// prompt's tokens, as a table by default or as one line of ids with IDsOnly. In the table, the
// index column is what Attend-and-Excite's token indices refer to; a closing note says when
// the prompt is longer than the text encoder reads.
func RunTokens(w io.Writer, opts TokensOptions) error {
	tok, err := loadForCLI(opts)
	if err != nil {
		return err
	}
	toks := tok.Tokenize(opts.Prompt)
	if opts.IDsOnly {
		return WriteIDs(w, toks)
	}
	if err := WriteTable(w, toks); err != nil {
		return err
	}
	if dropped := len(toks) - tok.MaxLen(); dropped > 0 {
		_, err = fmt.Fprintf(w, "note: the text encoder reads %d positions; %d prompt tokens from index %d on are dropped\n",
			tok.MaxLen(), dropped, tok.MaxLen()-1)
	}
	return err
}

func loadForCLI(opts TokensOptions) (*Tokenizer, error) {
	switch {
	case opts.ModelDir != "" && opts.Tokenizer != "":
		return nil, &UsageError{"nudge tokens: give --model or --tokenizer, not both"}
	case opts.ModelDir != "":
		return LoadModel(opts.ModelDir)
	case opts.Tokenizer != "":
		return Load(opts.Tokenizer)
	}
	return nil, &UsageError{"nudge tokens: say which vocabulary — --model DIR or --tokenizer DIR_OR_FILE (e.g. bpe_simple_vocab_16e6.txt.gz)"}
}
