package tokenizer

import "regexp"

// clipPattern is CLIP's pre-tokenisation pattern (simple_tokenizer.py): the two special
// tokens, English contractions, runs of letters, single digits, and runs of anything else
// that is not whitespace. CLIP compiles it with re.IGNORECASE, which in Python's regex module
// changes what the classes match for one rune, U+0345 (it case-folds to the letter ι): it is
// then neither a letter nor "anything else", so Python skips it. RE2's case folding would
// count it a letter instead, so case-insensitivity is confined to the literal alternatives
// and U+0345 is taken out of the last class. RE2's \s is narrower than Python's, but
// cleanText has already turned every White_Space rune into a plain space.
const clipPattern = `(?i:<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d)|\p{L}+|\p{N}|[^\s\p{L}\p{N}\x{345}]+`

// word is one pre-tokenisation match and the index of the space-separated word it lies in.
type word struct {
	text  string
	index int
}

// splitWords applies the pattern to cleaned text.
func splitWords(pattern *regexp.Regexp, cleaned string) []word {
	spans := pattern.FindAllStringIndex(cleaned, -1)
	words := make([]word, 0, len(spans))
	index, scanned := 0, 0
	for _, span := range spans {
		for ; scanned < span[0]; scanned++ {
			if cleaned[scanned] == ' ' {
				index++
			}
		}
		words = append(words, word{text: cleaned[span[0]:span[1]], index: index})
	}
	return words
}
