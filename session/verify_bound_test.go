package session

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bombPNG is a 69-byte PNG declaring 60000×60000 RGBA pixels (14.4 GB decoded).
func bombPNG() []byte {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 60000), 60000)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0})
	zw.Close()
	out := append([]byte{}, pngSignature...)
	out = append(out, chunk("IHDR", append(ihdr, 8, 6, 0, 0, 0))...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// `nudge verify` decoded the saved output with no size check: this file was a fatal
// out-of-memory. Now the entry is still verified and the output reported as unreadable.
func TestVerifyRefusesHugeSavedOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bomb.png"), bombPNG(), 0o644); err != nil {
		t.Fatal(err)
	}
	img := testImage(8, 4, 5)
	s := fullSession()
	s.History = []Snapshot{{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Output: "bomb.png", ImageSHA256: ImageHash(img), Params: s.Params}}
	render := func(context.Context, Snapshot) (image.Image, error) { return img, nil }
	var out bytes.Buffer
	ok, err := Verify(context.Background(), s, VerifyOptions{Render: render, Dir: dir}, &out)
	if err != nil || !ok || !strings.Contains(out.String(), "too large") {
		t.Fatalf("ok=%v err=%v\n%s", ok, err, out.String())
	}
}
