package session

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// zTXtChunk compresses text into a zTXt chunk under keyword.
func zTXtChunk(keyword string, text []byte) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(text)
	zw.Close()
	return chunk("zTXt", append([]byte(keyword+"\x00\x00"), z.Bytes()...))
}

// pngWithChunks is a valid 4×4 PNG (no metadata) with extra chunks before its image data.
func pngWithChunks(t testing.TB, chunks []byte) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(4, 4, 1)); err != nil {
		t.Fatal(err)
	}
	out, err := insertBeforeIDAT(buf.Bytes(), chunks)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The repro, scaled: 300 zTXt chunks of 1 MiB of Latin-1 text each (a 9.5 MB PNG of
// 32 MiB chunks drove import to 4.2 GB). Reading stops once the texts pass the total limit,
// with one line, having allocated a bounded amount.
func TestReadPNGTextBoundsTheTotal(t *testing.T) {
	one := zTXtChunk("junk", bytes.Repeat([]byte{0xe9}, 1<<20))
	path := filepath.Join(t.TempDir(), "many.png")
	if err := os.WriteFile(path, pngWithChunks(t, bytes.Repeat(one, 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := Import(path)
	runtime.ReadMemStats(&after)
	var ie *InputError
	if !errors.As(err, &ie) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("import: got %v, want one line", err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	if _, err := ReadPNGText(f); err == nil || !strings.Contains(err.Error(), "in all") {
		t.Fatalf("read: got %v, want the total refused", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 120<<20 {
		t.Fatalf("reading allocated %d MB", grew>>20)
	}
}

// Latin-1 text converts to UTF-8 (é is two bytes), the ASCII part unchanged.
func TestLatin1ToUTF8(t *testing.T) {
	if got := latin1ToUTF8([]byte("caf\xe9 \xff")); got != "café ÿ" {
		t.Fatalf("got %q", got)
	}
}

// FuzzPNGTextTotal: whatever the chunks (count, size, compression, repeated keywords), the
// texts returned never add up to more than the budget, and errors are *InputError.
func FuzzPNGTextTotal(f *testing.F) {
	f.Add(uint8(3), uint16(500), uint8(0), []byte("k"))
	f.Add(uint8(40), uint16(4000), uint8(1), []byte("parameters"))
	f.Add(uint8(2), uint16(60000), uint8(2), []byte("nudge"))
	const budget = 16 << 10
	f.Fuzz(func(t *testing.T, count uint8, size uint16, kind uint8, key []byte) {
		if len(key) == 0 || len(key) > 79 || bytes.IndexByte(key, 0) >= 0 {
			return
		}
		text := bytes.Repeat([]byte{'a', 0xe9}, int(size)/2)
		var chunks []byte
		for i := range int(count) {
			k := string(key)
			if kind&4 != 0 {
				k += string(rune('a' + i%26))
			}
			switch kind % 3 {
			case 0:
				chunks = append(chunks, chunk("tEXt", append([]byte(k+"\x00"), text...))...)
			case 1:
				chunks = append(chunks, zTXtChunk(k, text)...)
			default:
				chunks = append(chunks, chunk("iTXt", append([]byte(k+"\x00\x00\x00\x00\x00"), text...))...)
			}
		}
		texts, err := readPNGText(bytes.NewReader(pngWithChunks(t, chunks)), budget)
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		total := 0
		for k, v := range texts {
			total += len(k) + len(v)
		}
		if total > budget+79*len(texts) {
			t.Fatalf("texts total %d bytes, budget %d", total, budget)
		}
	})
}
