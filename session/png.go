package session

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
)

// PNG text chunk keywords nudge writes.
const (
	ChunkSession    = "nudge"      // iTXt, uncompressed: the session TOML (Marshal)
	ChunkParameters = "parameters" // tEXt (iTXt when not Latin-1): A1111 infotext
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// EncodePNG writes img as a PNG (standard library encoder, default compression) carrying s:
// an iTXt chunk "nudge" with the session as rendered — s without its history and preview
// settings, which describe the studio rather than the image — and an A1111-compatible
// "parameters" text so other tools show the prompt and seed (A1111 reads the tEXt chunk
// "parameters"). Both chunks go before the first IDAT. The bytes are a deterministic function of
// img and s.
func EncodePNG(w io.Writer, img image.Image, s *Session) error {
	if err := s.Validate(); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return err
	}
	rendered := AsRendered(s)
	chunks := append(textChunk(ChunkSession, string(Marshal(rendered)), true),
		textChunk(ChunkParameters, FormatA1111(rendered), false)...)
	out, err := insertBeforeIDAT(buf.Bytes(), chunks)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// AsRendered is the session an image embeds: its parameters only.
func AsRendered(s *Session) *Session {
	return &Session{Version: s.Version, Params: s.Params}
}

// textChunk builds one complete chunk (length, type, data, CRC). Latin-1 text without
// control characters other than newline goes in tEXt unless forceUTF8; anything else in an
// uncompressed iTXt, as Pillow's PngInfo.add_text does.
func textChunk(keyword, text string, forceUTF8 bool) []byte {
	if latin1, ok := toLatin1(text); ok && !forceUTF8 {
		return chunk("tEXt", append([]byte(keyword+"\x00"), latin1...))
	}
	// keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated
	// keyword, NUL, UTF-8 text (PNG spec §11.3.4.5).
	data := append([]byte(keyword+"\x00\x00\x00\x00\x00"), text...)
	return chunk("iTXt", data)
}

func toLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

func chunk(typ string, data []byte) []byte {
	out := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(out, uint32(len(data)))
	copy(out[4:], typ)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// insertBeforeIDAT splices chunks into an encoded PNG just before its first IDAT.
func insertBeforeIDAT(file, chunks []byte) ([]byte, error) {
	pos := len(pngSignature)
	for pos+8 <= len(file) {
		n := int(binary.BigEndian.Uint32(file[pos:]))
		if string(file[pos+4:pos+8]) == "IDAT" {
			out := make([]byte, 0, len(file)+len(chunks))
			out = append(append(append(out, file[:pos]...), chunks...), file[pos:]...)
			return out, nil
		}
		pos += 12 + n
	}
	return nil, io.ErrUnexpectedEOF
}
