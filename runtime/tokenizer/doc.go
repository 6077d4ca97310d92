// Package tokenizer turns prompts into CLIP token ids exactly as the Stable Diffusion text
// encoders expect them.
//
// It follows openai/CLIP's simple_tokenizer.py (Radford et al. 2021, "Learning Transferable
// Visual Models From Natural Language Supervision"): HTML-unescape twice, collapse whitespace,
// lower-case, split with CLIP's pre-tokenisation pattern, map every UTF-8 byte to a printable
// rune (GPT-2's byte-to-unicode table), then apply byte-pair-encoding merges in rank order with
// "</w>" marking the end of a word. Ids are wrapped in <|startoftext|> … <|endoftext|> and padded
// to the text encoder's 77 positions, as Hugging Face's CLIPTokenizer does for diffusers.
//
// Two vocabulary sources load into the same Tokenizer: CLIP's own bpe_simple_vocab_16e6.txt.gz
// and a Hugging Face tokenizer folder (vocab.json + merges.txt, with special tokens from
// special_tokens_map.json or tokenizer_config.json).
//
// Known differences from the Python original, all outside ordinary prompts:
//   - ftfy.fix_text is not applied (CLIP runs it first when ftfy is installed); mojibake,
//     curly quotes, ligatures and full-width forms are tokenised as typed.
//   - Invalid UTF-8 is replaced by U+FFFD before anything else (Python would have failed to
//     decode it earlier).
//   - Unicode classes come from Go's tables (Unicode 15.0), Python's from its own version.
package tokenizer
