package prompt

import (
	"reflect"
	"testing"
)

// The first cases are the doctests of parse_prompt_attention (modules/prompt_parser.py); the
// weights of the last one are the products A1111 forms, in its order (1.3·1.1·1.1 and so on).
// The rest follow the same algorithm for the edges the doctests leave out.
func TestParseAttention(t *testing.T) {
	r := 1.1 // a variable, so the products are rounded per step as Python rounds them
	cases := []struct {
		in   string
		want []Span
	}{
		{"normal text", []Span{{"normal text", 1}}},
		{"an (important) word", []Span{{"an ", 1}, {"important", 1.1}, {" word", 1}}},
		{"(unbalanced", []Span{{"unbalanced", 1.1}}},
		{`\(literal\]`, []Span{{"(literal]", 1}}},
		{"(unnecessary)(parens)", []Span{{"unnecessaryparens", 1.1}}},
		{"a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", []Span{
			{"a ", 1}, {"house", 1.5730000000000004}, {" ", 1.1}, {"on", 1}, {" a ", 1.1},
			{"hill", 0.55}, {", sun, ", 1.1}, {"sky", 1.4641000000000006}, {".", 1.1}}},
		{"", []Span{{"", 1}}},
		{"[x]", []Span{{"x", 1 / r}}},
		{"((x))", []Span{{"x", r * r}}},
		{"(x:1.0)", []Span{{"x", 1}}},
		{"(x:-.5)", []Span{{"x", -0.5}}},
		{"a:1.5) b", []Span{{"a:1.5) b", 1}}},   // weight with no open bracket: text
		{"(a:1.2.3)", []Span{{"a:1.2.3", 1.1}}}, // float() would fail: colon kept as text
		{`a\b\\c`, []Span{{`ab\c`, 1}}},         // lone backslash dropped, \\ kept once
		{"a ) b ]", []Span{{"a ) b ]", 1}}},     // closers with nothing open are text
		{"(x:٣)", []Span{{"x", 3}}},             // \d and float() take Arabic-Indic digits
		{"a BREAK b", []Span{{"a", 1}, {"BREAK", -1}, {"b", 1}}},
		{"aBREAK b BREAKs", []Span{{"aBREAK b BREAKs", 1}}},
		{"a\n BREAK\tBREAK  b", []Span{{"a", 1}, {"BREAK", -1}, {"", 1}, {"BREAK", -1}, {"b", 1}}},
		{"(a BREAK b)", []Span{{"a", 1.1}, {"BREAK", -1.1}, {"b", 1.1}}},
		{"(a:-1)BREAK", []Span{{"a", -1}, {"", 1}, {"BREAK", -1}, {"", 1}}},
	}
	for _, c := range cases {
		if got := ParseAttention(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseAttention(%q)\n got %v\nwant %v", c.in, got, c.want)
		}
	}
}

func TestIsBreak(t *testing.T) {
	spans := ParseAttention("a BREAK b (c BREAK d)")
	var breaks int
	for _, s := range spans {
		if s.IsBreak() {
			breaks++
		}
	}
	if breaks != 1 {
		t.Fatalf("%v: %d BREAK markers, want 1 (a bracketed BREAK is text)", spans, breaks)
	}
}
