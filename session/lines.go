package session

import (
	"strconv"
	"strings"
)

// lineIndex maps key paths ("sampler.steps", "sega.concepts[1].weight") to the line where
// they are defined, so problems found after decoding can say where they are. The TOML
// library keeps key positions private, so this is a small scanner of its own; it runs only
// on text the library has already accepted, and falls back to the enclosing table's line
// for keys it cannot place (inside inline tables).
type lineIndex map[string]int

// line returns the line of path (for an array of tables, of its first element) or of its
// nearest enclosing table; 0 if none is known.
func (ix lineIndex) line(path string) int {
	for path != "" {
		if n, ok := ix[path]; ok {
			return n
		}
		if n, ok := ix[path+"[0]"]; ok {
			return n
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath drops the last component of a key path ("a.b[2]" → "a.b", "a.b" → "a").
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// indexLines scans TOML text and records the line of every table header and key.
func indexLines(src string) lineIndex {
	sc := &lineScanner{src: src, line: 1, ix: lineIndex{}, arrays: map[string]int{}}
	sc.run()
	return sc.ix
}

type lineScanner struct {
	src    string
	pos    int
	line   int
	table  string         // indexed path of the current table
	ix     lineIndex      // result
	arrays map[string]int // indexed path of an array of tables → elements seen
}

func (sc *lineScanner) run() {
	for sc.skipBlank(); sc.pos < len(sc.src); sc.skipBlank() {
		start := sc.line
		switch {
		case strings.HasPrefix(sc.src[sc.pos:], "[["):
			sc.pos += 2
			sc.table = sc.header(sc.readKey(), true)
			sc.ix[sc.table] = start
		case sc.src[sc.pos] == '[':
			sc.pos++
			sc.table = sc.header(sc.readKey(), false)
			sc.ix[sc.table] = start
		default:
			before := sc.pos
			key := sc.readKey()
			if len(key) > 0 {
				sc.ix[joinPath(sc.table, strings.Join(key, "."))] = start
			}
			sc.skipValue()
			if sc.pos == before {
				sc.pos++ // never stall on text the scanner does not understand
			}
		}
		sc.skipToLineEnd()
	}
}

// header resolves a table header's key to an indexed path; an array-of-tables header adds
// an element.
func (sc *lineScanner) header(key []string, array bool) string {
	path := ""
	for i, k := range key {
		path = joinPath(path, k)
		last := i == len(key)-1
		if last && array {
			n := sc.arrays[path]
			sc.arrays[path] = n + 1
			return path + "[" + strconv.Itoa(n) + "]"
		}
		if n, ok := sc.arrays[path]; ok && !last {
			path += "[" + strconv.Itoa(n-1) + "]"
		}
	}
	return path
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// skipBlank skips whitespace, newlines and comments.
func (sc *lineScanner) skipBlank() {
	for sc.pos < len(sc.src) {
		switch c := sc.src[sc.pos]; {
		case c == '\n':
			sc.line++
			sc.pos++
		case c == ' ' || c == '\t' || c == '\r':
			sc.pos++
		case c == '#':
			sc.skipComment()
		default:
			return
		}
	}
}

func (sc *lineScanner) skipComment() {
	for sc.pos < len(sc.src) && sc.src[sc.pos] != '\n' {
		sc.pos++
	}
}

// skipToLineEnd skips the rest of a header or key/value line (closing brackets, comments).
func (sc *lineScanner) skipToLineEnd() {
	for sc.pos < len(sc.src) && sc.src[sc.pos] != '\n' {
		sc.pos++
	}
}

// readKey reads a possibly dotted, possibly quoted key and stops after '=' or ']'.
func (sc *lineScanner) readKey() []string {
	var parts []string
	for sc.pos < len(sc.src) {
		switch c := sc.src[sc.pos]; {
		case c == ' ' || c == '\t' || c == '.':
			sc.pos++
		case c == '=' || c == ']':
			sc.pos++
			return parts
		case c == '"' || c == '\'':
			parts = append(parts, sc.readQuotedKey(c))
		case isBareKeyByte(c):
			start := sc.pos
			for sc.pos < len(sc.src) && isBareKeyByte(sc.src[sc.pos]) {
				sc.pos++
			}
			parts = append(parts, sc.src[start:sc.pos])
		default:
			return parts
		}
	}
	return parts
}

func isBareKeyByte(c byte) bool {
	return c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// readQuotedKey reads a one-line quoted key; basic-string escapes are decoded the way Go
// decodes them, which agrees with TOML for every escape a key realistically contains.
func (sc *lineScanner) readQuotedKey(quote byte) string {
	start := sc.pos
	sc.pos++
	for sc.pos < len(sc.src) && sc.src[sc.pos] != quote && sc.src[sc.pos] != '\n' {
		if quote == '"' && sc.src[sc.pos] == '\\' {
			sc.pos++
		}
		sc.pos++
	}
	if sc.pos >= len(sc.src) || sc.src[sc.pos] != quote {
		return sc.src[start+1 : min(sc.pos, len(sc.src))]
	}
	sc.pos++
	raw := sc.src[start+1 : sc.pos-1]
	if quote == '"' {
		if s, err := strconv.Unquote(`"` + raw + `"`); err == nil {
			return s
		}
	}
	return raw
}

// skipValue skips one value: strings of every kind, and arrays and inline tables with their
// nested values and comments, counting the newlines inside.
func (sc *lineScanner) skipValue() {
	depth := 0
	for sc.pos < len(sc.src) {
		c := sc.src[sc.pos]
		switch {
		case c == '"' || c == '\'':
			sc.skipString(c)
			continue
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == '#':
			sc.skipComment()
			continue
		case c == '\n':
			if depth <= 0 {
				return
			}
			sc.line++
		}
		sc.pos++
	}
}

// skipString skips a basic, literal or multi-line string starting at sc.pos.
func (sc *lineScanner) skipString(quote byte) {
	triple := strings.Repeat(string(quote), 3)
	multi := strings.HasPrefix(sc.src[sc.pos:], triple)
	if multi {
		sc.pos += 3
	} else {
		sc.pos++
	}
	for sc.pos < len(sc.src) {
		c := sc.src[sc.pos]
		switch {
		case c == '\\' && quote == '"':
			if sc.pos+1 < len(sc.src) && sc.src[sc.pos+1] == '\n' {
				sc.line++
			}
			sc.pos += 2
			continue
		case c == '\n':
			if !multi {
				return
			}
			sc.line++
		case multi && strings.HasPrefix(sc.src[sc.pos:], triple):
			sc.pos += 3
			for n := 0; n < 2 && sc.pos < len(sc.src) && sc.src[sc.pos] == quote; n++ {
				sc.pos++ // up to two quotes may end the content right before the delimiter
			}
			return
		case !multi && c == quote:
			sc.pos++
			return
		}
		sc.pos++
	}
}
