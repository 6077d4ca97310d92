package session

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"testing"
)

func testImage(w, h int, seed uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*7) + seed, uint8(y * 13), seed ^ uint8(x+y), 255})
		}
	}
	return img
}

// crcBitwise is CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) computed bit by bit,
// independently of hash/crc32's tables.
func crcBitwise(data []byte) uint32 {
	crc := ^uint32(0)
	for _, b := range data {
		crc ^= uint32(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xEDB88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

type rawChunk struct {
	typ  string
	data []byte
}

// walkChunks splits a PNG into chunks, checking each CRC with crcBitwise.
func walkChunks(t *testing.T, file []byte) []rawChunk {
	t.Helper()
	var out []rawChunk
	for pos := 8; pos < len(file); {
		n := int(binary.BigEndian.Uint32(file[pos:]))
		typ, data := string(file[pos+4:pos+8]), file[pos+8:pos+8+n]
		if got := binary.BigEndian.Uint32(file[pos+8+n:]); got != crcBitwise(file[pos+4:pos+8+n]) {
			t.Fatalf("%s chunk CRC %08x is wrong", typ, got)
		}
		out = append(out, rawChunk{typ, data})
		pos += 12 + n
	}
	return out
}

func encodeTest(t *testing.T, img image.Image, s *Session) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodePNG(&buf, img, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodePNG(t *testing.T) {
	cases := []struct {
		name, prompt, paramsChunk string
	}{
		{"ascii", "a lighthouse, oil", "tEXt"},
		{"latin1", "café au lait", "tEXt"},
		{"cjk", "猫 and 🙂", "iTXt"},
		{"tab", "a\tb", "iTXt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fullSession()
			s.Prompt = c.prompt
			img := testImage(24, 16, 3)
			file := encodeTest(t, img, s)
			if !bytes.Equal(file, encodeTest(t, img, s)) {
				t.Fatal("EncodePNG is not deterministic")
			}
			chunks := walkChunks(t, file)
			var order []string
			for _, ch := range chunks {
				order = append(order, ch.typ)
			}
			want := []string{"IHDR", "iTXt", c.paramsChunk, "IDAT", "IEND"}
			if !reflect.DeepEqual(order, want) {
				t.Fatalf("chunk order %v, want %v", order, want)
			}
			if !bytes.HasPrefix(chunks[1].data, []byte("nudge\x00\x00\x00\x00\x00version = 1")) &&
				!bytes.Contains(chunks[1].data, []byte("\nversion = 1\n")) {
				t.Errorf("nudge iTXt layout wrong: %q", chunks[1].data[:40])
			}
			decoded, err := png.Decode(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if ImageHash(decoded) != ImageHash(img) {
				t.Fatal("pixels changed")
			}
			texts, err := ReadPNGText(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse("chunk", []byte(texts[ChunkSession]))
			if err != nil || !reflect.DeepEqual(back, AsRendered(s)) {
				t.Fatalf("nudge chunk does not give back the session: %v", err)
			}
			if texts[ChunkParameters] != FormatA1111(s) {
				t.Errorf("parameters chunk = %q, want %q", texts[ChunkParameters], FormatA1111(s))
			}
		})
	}
}

func TestEncodePNGRefusesInvalid(t *testing.T) {
	s := Default()
	s.Sampler.Steps = 0
	if err := EncodePNG(&bytes.Buffer{}, testImage(8, 8, 0), s); err == nil {
		t.Error("invalid session embedded")
	}
}

// TestReadPNGTextTruncated cuts a PNG at every length: never a panic; the metadata is
// returned once its chunks are complete, and every cut is reported.
func TestReadPNGTextTruncated(t *testing.T) {
	file := encodeTest(t, testImage(16, 16, 1), fullSession())
	metaEnd := bytes.Index(file, []byte("IDAT")) - 4
	for n := range len(file) {
		texts, err := ReadPNGText(bytes.NewReader(file[:n]))
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("cut at %d: want an *InputError, got %v", n, err)
		}
		if n >= metaEnd && texts[ChunkSession] == "" {
			t.Fatalf("cut at %d (after the metadata): session chunk lost", n)
		}
	}
	if _, err := ReadPNGText(bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
}

func TestReadPNGTextDamaged(t *testing.T) {
	file := encodeTest(t, testImage(8, 8, 1), Default())
	bad := bytes.Clone(file)
	bad[bytes.Index(bad, []byte("iTXt"))+10] ^= 1
	if _, err := ReadPNGText(bytes.NewReader(bad)); err == nil || !bytes.Contains([]byte(err.Error()), []byte("bad CRC")) {
		t.Errorf("damaged chunk: got %v", err)
	}
	if _, err := ReadPNGText(bytes.NewReader([]byte("GIF89a not a png"))); err == nil {
		t.Error("non-PNG accepted")
	}
	huge := append(bytes.Clone(file[:33]), 0x7f, 0xff, 0xff, 0xff, 't', 'E', 'X', 't')
	if _, err := ReadPNGText(bytes.NewReader(huge)); err == nil {
		t.Error("a 2 GB text chunk was accepted")
	}
}

// TestReadPNGTextKinds builds zTXt and compressed iTXt chunks by hand.
func TestReadPNGTextKinds(t *testing.T) {
	deflate := func(s string) []byte {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	file := encodeTest(t, testImage(8, 8, 1), Default())
	ihdrEnd := 8 + 12 + 13
	extra := append(chunk("zTXt", append([]byte("prompt\x00\x00"), deflate(`{"3": {"class_type": "KSampler"}}`)...)),
		chunk("iTXt", append([]byte("Comment\x00\x01\x00en\x00Kommentar\x00"), deflate("猫 comment")...))...)
	extra = append(extra, chunk("tEXt", []byte("Author\x00caf\xe9"))...)
	extra = append(extra, chunk("tEXt", []byte("no separator"))...)
	built := append(append(bytes.Clone(file[:ihdrEnd]), extra...), file[ihdrEnd:]...)
	texts, err := ReadPNGText(bytes.NewReader(built))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"prompt": `{"3": {"class_type": "KSampler"}}`, "Comment": "猫 comment", "Author": "café"}
	for k, v := range want {
		if texts[k] != v {
			t.Errorf("%s = %q, want %q", k, texts[k], v)
		}
	}
	if _, err := png.Decode(bytes.NewReader(built)); err != nil {
		t.Errorf("hand-built test PNG is invalid: %v", err)
	}
}

func TestImageHash(t *testing.T) {
	a := testImage(10, 6, 1)
	rgba := image.NewRGBA(a.Bounds())
	for y := range 6 {
		for x := range 10 {
			rgba.Set(x, y, a.At(x, y))
		}
	}
	if ImageHash(a) != ImageHash(rgba) {
		t.Error("same pixels in another image type hash differently")
	}
	b := testImage(10, 6, 1)
	b.SetNRGBA(9, 5, color.NRGBA{0, 0, 0, 254})
	if ImageHash(a) == ImageHash(b) {
		t.Error("one changed channel did not change the hash")
	}
	if ImageHash(testImage(6, 10, 1)) == ImageHash(testImage(10, 6, 1)) {
		t.Error("different shapes hash the same")
	}
}
