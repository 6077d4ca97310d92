package session

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf8"
)

// ReadPNGText returns the text chunks (tEXt, zTXt, iTXt) of a PNG, keyed by keyword; the
// first chunk with a keyword wins. It reads chunk by chunk, never decoding pixels, so a PNG
// whose image data is cut off still gives up its metadata: on a truncated or damaged file it
// returns the texts read before the damage together with an *InputError. Chunks whose
// contents are malformed are skipped.
func ReadPNGText(r io.Reader) (map[string]string, error) {
	return readPNGText(r, MaxPNGTextBytes)
}

// readPNGText is ReadPNGText with the total text budget as a parameter, for the fuzz test.
func readPNGText(r io.Reader, budget int64) (map[string]string, error) {
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(r, sig); err != nil || !bytes.Equal(sig, pngSignature) {
		return nil, &InputError{What: "not a PNG file (bad signature)", Hint: "give a .png image or a session .toml"}
	}
	texts := map[string]string{}
	offset := int64(len(pngSignature))
	for {
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return texts, truncated(offset)
		}
		n := int64(binary.BigEndian.Uint32(head[:4]))
		typ := string(head[4:])
		if n > 1<<31-1 {
			return texts, &InputError{What: fmt.Sprintf("damaged PNG: chunk at byte %d claims %d bytes", offset, n)}
		}
		if typ == "IEND" {
			if _, err := io.CopyN(io.Discard, r, n+4); err != nil {
				return texts, truncated(offset)
			}
			return texts, nil
		}
		if err := readChunk(r, head, n, offset, texts, &budget); err != nil {
			return texts, err
		}
		offset += 12 + n
	}
}

// readChunk consumes one chunk's data and CRC, decoding it into texts if it is text. Every
// text chunk's stored and decompressed bytes come out of budget, duplicates included.
func readChunk(r io.Reader, head [8]byte, n, offset int64, texts map[string]string, budget *int64) error {
	typ := string(head[4:])
	if typ != "tEXt" && typ != "zTXt" && typ != "iTXt" {
		if _, err := io.CopyN(io.Discard, r, n+4); err != nil {
			return truncated(offset)
		}
		return nil
	}
	if n > MaxPNGTextBytes {
		return &InputError{What: fmt.Sprintf("%s chunk at byte %d is %d bytes, over the %d MiB limit", typ, offset, n, MaxPNGTextBytes>>20)}
	}
	if *budget -= n; *budget < 0 {
		return textOverBudget(offset)
	}
	data := make([]byte, n+4)
	if _, err := io.ReadFull(r, data); err != nil {
		return truncated(offset)
	}
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data[:n])
	if crc.Sum32() != binary.BigEndian.Uint32(data[n:]) {
		return &InputError{What: fmt.Sprintf("damaged PNG: %s chunk at byte %d has a bad CRC", typ, offset)}
	}
	k, v, err := decodeText(typ, data[:n], *budget)
	if errors.Is(err, errTextTooLarge) {
		return textOverBudget(offset)
	}
	if err == nil {
		// Latin-1 grows up to twice in UTF-8, so the budget is charged what is kept.
		if *budget -= int64(len(v)); *budget < 0 {
			return textOverBudget(offset)
		}
		if _, seen := texts[k]; !seen {
			texts[k] = v
		}
	}
	return nil
}

func textOverBudget(offset int64) error {
	return &InputError{What: fmt.Sprintf("PNG text chunks hold more than %d MiB in all (at byte %d)", MaxPNGTextBytes>>20, offset),
		Hint: "this is not metadata nudge or A1111 writes"}
}

func truncated(offset int64) error {
	return &InputError{What: fmt.Sprintf("PNG is truncated (cut off after byte %d)", offset),
		Hint: "the file was not completely written or downloaded"}
}

var (
	errBadText      = errors.New("malformed text chunk")
	errTextTooLarge = errors.New("text chunk decompresses beyond the limit")
)

// decodeText decodes a text chunk's data (PNG spec §11.3.4); compressed text may inflate
// to at most limit bytes.
func decodeText(typ string, data []byte, limit int64) (string, string, error) {
	keyword, rest, ok := bytes.Cut(data, []byte{0})
	if !ok || len(keyword) == 0 || len(keyword) > 79 {
		return "", "", errBadText
	}
	key := latin1ToUTF8(keyword)
	switch typ {
	case "tEXt":
		return key, latin1ToUTF8(rest), nil
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return "", "", errBadText
		}
		text, err := inflate(rest[1:], limit)
		if err != nil {
			return "", "", err
		}
		return key, latin1ToUTF8(text), nil
	}
	if len(rest) < 2 || rest[1] != 0 {
		return "", "", errBadText
	}
	compressed := rest[0] == 1
	_, rest, ok1 := bytes.Cut(rest[2:], []byte{0}) // language tag
	_, text, ok2 := bytes.Cut(rest, []byte{0})     // translated keyword
	if !ok1 || !ok2 {
		return "", "", errBadText
	}
	if compressed {
		var err error
		if text, err = inflate(text, limit); err != nil {
			return "", "", err
		}
	}
	return key, string(bytes.ToValidUTF8(text, []byte("\uFFFD"))), nil
}

// inflate decompresses zlib data, refusing output beyond limit (a zip bomb).
func inflate(data []byte, limit int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if int64(len(out)) > limit {
		return nil, errTextTooLarge
	}
	if err != nil {
		return nil, errBadText
	}
	return out, nil
}

// latin1ToUTF8 converts Latin-1 text (PNG spec §11.3.4.3) to UTF-8, at most two bytes a
// character, without the 4-byte-per-character []rune detour.
func latin1ToUTF8(b []byte) string {
	out := make([]byte, 0, len(b)+len(b)/4)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}
