package prompt

import (
	"errors"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// The grammar of A1111's schedule_parser (modules/prompt_parser.py), a Lark grammar:
//
//	start:       (prompt | /[][():]/+)*
//	prompt:      (emphasized | scheduled | alternate | plain | WHITESPACE)*
//	emphasized:  "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"     (brackets kept)
//	scheduled:   "[" [prompt ":"] prompt ":" [WHITESPACE] NUMBER "]"
//	alternate:   "[" prompt ("|" prompt)+ "]"
//	plain:       /([^\\\[\]():|]|\\.)+/
//
// parsed here by recursive descent. Inside a prompt every bracket must open a construct; at the
// top level a bracket or colon that opens none is kept as text (start's second branch), and a
// construct that parses is preferred, as Lark resolves "a [b:3]". The result of parsing a
// construct at a position does not depend on the caller, so it is memoised: parsing is linear.

// maxDepth bounds nesting; deeper prompts are used whole (A1111's parser would run out of
// recursion on them).
const maxDepth = 200

// signedNumber is Lark's common.SIGNED_NUMBER.
var signedNumber = regexp.MustCompile(`^[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|[0-9]+)$`)

type scheduleParser struct {
	s       string
	memo    map[int]construct
	tooDeep bool
}

// construct is the memoised result of parsing a bracketed construct at one position.
type construct struct {
	nodes seq
	end   int
	ok    bool
}

func parseSchedule(s string) (seq, bool) {
	p := &scheduleParser{s: s, memo: map[int]construct{}}
	var out seq
	for i := 0; i < len(s); {
		nodes, end := p.prompt(i, 0)
		out = append(out, nodes...)
		i = end
		if p.tooDeep {
			return nil, false
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '[', ']', '(', ')', ':':
			out = append(out, node{kind: literal, text: s[i : i+1]})
			i++
		default:
			return nil, false // "|" or a backslash plain cannot take
		}
	}
	return out, true
}

// prompt parses prompt* from i and returns where it stopped: at "]", ")", ":", "|", the end,
// a bracket that opens no construct, or a backslash plain cannot take.
func (p *scheduleParser) prompt(i, depth int) (seq, int) {
	var out seq
	for i < len(p.s) {
		switch c := p.s[i]; c {
		case ']', ')', ':', '|':
			return out, i
		case '(', '[':
			r := p.construct(i, depth+1)
			if !r.ok {
				return out, i
			}
			out = append(out, r.nodes...)
			i = r.end
		default:
			end := p.plain(i)
			if end == i {
				return out, i
			}
			out = append(out, node{kind: literal, text: p.s[i:end]})
			i = end
		}
	}
	return out, i
}

// plain matches /([^\\\[\]():|]|\\.)+/ from i; "." takes any character but a newline.
func (p *scheduleParser) plain(i int) int {
	for i < len(p.s) {
		switch c := p.s[i]; c {
		case '[', ']', '(', ')', ':', '|':
			return i
		case '\\':
			if i+1 >= len(p.s) || p.s[i+1] == '\n' {
				return i
			}
			_, size := utf8.DecodeRuneInString(p.s[i+1:])
			i += 1 + size
		default:
			i++
		}
	}
	return i
}

func (p *scheduleParser) construct(i, depth int) construct {
	if r, ok := p.memo[i]; ok {
		return r
	}
	if depth > maxDepth {
		p.tooDeep = true
		return construct{}
	}
	var r construct
	if p.s[i] == '(' {
		r = p.emphasized(i, depth)
	} else {
		r = p.square(i, depth)
	}
	p.memo[i] = r
	return r
}

// emphasized is "(" prompt ")" or "(" prompt ":" prompt ")", brackets and colon kept as text.
func (p *scheduleParser) emphasized(i, depth int) construct {
	inner, j := p.prompt(i+1, depth)
	out := append(seq{{kind: literal, text: "("}}, inner...)
	if j < len(p.s) && p.s[j] == ':' {
		second, k := p.prompt(j+1, depth)
		out = append(append(out, node{kind: literal, text: ":"}), second...)
		j = k
	}
	if j >= len(p.s) || p.s[j] != ')' {
		return construct{}
	}
	return construct{append(out, node{kind: literal, text: ")"}), j + 1, true}
}

// square is "[" prompt "]", a scheduled or an alternate.
func (p *scheduleParser) square(i, depth int) construct {
	first, j := p.prompt(i+1, depth)
	if j >= len(p.s) {
		return construct{}
	}
	switch p.s[j] {
	case ']':
		out := append(seq{{kind: literal, text: "["}}, first...)
		return construct{append(out, node{kind: literal, text: "]"}), j + 1, true}
	case '|':
		return p.alternate(first, j, depth)
	case ':':
		return p.scheduled(first, j, depth)
	}
	return construct{}
}

func (p *scheduleParser) alternate(first seq, j, depth int) construct {
	options := []seq{first}
	for j < len(p.s) && p.s[j] == '|' {
		o, k := p.prompt(j+1, depth)
		options = append(options, o)
		j = k
	}
	if j >= len(p.s) || p.s[j] != ']' {
		return construct{}
	}
	return construct{seq{{kind: alternate, options: options}}, j + 1, true}
}

// scheduled parses what follows "[" first ":": either [WHITESPACE] NUMBER "]" (first is the
// "to" part) or prompt ":" [WHITESPACE] NUMBER "]" (first is the "from" part).
func (p *scheduleParser) scheduled(first seq, j, depth int) construct {
	if when, end, ok := p.number(j + 1); ok {
		return construct{seq{{kind: scheduled, when: when, after: first}}, end, true}
	}
	second, k := p.prompt(j+1, depth)
	if k >= len(p.s) || p.s[k] != ':' {
		return construct{}
	}
	when, end, ok := p.number(k + 1)
	if !ok {
		return construct{}
	}
	return construct{seq{{kind: scheduled, when: when, before: first, after: second}}, end, true}
}

// number matches [WHITESPACE] NUMBER "]" at i and converts the number as float() does.
func (p *scheduleParser) number(i int) (float64, int, bool) {
	for i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[i:])
		if !pySpace(r) {
			break
		}
		i += size
	}
	k := i
	for k < len(p.s) && p.s[k] != ']' {
		k++
	}
	if k >= len(p.s) || !signedNumber.MatchString(p.s[i:k]) {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(p.s[i:k], 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, 0, false
	}
	return v, k + 1, true
}
