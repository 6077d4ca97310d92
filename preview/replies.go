package preview

import (
	"bytes"
	"strconv"
)

// Replies is what a terminal answered to the start-up queries of detect.go.
type Replies struct {
	Kitty      bool   // answered the kitty `a=q` query
	KittyOK    bool   // … with OK
	KittyText  string // the answer's message, e.g. "OK" or "ENOTSUPPORTED:…"
	DA1        bool   // answered Primary Device Attributes (every VT100-class terminal does)
	DA1Attrs   []int  // its attributes; 4 means sixel graphics
	CellW      int    // cell size in pixels (CSI 16 t → CSI 6 ; h ; w t)
	CellH      int    //
	WinW, WinH int    // text area in pixels (CSI 14 t → CSI 4 ; h ; w t)
	Version    string // XTVERSION (CSI > 0 q → DCS > | text ST), e.g. "kitty(0.39.1)"
}

// Sixel reports DA1 attribute 4 (sixel graphics).
func (r Replies) Sixel() bool {
	for _, a := range r.DA1Attrs {
		if a == 4 {
			return true
		}
	}
	return false
}

// maxReplyField bounds numbers and strings taken from replies so that garbage cannot make
// us allocate or overflow.
const maxReplyField = 256

// ParseReplies reads every reply it recognises in buf and skips anything else, so noise,
// key presses typed during detection and truncated sequences are harmless.
func ParseReplies(buf []byte) Replies {
	var r Replies
	for i := 0; i < len(buf); i++ {
		if buf[i] != 0x1b || i+1 >= len(buf) {
			continue
		}
		switch buf[i+1] {
		case '_':
			i = parseAPC(buf, i+2, &r)
		case '[':
			i = parseCSI(buf, i+2, &r)
		case 'P':
			i = parseDCS(buf, i+2, &r)
		}
	}
	return r
}

// stringEnd finds the ST (ESC \) or BEL that ends a string sequence starting at i and
// returns the body and the index of the terminator's last byte. An ESC that does not start
// ST cancels the string, as in the DEC parser, so a broken reply cannot hide the ones after
// it: the body is nil and next points before that ESC. next is -1 if the buffer ends first.
func stringEnd(buf []byte, i int) (body []byte, next int) {
	for j := i; j < len(buf); j++ {
		if buf[j] == 0x07 {
			return buf[i:j], j
		}
		if buf[j] == 0x1b && j+1 < len(buf) {
			if buf[j+1] == '\\' {
				return buf[i:j], j + 1
			}
			return nil, j - 1
		}
	}
	return nil, -1
}

// parseAPC handles `ESC _ G i=31;OK ESC \` (graphics-protocol.rst "Querying support").
func parseAPC(buf []byte, i int, r *Replies) int {
	body, next := stringEnd(buf, i)
	if next < 0 {
		return len(buf)
	}
	if len(body) > 0 && body[0] == 'G' {
		if k := bytes.IndexByte(body, ';'); k >= 0 {
			r.Kitty = true
			r.KittyText = string(body[k+1 : min(len(body), k+1+maxReplyField)])
			r.KittyOK = bytes.HasPrefix(body[k+1:], []byte("OK"))
		}
	}
	return next
}

// parseDCS handles the XTVERSION reply `ESC P > | text ESC \`.
func parseDCS(buf []byte, i int, r *Replies) int {
	body, next := stringEnd(buf, i)
	if next < 0 {
		return len(buf)
	}
	if bytes.HasPrefix(body, []byte(">|")) {
		r.Version = string(body[2:min(len(body), 2+maxReplyField)])
	}
	return next
}

// parseCSI handles `CSI ? a;b;… c` (DA1) and `CSI 6;h;w t` / `CSI 4;h;w t` (window ops).
func parseCSI(buf []byte, i int, r *Replies) int {
	start := i
	for i < len(buf) && (buf[i] < 0x40 || buf[i] > 0x7e) {
		if buf[i] == 0x1b || i-start > maxReplyField {
			return i - 1 // malformed: let the outer loop look at this ESC again
		}
		i++
	}
	if i >= len(buf) {
		return len(buf)
	}
	params := buf[start:i]
	switch buf[i] {
	case 'c':
		if len(params) > 0 && params[0] == '?' {
			r.DA1 = true
			r.DA1Attrs = parseInts(params[1:])
		}
	case 't':
		windowOp(parseInts(params), r)
	}
	return i
}

func windowOp(p []int, r *Replies) {
	if len(p) != 3 || p[1] <= 0 || p[2] <= 0 {
		return
	}
	switch p[0] {
	case 6:
		r.CellH, r.CellW = p[1], p[2]
	case 4:
		r.WinH, r.WinW = p[1], p[2]
	}
}

// parseInts splits "1;2;4" into numbers; a field that is not a number in 0..1e6 becomes -1.
func parseInts(b []byte) []int {
	var out []int
	for _, f := range bytes.Split(b, []byte(";")) {
		n, err := strconv.Atoi(string(f))
		if err != nil || n < 0 || n > 1e6 {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

// hasDA1 reports whether buf holds a complete DA1 reply: the end marker of our queries,
// since terminals answer in order.
func hasDA1(buf []byte) bool { return ParseReplies(buf).DA1 }
