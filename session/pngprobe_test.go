package session

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// HasSessionChunk agrees with what the full reader finds: our PNGs and A1111's have a
// session, a plain PNG and damaged bytes do not.
func TestHasSessionChunk(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var ours, plain bytes.Buffer
	if err := EncodePNG(&ours, img, Default()); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&plain, img); err != nil {
		t.Fatal(err)
	}
	a1111, err := insertBeforeIDAT(plain.Bytes(), textChunk(ChunkParameters, "a cat\nSteps: 20, Seed: 1", false))
	if err != nil {
		t.Fatal(err)
	}
	other, err := insertBeforeIDAT(plain.Bytes(), textChunk("Comment", "hello", false))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"nudge", ours.Bytes(), true},
		{"a1111", a1111, true},
		{"plain", plain.Bytes(), false},
		{"other text", other, false},
		{"truncated", ours.Bytes()[:40], false},
		{"not a png", []byte("hello world"), false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := HasSessionChunk(bytes.NewReader(c.data)); got != c.want {
				t.Fatalf("HasSessionChunk = %v, want %v", got, c.want)
			}
		})
	}
}

// FuzzHasSessionChunk: any bytes give an answer without a panic, and a true answer means the
// bytes hold a session keyword ending in the text chunk's NUL separator.
func FuzzHasSessionChunk(f *testing.F) {
	var ours bytes.Buffer
	if err := EncodePNG(&ours, image.NewRGBA(image.Rect(0, 0, 2, 2)), Default()); err != nil {
		f.Fatal(err)
	}
	f.Add(ours.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x05tEXtpar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if HasSessionChunk(bytes.NewReader(data)) &&
			!bytes.Contains(data, []byte(ChunkSession+"\x00")) && !bytes.Contains(data, []byte(ChunkParameters+"\x00")) {
			t.Fatalf("a session chunk reported in %q", data)
		}
	})
}
