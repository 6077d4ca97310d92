package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePicture(t *testing.T, path string, w, h int, tint uint8) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), tint, uint8(y * 255 / h), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// img2img from the CLI: a picture of any size is fitted with a note, the render is recorded
// with the picture's pixel hash, `verify` reproduces it byte for byte, and refuses once the
// picture's pixels change.
func TestImg2ImgRecordAndVerify(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	writePicture(t, in, 100, 75, 40)
	sess := filepath.Join(dir, "s.toml")
	src := "version = 1\nprompt = \"a red circle\"\n[model]\npath = \"demo:tiny\"\n[sampler]\nscheduler = \"dpmpp_2m\"\nsteps = 6\n"
	if err := os.WriteFile(sess, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "o.png")
	code, stderr := nudge(t, "render", sess, "-o", out, "--record", "--init-image", in, "--strength", "0.5")
	if code != 0 {
		t.Fatalf("render: %d %q", code, stderr)
	}
	if b := decodeBounds(t, out); b.Dx() != 96 || b.Dy() != 64 {
		t.Fatalf("output is %v, want 96x64", b)
	}
	if data := string(mustRead(t, sess)); !strings.Contains(data, "[history.image]") || !strings.Contains(data, "strength = 0.5") {
		t.Fatalf("the history entry has no [image] block:\n%s", data)
	}
	if code, stderr := nudge(t, "verify", sess); code != 0 {
		t.Fatalf("verify: %d %s", code, stderr)
	}
	writePicture(t, in, 100, 75, 41)
	if code, _ := nudge(t, "verify", sess); code != 1 {
		t.Fatalf("verify with a changed input picture: exit %d, want 1", code)
	}
}

func decodeBounds(t *testing.T, path string) image.Rectangle {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return image.Rect(0, 0, cfg.Width, cfg.Height)
}

// Bad image input: one line, exit 2.
func TestImageBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not a picture"), 0o644)
	tiny := filepath.Join(dir, "one.png")
	writePicture(t, tiny, 1, 1, 0)
	o := filepath.Join(dir, "o.png")
	for _, args := range [][]string{
		{"render", "-o", o, "--init-image", bad, "--steps", "2"},
		{"render", "-o", o, "--init-image", filepath.Join(dir, "none.png"), "--steps", "2"},
		{"render", "-o", o, "--strength", "0.5", "--steps", "2"},
		{"render", "-o", o, "--init-image", tiny, "--strength", "1.5", "--steps", "2"},
		{"render", "-o", o, "--depth", tiny, "--steps", "2"},
	} {
		code, stderr := nudge(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
	// A 1×1 picture is fitted up to the smallest size the model takes.
	if code, stderr := nudge(t, "render", "-o", o, "--init-image", tiny, "--steps", "2"); code != 0 {
		t.Fatalf("1x1 input: %d %q", code, stderr)
	}
	if b := decodeBounds(t, o); b.Dx() != 32 || b.Dy() != 32 {
		t.Fatalf("1x1 input rendered at %v, want the tiny demo's smallest size 32x32", b)
	}
}
