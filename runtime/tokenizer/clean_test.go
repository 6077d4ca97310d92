package tokenizer

import "testing"

// Known values of Python's html.unescape(html.unescape(·)), whitespace_clean and str.lower
// (checked against CPython 3.11; the golden file repeats many of them end to end).
func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  A  Photo\tOf\n\nA   CAT  ", "a photo of a cat"},
		{"ideographic\u3000space\u00a0nbsp\u2009thin\u0085nel\vvt", "ideographic space nbsp thin nel vt"},
		{"\x1cstripped only at the ends\x1f", "stripped only at the ends"},
		{"in\x1cthe middle", "in\x1cthe middle"},
		{"&amp;amp; twice", "& twice"},
		{"&lt;b&gt; &quot;q&quot; &#39;a&#39;", "<b> \"q\" 'a'"},
		{"&#x263A; &#9731; &#X41;", "☺ ☃ a"},
		{"&copy 2024 &notit; &ampx", "© 2024 ¬it; &x"},
		{"&#0; &#128; &#x9F; &#13;", "\ufffd € ÿ"},
		{"&#xD800; &#1114112; &#99999999999999999999;", "\ufffd \ufffd \ufffd"},
		{"a&#1;b&#x7F;c&#xFFFE;d&#xFDD0;e", "abcde"},
		{"&#x; &; &#; &", "&#x; &; &#; &"},
		{"&nGt; &nLt;", "\u226b\u20d2 \u226a\u20d2"},
		{"İstanbul", "i\u0307stanbul"},
		{"ΟΔΥΣΣΕΥΣ ΣΑ.Σ Σ ΑΣ'", "οδυσσευς σα.ς σ ας'"},
		{"invalid \xff utf-8", "invalid \ufffd utf-8"},
	}
	for _, c := range cases {
		if got := cleanText(c.in); got != c.want {
			t.Errorf("cleanText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The byte table is a bijection onto 256 distinct runes and byteVocabOrder is a permutation
// with the printable bytes first, as bytes_to_unicode builds it.
func TestByteTable(t *testing.T) {
	seen := map[rune]bool{}
	for b := 0; b < 256; b++ {
		r := byteRune(byte(b))
		back, ok := runeByte(r)
		if !ok || back != byte(b) || seen[r] {
			t.Fatalf("byte %#x → %U → %#x (ok %v, repeated %v)", b, r, back, ok, seen[r])
		}
		seen[r] = true
		if printableByte(b) != (r == rune(b)) {
			t.Errorf("byte %#x maps to %U", b, r)
		}
	}
	order := byteVocabOrder()
	if len(order) != 256 || order[0] != '!' || order[187] != 0xFF || order[188] != 0 || order[255] != 0xAD {
		t.Fatalf("order starts %v, ends %v", order[:3], order[250:])
	}
	if _, ok := runeByte(0x144); ok {
		t.Error("U+0144 is beyond the table")
	}
}
