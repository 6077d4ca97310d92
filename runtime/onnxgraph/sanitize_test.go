package onnxgraph

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"down_blocks.0/attn1", "down_blocks.0/attn1"},
		{"red\x1b[31mtext\x1b[0m", "redtext"},
		{"title\x1b]0;owned\x07after", "titleafter"},
		{"st\x1b]8;;http://x\x1b\\link", "stlink"},
		{"c1\u009b2Jclear", "c1clear"},
		{"tab\tnew\nline\rcr\x00nul\x7fdel", "tabnewlinecrnuldel"},
		{"bidi\u202eevil\u2066", "bidievil"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"trailing escape\x1b", "trailing escape"},
		{"ünïcödé 猫", "ünïcödé 猫"},
	}
	for _, tc := range tests {
		if got := sanitize(tc.in); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
