package onnxgraph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sanitize makes text read from a model file safe to print on a terminal: it drops ANSI escape
// sequences (CSI, OSC and two-byte ESC forms), other control characters, and Unicode
// bidirectional overrides that could reorder what the user sees, and replaces invalid UTF-8
// with U+FFFD. Node and tensor names are untrusted input (a model file can name them anything).
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b:
			i += escapeLength(s[i:])
			continue
		case r == 0x9b:
			i += size + csiBodyLength(s[i+size:])
			continue
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// escapeLength is the byte length of the escape sequence that starts s (s[0] == ESC).
func escapeLength(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBodyLength(s[2:])
	case ']', 'P', '_', '^':
		return 2 + stringBodyLength(s[2:])
	default:
		return 2
	}
}

// csiBodyLength covers a CSI sequence's parameter bytes and its final byte (0x40–0x7E).
func csiBodyLength(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return len(s)
}

// stringBodyLength covers an OSC/DCS/APC/PM body up to BEL or ST (ESC \).
func stringBodyLength(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0x07 {
			return i + 1
		}
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
			return i + 2
		}
	}
	return len(s)
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
