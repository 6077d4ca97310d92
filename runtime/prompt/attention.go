package prompt

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// Span is a run of prompt text with its attention weight. A BREAK keyword is the Span
// {"BREAK", -1}, exactly as A1111 marks it; see IsBreak.
type Span struct {
	Text   string
	Weight float64
}

// IsBreak reports the BREAK marker. Like A1111's tokenize_line it compares the weight with -1
// exactly, so a BREAK inside brackets (its -1 multiplied) is ordinary text.
func (s Span) IsBreak() bool { return s.Text == "BREAK" && s.Weight == -1 }

// Multipliers of A1111's emphasis brackets.
const (
	roundMultiplier  = 1.1
	squareMultiplier = 1 / 1.1
)

// ParseAttention splits a prompt into weighted runs of text as parse_prompt_attention in
// modules/prompt_parser.py does: "(" and "[" open a group, ")" multiplies the group by 1.1,
// "]" by 1/1.1, ":w)" by w; groups still open at the end get their bracket's multiplier;
// "\(", "\)", "\[", "\]" and "\\" are literal characters and a lone backslash is dropped;
// BREAK (a whole word) becomes a marker Span; runs with equal weights are merged.
//
// A weight A1111's float() rejects (":1.2.3)") would raise an exception there; here the colon
// is kept as text and scanning goes on.
func ParseAttention(text string) []Span {
	p := attentionParser{}
	for i := 0; i < len(text); {
		i = p.token(text, i)
	}
	for _, pos := range p.round {
		p.multiply(pos, roundMultiplier)
	}
	for _, pos := range p.square {
		p.multiply(pos, squareMultiplier)
	}
	if len(p.res) == 0 {
		p.res = []Span{{"", 1}}
	}
	return mergeEqualWeights(p.res)
}

type attentionParser struct {
	res           []Span
	round, square []int
}

func (p *attentionParser) multiply(from int, m float64) {
	for i := from; i < len(p.res); i++ {
		p.res[i].Weight *= m
	}
}

// token handles the token starting at i (the alternatives of A1111's re_attention, in its
// order) and returns where the next one starts.
func (p *attentionParser) token(s string, i int) int {
	switch c := s[i]; {
	case c == '\\':
		if i+1 < len(s) && strings.IndexByte(`()[]\`, s[i+1]) >= 0 {
			p.res = append(p.res, Span{s[i+1 : i+2], 1})
			return i + 2
		}
		p.res = append(p.res, Span{"", 1}) // a lone backslash: text[1:] is empty
		return i + 1
	case c == '(':
		p.round = append(p.round, len(p.res))
	case c == '[':
		p.square = append(p.square, len(p.res))
	case c == ':':
		if w, end, ok := weightToken(s, i); ok {
			if len(p.round) > 0 {
				p.multiply(p.pop(&p.round), w)
				return end
			}
			p.addText(s[i:end])
			return end
		}
		p.addText(":")
	case c == ')' && len(p.round) > 0:
		p.multiply(p.pop(&p.round), roundMultiplier)
	case c == ']' && len(p.square) > 0:
		p.multiply(p.pop(&p.square), squareMultiplier)
	case c == ')' || c == ']':
		p.addText(s[i : i+1])
	default:
		end := i + strings.IndexAny(s[i:]+`\`, `\()[]:`)
		p.addText(s[i:end])
		return end
	}
	return i + 1
}

func (p *attentionParser) pop(stack *[]int) int {
	v := (*stack)[len(*stack)-1]
	*stack = (*stack)[:len(*stack)-1]
	return v
}

// addText appends plain text, split at BREAK as A1111's re_break (\s*\bBREAK\b\s*) splits it.
func (p *attentionParser) addText(text string) {
	for i, part := range splitBreak(text) {
		if i > 0 {
			p.res = append(p.res, Span{"BREAK", -1})
		}
		p.res = append(p.res, Span{part, 1})
	}
}

// weightToken matches A1111's `:([+-]?[.\d]+)\)` at s[i] == ':' and converts the number as
// Python's float() does (\d and float() both take any Unicode decimal digit).
func weightToken(s string, i int) (w float64, end int, ok bool) {
	j := i + 1
	var num strings.Builder
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		num.WriteByte(s[j])
		j++
	}
	digits := 0
	for j < len(s) {
		r, size := decodeRune(s[j:])
		if r == '.' {
			num.WriteByte('.')
		} else if d, isDigit := decimalValue(r); isDigit {
			num.WriteByte(byte('0' + d))
		} else {
			break
		}
		digits++
		j += size
	}
	if digits == 0 || j >= len(s) || s[j] != ')' {
		return 0, 0, false
	}
	w, err := strconv.ParseFloat(num.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, 0, false
	}
	return w, j + 1, true
}

// decimalValue is the value of a Unicode decimal digit (category Nd). Nd digits come in
// blocks of ten that start at zero, which the ranges of unicode.Nd keep aligned.
func decimalValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// mergeEqualWeights joins neighbours whose weights are equal (A1111's last loop).
func mergeEqualWeights(res []Span) []Span {
	out := res[:1]
	for _, s := range res[1:] {
		if last := &out[len(out)-1]; last.Weight == s.Weight {
			last.Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}
