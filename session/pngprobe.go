package session

import (
	"bytes"
	"encoding/binary"
	"io"
)

// maxProbeChunks bounds how many chunks HasSessionChunk walks before giving up: a PNG with
// thousands of tiny chunks before its pixels is not one nudge or A1111 wrote.
const maxProbeChunks = 64

// HasSessionChunk reports whether the PNG read by r carries parameters that Import can
// turn into a session: nudge's "nudge" chunk or A1111's "parameters" text. It reads only
// chunk headers and the first bytes of text chunks before the first IDAT (both nudge and
// A1111 write their text there), seeking past everything else, so a folder of images can be
// listed without reading their pixels. Anything malformed is simply false.
func HasSessionChunk(r io.ReadSeeker) bool {
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(r, sig); err != nil || !bytes.Equal(sig, pngSignature) {
		return false
	}
	for range maxProbeChunks {
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return false
		}
		n := int64(binary.BigEndian.Uint32(head[:4]))
		typ := string(head[4:])
		if typ == "IDAT" || typ == "IEND" || n > 1<<31-1 {
			return false
		}
		read := int64(0)
		if typ == "tEXt" || typ == "iTXt" || typ == "zTXt" {
			kw := make([]byte, min(n, int64(len(ChunkParameters))+1))
			if _, err := io.ReadFull(r, kw); err != nil {
				return false
			}
			read = int64(len(kw))
			if k, _, ok := bytes.Cut(kw, []byte{0}); ok && (string(k) == ChunkSession || string(k) == ChunkParameters) {
				return true
			}
		}
		if _, err := r.Seek(n-read+4, io.SeekCurrent); err != nil {
			return false
		}
	}
	return false
}
