package session

import "fmt"

// MaxTOMLDepth bounds how deep a session or config may nest: open brackets and braces plus
// the segments of dotted keys (`a.b.c = …`, `[a.b.c]`). A session nests four levels at most
// (history → sega → concepts → field); BurntSushi/toml's cost grows with the square of the
// depth (depth 4 000 of inline tables allocates 1.85 GB), so a deep file is refused before
// it is parsed.
const MaxTOMLDepth = 64

// checkTOMLBounds is the one gate every TOML input passes before BurntSushi/toml sees it
// (session files, PNG metadata, A1111 imports, config): the size limit and MaxTOMLDepth.
// It scans the bytes once, following TOML's string and comment rules (TOML 1.0 §String,
// §Comment) so that brackets and dots inside them do not count.
func checkTOMLBounds(name string, data []byte) error {
	if len(data) > MaxFileBytes {
		return &InputError{Where: name, What: fmt.Sprintf("file is larger than %d MiB", MaxFileBytes>>20),
			Hint: "this is not a session file"}
	}
	if line, ok := tomlDepthWithin(data, MaxTOMLDepth); !ok {
		return &InputError{Where: fmt.Sprintf("%s:%d", name, line),
			What: fmt.Sprintf("nested more than %d levels deep", MaxTOMLDepth), Hint: "this is not a session file"}
	}
	return nil
}

// tomlDepthWithin reports whether data nests at most limit levels and, if not, the line
// where it went deeper. Each open bracket or brace counts one level plus the dots of the key
// that precedes it; the dots of the key being read count too; a table header's depth is the
// base of every line under it. A value's own dot (1.5, a date's fraction) adds at most one,
// an over-count the limit absorbs.
func tomlDepthWithin(data []byte, limit int) (int, bool) {
	var s depthScan
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			s.line++
			s.dots, s.afterEquals = 0, false
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			var lines int
			i, lines = skipTOMLString(data, i)
			s.line += lines
		case '.':
			s.dots++
		case ',':
			s.dots = 0
		case '=': // the key's dots carry into a table or array value opened next
			s.afterEquals = s.afterEquals || s.depth == 0
		case '[', '{':
			s.open(c == '[' && s.depth == 0 && !s.afterEquals)
		case ']', '}':
			s.close()
		}
		if s.now() > limit {
			return s.line + 1, false
		}
	}
	return s.line + 1, true
}

// depthScan is tomlDepthWithin's state; line counts from 0.
type depthScan struct {
	opened      []int // levels each open bracket added
	depth, dots int
	line        int
	afterEquals bool // a '=' at depth 0 on this line: a '[' starts a value, not a header
	inHeader    bool
	headerPeak  int // deepest point of the header being read
	base        int // depth of the last table header, under which the lines below live
}

func (s *depthScan) now() int {
	if s.inHeader {
		return s.depth + s.dots
	}
	return s.base + s.depth + s.dots
}

func (s *depthScan) open(header bool) {
	if header {
		s.inHeader, s.headerPeak = true, 0
	}
	s.opened = append(s.opened, s.dots+1)
	s.depth += s.dots + 1
	s.dots = 0
}

func (s *depthScan) close() {
	if s.inHeader {
		s.headerPeak = max(s.headerPeak, s.now())
	}
	if n := len(s.opened); n > 0 {
		s.depth -= s.opened[n-1]
		s.opened = s.opened[:n-1]
	}
	s.dots = 0
	if s.inHeader && s.depth == 0 {
		s.inHeader, s.base = false, s.headerPeak
	}
}

// skipTOMLString returns the index of the last byte of the string that opens at data[i]
// (basic "…" with backslash escapes, literal '…', and their triple-quoted multi-line forms)
// and how many newlines it spans. An unterminated single-line string ends at the newline,
// as the parser will reject it there.
func skipTOMLString(data []byte, i int) (int, int) {
	q := data[i]
	escapes := q == '"'
	if i+2 < len(data) && data[i+1] == q && data[i+2] == q {
		return skipMultilineString(data, i+3, q, escapes)
	}
	if i+1 < len(data) && data[i+1] == q {
		return i + 1, 0 // empty string
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			if escapes {
				j++
			}
		case q:
			return j, 0
		case '\n':
			return j - 1, 0
		}
	}
	return len(data) - 1, 0
}

// skipMultilineString finds the closing triple quote; up to two more quotes right before
// it belong to the content (TOML 1.0 allows `"""a"""""`), so a whole run of quotes closes.
func skipMultilineString(data []byte, j int, q byte, escapes bool) (int, int) {
	lines := 0
	for ; j < len(data); j++ {
		switch data[j] {
		case '\\':
			if escapes {
				if j+1 < len(data) && data[j+1] == '\n' {
					lines++
				}
				j++
			}
		case '\n':
			lines++
		case q:
			k := j
			for k < len(data) && data[k] == q {
				k++
			}
			if k-j >= 3 {
				return k - 1, lines
			}
			j = k - 1
		}
	}
	return len(data) - 1, lines
}
