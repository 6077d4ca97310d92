package demomodel

import (
	"os"
	"path/filepath"
	"strings"
)

// addedToken is transformers' serialised AddedToken, as in SD 1.5's tokenizer files.
func addedToken(content string) map[string]any {
	return map[string]any{"__type": "AddedToken", "content": content, "lstrip": false,
		"normalized": true, "rstrip": false, "single_word": false}
}

// writeTokenizer writes tokenizer/ in Hugging Face's CLIPTokenizer format: vocab.json
// (token → id), merges.txt (with the "#version: 0.2" header), tokenizer_config.json
// (model_max_length 77) and special_tokens_map.json, padding with <|endoftext|> as SD 1.x.
func writeTokenizer(dir string, v bpeVocab) error {
	ids := make(map[string]int, len(v.tokens))
	for i, t := range v.tokens {
		ids[t] = i
	}
	if err := writeJSON(filepath.Join(dir, "vocab.json"), ids); err != nil {
		return err
	}
	var merges strings.Builder
	merges.WriteString("#version: 0.2\n")
	for _, m := range v.merges {
		merges.WriteString(m[0] + " " + m[1] + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(merges.String()), 0o666); err != nil {
		return err
	}
	special := map[string]any{
		"bos_token": addedToken(startOfText), "eos_token": addedToken(endOfText),
		"unk_token": addedToken(endOfText), "pad_token": endOfText,
	}
	if err := writeJSON(filepath.Join(dir, "special_tokens_map.json"), special); err != nil {
		return err
	}
	config := map[string]any{
		"add_prefix_space": false, "do_lower_case": true, "errors": "replace",
		"model_max_length": 77, "tokenizer_class": "CLIPTokenizer",
		"special_tokens_map_file": "./special_tokens_map.json",
		"bos_token":               addedToken(startOfText), "eos_token": addedToken(endOfText),
		"unk_token": addedToken(endOfText), "pad_token": endOfText,
	}
	return writeJSON(filepath.Join(dir, "tokenizer_config.json"), config)
}
