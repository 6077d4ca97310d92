package session

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Infotext is A1111's generation-parameters text ("infotext"), as found in a PNG's
// `parameters` chunk: a prompt, an optional negative prompt and `Key: value` pairs.
type Infotext struct {
	Prompt, Negative string
	Params           []Param // in the order written
}

// Param is one `Key: value` pair, its value unquoted.
type Param struct{ Key, Value string }

// Get returns the value of the first pair named key.
func (it *Infotext) Get(key string) (string, bool) {
	for _, p := range it.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// reParam is A1111 1.10's re_param (infotext_utils.py): a key, a colon, and a value that is
// a JSON-style quoted string or runs to the next comma (A1111 modules/infotext_utils.py,
// parse_generation_parameters).
var reParam = regexp.MustCompile(`\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`)

// ParseA1111 parses infotext the way A1111's parse_generation_parameters does: the last
// line holds the parameters if at least three `key: value` pairs match in it; earlier lines
// are the prompt until one starts with "Negative prompt:", and the negative prompt after.
// Every line is trimmed, as A1111 does.
func ParseA1111(text string) (*Infotext, error) {
	if len(text) > MaxFileBytes {
		return nil, &InputError{What: "parameters text is too large", Hint: "this is not A1111 metadata"}
	}
	text = strings.ToValidUTF8(strings.TrimSpace(text), "\uFFFD")
	if strings.HasPrefix(text, "{") && json.Valid([]byte(text)) {
		return nil, &InputError{What: "parameters text is JSON (Fooocus scheme?), not A1111 infotext",
			Hint: "re-save the image from A1111, or copy the prompt by hand"}
	}
	lines := strings.Split(text, "\n")
	last := lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	matches := reParam.FindAllStringSubmatch(last, -1)
	if len(matches) < 3 {
		lines, matches = append(lines, last), nil
	}
	it := &Infotext{}
	negative := false
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Negative prompt:") {
			negative = true
			line = strings.TrimSpace(line[len("Negative prompt:"):])
		}
		if negative {
			it.Negative = joinLine(it.Negative, line)
		} else {
			it.Prompt = joinLine(it.Prompt, line)
		}
	}
	for _, m := range matches {
		it.Params = append(it.Params, Param{Key: strings.TrimSpace(m[1]), Value: unquoteA1111(m[2])})
	}
	return it, nil
}

func joinLine(acc, line string) string {
	if acc == "" {
		return line
	}
	return acc + "\n" + line
}

// unquoteA1111 decodes a JSON-quoted value; anything else is kept as written.
func unquoteA1111(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
	}
	return v
}

// String formats the infotext as A1111's create_infotext does: prompt, then a
// "Negative prompt:" line unless the negative prompt is empty, then the pairs joined with
// ", "; the whole is trimmed.
func (it *Infotext) String() string {
	var b strings.Builder
	b.WriteString(it.Prompt)
	if it.Negative != "" {
		b.WriteString("\nNegative prompt: " + it.Negative)
	}
	pairs := make([]string, len(it.Params))
	for i, p := range it.Params {
		if p.Key == p.Value {
			pairs[i] = p.Key
		} else {
			pairs[i] = p.Key + ": " + quoteA1111(p.Value)
		}
	}
	b.WriteString("\n" + strings.Join(pairs, ", "))
	return strings.TrimSpace(b.String())
}

// quoteA1111 is A1111's quote(): values containing a comma, newline or colon become a JSON
// string literal with non-ASCII characters kept (Python json.dumps(ensure_ascii=False)).
func quoteA1111(v string) string {
	if !strings.ContainsAny(v, ",\n:") {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
