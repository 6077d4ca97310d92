package preview

import (
	"reflect"
	"testing"
)

func TestParseReplies(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Replies
	}{
		{"all", "\x1b_Gi=31;OK\x1b\\\x1b[6;21;10t\x1b[4;840;1000t\x1bP>|kitty(0.39.1)\x1b\\\x1b[?62;4;22c",
			Replies{Kitty: true, KittyOK: true, KittyText: "OK", DA1: true, DA1Attrs: []int{62, 4, 22}, CellW: 10, CellH: 21, WinW: 1000, WinH: 840, Version: "kitty(0.39.1)"}},
		{"BEL-terminated, error text", "\x1b_Gi=31;EINVAL:bad\a\x1b[?1;2c",
			Replies{Kitty: true, KittyText: "EINVAL:bad", DA1: true, DA1Attrs: []int{1, 2}}},
		{"keys typed in between", "abc\x1b[?1;2cxyz", Replies{DA1: true, DA1Attrs: []int{1, 2}}},
		{"non-DA1 c and bad window ops", "\x1b[>1;2c\x1b[6;0;10t\x1b[5;1;1t\x1b[6;1t", Replies{}},
		{"truncated", "\x1b_Gi=31;O", Replies{}},
		{"cancelled string", "\x1b_Gi=31;OK\x1b[?1c", Replies{DA1: true, DA1Attrs: []int{1}}},
		{"lone ESC", "\x1b", Replies{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseReplies([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// FuzzParseReplies: any bytes from the terminal parse without panicking, and a valid DA1
// reply appended after arbitrary garbage is still found (garbage cannot hide the end of
// detection and make it wait for the timeout).
func FuzzParseReplies(f *testing.F) {
	for _, s := range []string{
		"\x1b_Gi=31;OK\x1b\\\x1b[6;21;10t\x1bP>|kitty\x1b\\\x1b[?62;4c",
		"\x1b[?garbage\x1b_G;;\x1b[6;99999999;-1t\xff\xfe",
		"\x1b_G", "\x1bP>|", "\x1b[", "\x1b[?;;;;c", "\x1b[4;1;1t",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := ParseReplies(b)
		if r.CellW < 0 || r.CellH < 0 || r.WinW < 0 || len(r.Version) > maxReplyField || len(r.KittyText) > maxReplyField {
			t.Fatalf("out-of-range fields %+v", r)
		}
		withDA1 := append(append([]byte(nil), b...), "\x1b\\\x1b[?1;2c"...)
		if !ParseReplies(withDA1).DA1 {
			t.Fatalf("DA1 after %q not found", b)
		}
	})
}
