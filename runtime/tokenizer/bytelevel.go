package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// GPT-2's reversible byte-to-unicode table, which CLIP reuses (bytes_to_unicode in
// simple_tokenizer.py): the 188 printable Latin-1 bytes map to themselves and the other 68
// (0x00–0x20, 0x7F–0xA0, 0xAD) to U+0100 upwards in byte order, so every byte string becomes a
// printable string that BPE can work on. The table is arithmetic, so it needs no state.

// printableByte reports whether b maps to itself in the table.
func printableByte(b int) bool {
	return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
}

// byteRune is the table's rune for byte b.
func byteRune(b byte) rune {
	switch {
	case b <= 0x20:
		return 256 + rune(b)
	case b >= 0x7F && b <= 0xA0:
		return 256 + 33 + rune(b-0x7F)
	case b == 0xAD:
		return 256 + 67
	}
	return rune(b)
}

// runeByte inverts byteRune; ok is false for runes outside the table.
func runeByte(r rune) (b byte, ok bool) {
	switch {
	case r < 256:
		return byte(r), printableByte(int(r))
	case r <= 256+0x20:
		return byte(r - 256), true
	case r <= 256+66:
		return byte(r-256-33) + 0x7F, true
	case r == 256+67:
		return 0xAD, true
	}
	return 0, false
}

// byteVocabOrder lists the 256 bytes in the order CLIP numbers their symbols: the printable
// ones first, then the rest, each group in byte order.
func byteVocabOrder() []byte {
	order := make([]byte, 0, 256)
	for b := 0; b < 256; b++ {
		if printableByte(b) {
			order = append(order, byte(b))
		}
	}
	for b := 0; b < 256; b++ {
		if !printableByte(b) {
			order = append(order, byte(b))
		}
	}
	return order
}

// byteLevelString maps every byte of s to its table rune.
func byteLevelString(s string) string {
	var sb strings.Builder
	sb.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		sb.WriteRune(byteRune(s[i]))
	}
	return sb.String()
}

// fromByteLevel maps a byte-level string back to the bytes it stands for. Runes outside the
// table (only foreign vocabularies have them) are kept as their UTF-8 encoding.
func fromByteLevel(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if b, ok := runeByte(r); ok {
			sb.WriteByte(b)
			continue
		}
		var buf [utf8.UTFMax]byte
		sb.Write(buf[:utf8.EncodeRune(buf[:], r)])
	}
	return sb.String()
}
