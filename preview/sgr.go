package preview

import "strconv"

// rgb is an opaque 24-bit colour.
type rgb [3]uint8

// sgrState writes truecolour SGR sequences only when the colour changes, which roughly
// halves the bytes of a block picture with smooth areas.
type sgrState struct {
	fg, bg       rgb
	hasFG, hasBG bool
}

func (s *sgrState) setFG(out []byte, c rgb) []byte {
	if s.hasFG && s.fg == c {
		return out
	}
	s.fg, s.hasFG = c, true
	return appendSGR(out, "\x1b[38;2;", c)
}

func (s *sgrState) setBG(out []byte, c rgb) []byte {
	if s.hasBG && s.bg == c {
		return out
	}
	s.bg, s.hasBG = c, true
	return appendSGR(out, "\x1b[48;2;", c)
}

// endLine resets attributes so nothing bleeds past the picture.
func (s *sgrState) endLine(out []byte) []byte {
	*s = sgrState{}
	return append(out, "\x1b[0m"...)
}

func appendSGR(out []byte, prefix string, c rgb) []byte {
	out = append(out, prefix...)
	out = strconv.AppendInt(out, int64(c[0]), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(c[1]), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(c[2]), 10)
	return append(out, 'm')
}

func pixelAt(pix []byte, i int) rgb { return rgb{pix[i], pix[i+1], pix[i+2]} }
