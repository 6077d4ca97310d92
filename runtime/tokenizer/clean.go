package tokenizer

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText is CLIP's text preparation (simple_tokenizer.py: basic_clean, whitespace_clean and
// .lower()), without ftfy: html.unescape twice, strip, collapse every whitespace run to one
// space, strip again, lower-case with Python's str.lower rules.
func cleanText(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = pyHTMLUnescape(pyHTMLUnescape(text))
	text = strings.TrimFunc(text, pyIsSpace)
	return pyLower(collapseWhitespace(text))
}

// isWhiteSpace is the Unicode White_Space property, which is what `\s` means in the Python
// `regex` module CLIP uses; Go's unicode.IsSpace tests exactly this property.
func isWhiteSpace(r rune) bool { return unicode.IsSpace(r) }

// pyIsSpace is Python's str.isspace, used by str.strip: White_Space plus the four ASCII
// information separators U+001C–U+001F.
func pyIsSpace(r rune) bool { return isWhiteSpace(r) || (r >= 0x1C && r <= 0x1F) }

// collapseWhitespace is whitespace_clean: re.sub(r'\s+', ' ', text).strip().
func collapseWhitespace(text string) string {
	var sb strings.Builder
	sb.Grow(len(text))
	pendingSpace := false
	for _, r := range text {
		if isWhiteSpace(r) {
			pendingSpace = true
			continue
		}
		if pendingSpace && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		pendingSpace = false
		sb.WriteRune(r)
	}
	return sb.String()
}

// pyHTMLUnescape follows Python's html.unescape: it scans for the same reference pattern
// (&#digits;? | &#x hex;? | &name;? with up to 32 name characters), resolves numeric references
// with Python's replacement rules, and leaves named ones to Go's html package, which holds the
// same HTML5 entity table and the same longest-prefix rule for legacy names without ';'.
func pyHTMLUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		sb.WriteString(s[:i])
		ref := htmlReference(s[i:])
		if ref == "" {
			sb.WriteByte('&')
			s = s[i+1:]
			continue
		}
		sb.WriteString(resolveReference(ref))
		s = s[i+len(ref):]
	}
}

// htmlReference returns the reference at the start of s ("&…", as Python's charref pattern
// matches it) or "" if none starts there.
func htmlReference(s string) string {
	body := s[1:]
	if strings.HasPrefix(body, "#") {
		digits, isHex := body[1:], false
		if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
			digits, isHex = digits[1:], true
		}
		n := 0
		for n < len(digits) && isRefDigit(digits[n], isHex) {
			n++
		}
		if n == 0 {
			return ""
		}
		end := len(s) - len(digits) + n
		return withSemicolon(s, end)
	}
	n, count := 0, 0
	for n < len(body) && count < 32 {
		r, size := utf8.DecodeRuneInString(body[n:])
		if strings.ContainsRune("\t\n\f <&#;", r) {
			break
		}
		n += size
		count++
	}
	if n == 0 {
		return ""
	}
	return withSemicolon(s, 1+n)
}

func isRefDigit(c byte, isHex bool) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return isHex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
}

// withSemicolon extends the reference s[:end] by an optional trailing ';'.
func withSemicolon(s string, end int) string {
	if end < len(s) && s[end] == ';' {
		end++
	}
	return s[:end]
}

// resolveReference replaces one reference the way Python's html._replace_charref does.
func resolveReference(ref string) string {
	if !strings.HasPrefix(ref, "&#") {
		return unescapeNamed(ref)
	}
	digits, base := strings.TrimSuffix(ref[2:], ";"), 10
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n > unicode.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
		return "\uFFFD"
	}
	if n == 0 || n == 0x0D || (n >= 0x80 && n <= 0x9F) {
		// Python's _invalid_charrefs: NUL → U+FFFD, CR kept, C1 controls read as
		// windows-1252; Go's html package applies the same table to these numbers.
		return html.UnescapeString("&#" + strconv.FormatUint(n, 10) + ";")
	}
	if pyInvalidCodepoint(n) {
		return ""
	}
	return string(rune(n))
}

// unescapeNamed resolves a named reference with Go's HTML5 table, adding the two entries Go
// leaves out on purpose and Python keeps (each is two runes: a relation and U+20D2).
func unescapeNamed(ref string) string {
	switch ref {
	case "&nGt;":
		return "\u226B\u20D2"
	case "&nLt;":
		return "\u226A\u20D2"
	}
	return html.UnescapeString(ref)
}

// pyInvalidCodepoint is Python's html._invalid_codepoints: the C0 controls other than
// whitespace, DEL and the C1 range, and the Unicode noncharacters. Python drops them.
func pyInvalidCodepoint(n uint64) bool {
	switch {
	case n >= 0x1 && n <= 0x8, n == 0xB, n >= 0xE && n <= 0x1F, n >= 0x7F && n <= 0x9F:
		return true
	case n >= 0xFDD0 && n <= 0xFDEF:
		return true
	}
	return n&0xFFFE == 0xFFFE
}
