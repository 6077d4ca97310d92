package preview

import "bytes"

// tmuxWrap appends seq to dst inside tmux's DCS passthrough, `ESC P tmux ; … ESC \`, with
// every ESC in seq doubled (tmux input.c; kitty's kittens/icat does the same). tmux
// forwards it to the outer terminal only with `set -g allow-passthrough on`.
func tmuxWrap(dst, seq []byte) []byte {
	dst = append(dst, "\x1bPtmux;"...)
	for {
		i := bytes.IndexByte(seq, 0x1b)
		if i < 0 {
			break
		}
		dst = append(dst, seq[:i+1]...)
		dst = append(dst, 0x1b)
		seq = seq[i+1:]
	}
	dst = append(dst, seq...)
	return append(dst, "\x1b\\"...)
}
