package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerify uses a stand-in renderer (the test is about the comparison around it): entry 0
// renders identically, entry 1 differs in one channel of one pixel by 9, entry 2 fails.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	base := testImage(8, 4, 5)
	changed := testImage(8, 4, 5)
	c := changed.NRGBAAt(3, 2)
	c.G += 9
	changed.SetNRGBA(3, 2, c)
	s := fullSession()
	var buf bytes.Buffer
	if err := EncodePNG(&buf, base, s); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "out/0001.png", buf.Bytes())
	snap := func(seed uint64, ort string) Snapshot {
		p := s.Params
		p.Noise.Seed, p.Runtime.ORTVersion = seed, ort
		return Snapshot{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Output: "out/0001.png", ImageSHA256: ImageHash(base), Params: p}
	}
	s.History = []Snapshot{snap(0, "1.30.0"), snap(1, "1.29.0"), snap(2, "1.30.0")}
	render := func(_ context.Context, sn Snapshot) (image.Image, error) {
		switch sn.Params.Noise.Seed {
		case 0:
			return base, nil
		case 1:
			return changed, nil
		}
		return nil, errors.New("model missing\x1b[2J")
	}
	var out bytes.Buffer
	env := Env{Fingerprint: "", ORTVersion: "1.30.0", Provider: "cpu", Precision: "fp32"}
	ok, err := Verify(context.Background(), s, VerifyOptions{Render: render, Env: env, Dir: dir}, &out)
	if err != nil || ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	wantMean := 9.0 / (8 * 4 * 4)
	text := out.String()
	for _, want := range []string{
		"entry  time                 result                max diff  mean diff\n",
		"0      2025-01-02 03:04:05  match                 0         0.0000\n",
		"1      2025-01-02 03:04:05  mismatch              9         " + fmt.Sprintf("%.4f", wantMean) + "\n",
		"      ORT version: recorded 1.29.0, now 1.30.0",
		"2      2025-01-02 03:04:05  error: model missing  -         -",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.ContainsRune(text, 0x1b) {
		t.Error("escape sequence reached the output")
	}
	s.History = s.History[:1]
	if ok, err := Verify(context.Background(), s, VerifyOptions{Render: render, Env: env, Dir: dir}, &out); !ok || err != nil {
		t.Errorf("all-matching history: ok=%v err=%v", ok, err)
	}
	s.History = nil
	if _, err := Verify(context.Background(), s, VerifyOptions{Render: render, Env: env}, &out); err == nil {
		t.Error("empty history verified")
	}
}

func TestPixelDiff(t *testing.T) {
	a := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	b := image.NewNRGBA(image.Rect(5, 5, 7, 6)) // other origin, same size
	a.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 255})
	b.SetNRGBA(5, 5, color.NRGBA{13, 20, 25, 255})
	d, ok := pixelDiff(a, b)
	// channels: |10-13|=3, 0, |30-25|=5, 0, and the second pixel: all zero except alpha 0 vs 0.
	if !ok || d.max != 5 || d.mean != 8.0/8 {
		t.Errorf("diff %+v %v", d, ok)
	}
	if _, ok := pixelDiff(a, image.NewNRGBA(image.Rect(0, 0, 1, 2))); ok {
		t.Error("different sizes compared")
	}
}
