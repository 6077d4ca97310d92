package tokenizer

import (
	"bytes"
	_ "embed" // the CLIP merges file below
)

// clipMergesGz is openai/CLIP's clip/bpe_simple_vocab_16e6.txt.gz (MIT licence, see
// data/LICENSE), the merges every Stable Diffusion 1.x/2.x tokenizer is built from. It is
// embedded so that tests and model folders without tokenizer files still get CLIP's real
// vocabulary rather than an error.
//
//go:embed data/bpe_simple_vocab_16e6.txt.gz
var clipMergesGz []byte

// EmbeddedCLIPSource is what Source reports for the tokenizer CLIP returns.
const EmbeddedCLIPSource = "built-in CLIP bpe_simple_vocab_16e6.txt.gz"

// CLIP returns CLIP's own tokenizer (49,408 ids, <|endoftext|> padding, 77 positions) from
// the embedded merges file, as openai/CLIP's simple_tokenizer.py and Hugging Face's
// CLIPTokenizer for SD 1.x build it. Each call parses the file afresh (tens of
// milliseconds), so callers keep the result.
func CLIP() (*Tokenizer, error) {
	return parseCLIPMerges(EmbeddedCLIPSource, bytes.NewReader(clipMergesGz))
}
