package session

import "testing"

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text, 猫 🙂", "plain text, 猫 🙂"},
		{"keep\nnewlines\tand tabs", "keep\nnewlines\tand tabs"},
		{"red \x1b[31mtext\x1b[0m", "red text"},
		{"clear\x1b[2J\x1b[H", "clear"},
		{"title \x1b]0;pwned\x07 after", "title  after"},
		{"clip \x1b]52;c;aGVsbG8=\x1b\\ after", "clip  after"},
		{"dcs \x1bP1$r0m\x1b\\ end", "dcs  end"},
		{"apc \x1b_Gf=100;AAAA\x1b\\ kitty", "apc  kitty"},
		{"c1 csi \u009b31m red", "c1 csi  red"},
		{"c1 osc \u009d0;t\u009c done", "c1 osc  done"},
		{"esc charset \x1b(B ok", "esc charset  ok"},
		{"RIS \x1bc ok", "RIS  ok"},
		{"bell\a cr\r bs\b del\x7f nul\x00", "bell cr bs del nul"},
		{"unterminated \x1b]0;title", "unterminated "},
		{"trailing esc \x1b", "trailing esc "},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, c := range cases {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
