package app

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/textinv"
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
// resolved as every command resolves one, demo models included) and prints what the text
// encoder sees of the prompt (runtime.PromptChunks: A1111's syntax parsed, 75-token chunks,
// the config folder's embeddings as added tokens), as a table by default or as one line of
// ids per chunk with IDsOnly. In the table, the index column is the conditioning position
// Attend-and-Excite's token indices refer to; the padding of full chunks is left out.
func Tokens(ctx context.Context, cfg *session.Config, opts TokensOptions, w, stderr io.Writer) error {
	tok, err := loadTokenizer(ctx, cfg, opts, stderr)
	if err != nil {
		return err
	}
	var files textinv.Cache
	lib, err := files.Resolve(nil, EmbeddingDirs(cfg))
	if err != nil {
		return err
	}
	vocab := textinv.NewVocab(tok.EncodeContent, tok.VocabSize(), lib)
	chunks := runtime.PromptChunks(tok, vocab, opts.Prompt)
	if opts.IDsOnly {
		return writeChunkIDs(w, chunks)
	}
	if err := writeTokenTable(w, tok, vocab, chunks); err != nil {
		return err
	}
	if len(chunks) > 1 {
		_, err = fmt.Fprintf(w, "note: %d chunks of %d tokens; chunk c starts at index %d·c\n", len(chunks), prompt.ChunkLength, prompt.ChunkLength+2)
	}
	return err
}

// writeTokenTable prints one row per position: its index, id, chunk, weight (emphasis) and
// readable piece, last so that wide characters cannot break the alignment. Embedding vectors
// read <name> and are marked in the kind column.
func writeTokenTable(w io.Writer, tok *tokenizer.Tokenizer, vocab *textinv.Vocab, chunks []prompt.Chunk) error {
	if _, err := fmt.Fprintf(w, "%5s  %6s  %5s  %6s  %4s  %s\n", "index", "id", "chunk", "weight", "kind", "piece"); err != nil {
		return err
	}
	for c, ch := range chunks {
		for p := 0; p < ch.Used+2; p++ {
			id, kind := ch.IDs[p], "word"
			if p == 0 || p == ch.Used+1 {
				kind = "-"
			} else if _, ok := vocab.Row(id); ok {
				kind = "emb"
			}
			weight := strconv.FormatFloat(ch.Weights[p], 'g', 4, 64)
			piece := tokenizer.Readable(runtime.PieceName(tok, vocab, id))
			if _, err := fmt.Fprintf(w, "%5d  %6d  %5d  %6s  %4s  %s\n", c*(prompt.ChunkLength+2)+p, id, c, weight, kind, piece); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeChunkIDs(w io.Writer, chunks []prompt.Chunk) error {
	for _, ch := range chunks {
		ids := make([]string, ch.Used+2)
		for i := range ids {
			ids[i] = strconv.Itoa(ch.IDs[i])
		}
		if _, err := fmt.Fprintln(w, strings.Join(ids, " ")); err != nil {
			return err
		}
	}
	return nil
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
