package tokenizer

import (
	"fmt"
	"strings"
)

// BadVocabError reports a tokenizer file or folder the user has to fix: a missing file, a
// vocab.json that is not a JSON object of ids, a merges line that is not two symbols, a merge
// or special token missing from the vocabulary. It implements BadInput so the CLI exits with
// status 2; its message is one line naming the file (and line, when there is one).
type BadVocabError struct {
	Path    string // the file or folder at fault
	Line    int    // 1-based line in Path, or 0 when the problem is not on one line
	Problem string // what is wrong
	Hint    string // what the user can do about it; may be empty
}

func (e *BadVocabError) Error() string {
	where := oneLine(e.Path)
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, e.Line)
	}
	msg := where + ": " + oneLine(e.Problem)
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

// BadInput marks the error as the user's to fix (exit status 2).
func (e *BadVocabError) BadInput() bool { return true }

func badVocab(path string, line int, hint, format string, args ...any) error {
	return &BadVocabError{Path: path, Line: line, Problem: fmt.Sprintf(format, args...), Hint: hint}
}

// oneLine keeps error messages on one terminal line whatever a file name or a quoted symbol
// holds: control characters and invalid UTF-8 are escaped.
func oneLine(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7F || r == 0xFFFD }) < 0 {
		return s
	}
	return sanitize(s)
}
