package prompt

import (
	"unicode"
	"unicode/utf8"
)

// splitBreak splits text as Python's re.split(r"\s*\bBREAK\b\s*", text) does: at every
// BREAK that is a whole word (Unicode word characters, as Python's str patterns use), taking
// the whitespace around it with it.
func splitBreak(text string) []string {
	var parts []string
	start := 0 // where the current part begins
	for i := 0; i+5 <= len(text); {
		k := indexFrom(text, "BREAK", i)
		if k < 0 {
			break
		}
		if !wordBoundary(text, k) || !wordBoundary(text, k+5) {
			i = k + 1
			continue
		}
		left := k
		for left > start {
			r, size := utf8.DecodeLastRuneInString(text[start:left])
			if !pySpace(r) {
				break
			}
			left -= size
		}
		right := k + 5
		for right < len(text) {
			r, size := decodeRune(text[right:])
			if !pySpace(r) {
				break
			}
			right += size
		}
		parts = append(parts, text[start:left])
		start, i = right, right
	}
	return append(parts, text[start:])
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// wordBoundary is Python's \b at byte offset i of s.
func wordBoundary(s string, i int) bool {
	before, after := false, false
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		before = pyWord(r)
	}
	if i < len(s) {
		r, _ := decodeRune(s[i:])
		after = pyWord(r)
	}
	return before != after
}

// pyWord is Python's \w for str patterns: alphanumeric (str.isalnum) or underscore.
func pyWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// pySpace is Python's \s for str patterns (str.isspace, which adds \x1c–\x1f).
func pySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
