package tokenizer

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Readable shows a vocabulary piece as the text it stands for: the byte-level runes mapped
// back to bytes, and "</w>" (end of word) kept so that "cat</w>" and the "cat" that starts
// "catalog" stay apart, as Hugging Face's convert_ids_to_tokens shows them. Anything that
// could act on a terminal is escaped (see sanitize), so the result is safe to print.
func Readable(piece string) string {
	if piece == startOfText || piece == endOfText {
		return piece
	}
	body, end := strings.CutSuffix(piece, wordEnd)
	text := sanitize(fromByteLevel(body))
	if end {
		text += wordEnd
	}
	return text
}

// sanitize escapes what should not reach a terminal raw: invalid UTF-8 (a piece may hold part
// of a multi-byte character) as \xHH, control and format characters (escape sequences, bidi
// overrides) and other non-printing runes as \xHH or \uHHHH, and the backslash itself so the
// escapes stay unambiguous.
func sanitize(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&sb, `\x%02x`, s[i])
		case r == '\\':
			sb.WriteString(`\\`)
		case r == ' ' || unicode.IsPrint(r):
			sb.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&sb, `\x%02x`, r)
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
		i += max(size, 1)
	}
	return sb.String()
}

// WriteTable prints one row per token: its index (the position Attend-and-Excite selects),
// its id, the word of the prompt it belongs to ("-" for the added start and end tokens), and
// its readable piece, last so that wide characters cannot break the alignment.
func WriteTable(w io.Writer, toks []Token) error {
	if _, err := fmt.Fprintf(w, "%5s  %6s  %4s  %s\n", "index", "id", "word", "piece"); err != nil {
		return err
	}
	for i, tok := range toks {
		word := "-"
		if tok.Word >= 0 {
			word = strconv.Itoa(tok.Word)
		}
		if _, err := fmt.Fprintf(w, "%5d  %6d  %4s  %s\n", i, tok.ID, word, Readable(tok.Piece)); err != nil {
			return err
		}
	}
	return nil
}

// WriteIDs prints the ids on one line, space-separated.
func WriteIDs(w io.Writer, toks []Token) error {
	ids := make([]string, len(toks))
	for i, tok := range toks {
		ids[i] = strconv.Itoa(tok.ID)
	}
	_, err := fmt.Fprintln(w, strings.Join(ids, " "))
	return err
}
