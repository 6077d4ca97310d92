package tokenizer

import (
	"strings"
	"unicode"
)

// pyLower lower-cases like Python's str.lower, which CLIP applies after cleaning. It differs
// from strings.ToLower in two places of Unicode's SpecialCasing.txt that Python honours:
// U+0130 (İ) becomes "i̇" (two runes), and a capital sigma in word-final position becomes
// "ς" rather than "σ" (the Final_Sigma condition, Unicode 15.0 §3.13).
func pyLower(s string) string {
	if !strings.ContainsAny(s, "\u0130\u03A3") {
		return strings.ToLower(s)
	}
	runes := []rune(s)
	var sb strings.Builder
	sb.Grow(len(s) + 8)
	for i, r := range runes {
		switch r {
		case '\u0130':
			sb.WriteString("i\u0307")
		case '\u03A3':
			if finalSigma(runes, i) {
				sb.WriteRune('ς')
			} else {
				sb.WriteRune('σ')
			}
		default:
			sb.WriteRune(unicode.ToLower(r))
		}
	}
	return sb.String()
}

// finalSigma tests Final_Sigma for runes[i]: a cased letter before it and none after it,
// skipping case-ignorable runes on both sides.
func finalSigma(runes []rune, i int) bool {
	j := i - 1
	for j >= 0 && isCaseIgnorable(runes[j]) {
		j--
	}
	if j < 0 || !isCased(runes[j]) {
		return false
	}
	j = i + 1
	for j < len(runes) && isCaseIgnorable(runes[j]) {
		j++
	}
	return j == len(runes) || !isCased(runes[j])
}

// isCased is Unicode's Cased property: Lowercase, Uppercase or Lt.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk, and the
// Word_Break classes MidLetter, MidNumLet and Single_Quote (listed here, as Go has no
// Word_Break table).
func isCaseIgnorable(r rune) bool {
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) {
		return true
	}
	switch r {
	case '\'', '.', ':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019', '\u2024',
		'\u2027', '\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return false
}
