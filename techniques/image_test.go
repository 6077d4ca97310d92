package techniques_test

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

func writePNG(t *testing.T, path string, c color.Color) image.Image {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 12, 10))
	for i := 0; i < 12*10; i++ {
		img.Set(i%12, i/12, c)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return img
}

// An input image whose pixels changed since the session recorded them is refused in one
// line naming the key and the file; the right hash and no hash both load.
func TestImagePixelHash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.png")
	img := writePNG(t, path, color.NRGBA{200, 10, 10, 255})
	cfg := techniques.DefaultImageConfig()
	cfg.Path, cfg.SHA256 = path, session.ImageHash(img)
	if _, err := techniques.NewImage(cfg); err != nil {
		t.Fatalf("matching hash: %v", err)
	}
	cfg.SHA256 = ""
	if _, err := techniques.NewImage(cfg); err != nil {
		t.Fatalf("no hash: %v", err)
	}
	cfg.SHA256 = session.ImageHash(img)
	writePNG(t, path, color.NRGBA{10, 200, 10, 255})
	_, err := techniques.NewImage(cfg)
	var ce *techniques.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "image: path: ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("changed pixels: %v", err)
	}
	cfg.Path = filepath.Join(dir, "missing.png")
	if _, err := techniques.NewImage(cfg); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Fatalf("missing file: %v", err)
	}
}

// A1111 img2img infotext: "Denoising strength" and "Image CFG scale" come in; the block
// stays off because infotext never carries the picture.
func TestImageFromA1111Infotext(t *testing.T) {
	text := "a red circle\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512, Denoising strength: 0.45, Image CFG scale: 1.25"
	it, err := session.ParseA1111(text)
	if err != nil {
		t.Fatal(err)
	}
	s, notes := it.Session()
	c := techniques.ImageOf(&s.Params)
	if c == nil || c.Strength != 0.45 || c.ImageGuidance != 1.25 || c.Enabled {
		t.Fatalf("got %+v", c)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "--init-image") {
		t.Fatalf("no note says how to give the image: %q", notes)
	}
	it, _ = session.ParseA1111("x\nSteps: 20, Seed: 1, Denoising strength: 7")
	if s, _ := it.Session(); techniques.ImageOf(&s.Params) != nil {
		t.Fatal("a strength of 7 was imported")
	}
}

// Bad values in [image] are reported at their keys.
func TestImageBlockProblems(t *testing.T) {
	src := "version = 1\n[image]\npath = \"\"\nstrength = 1.5\nsha256 = \"xyz\"\npipeline = \"inpaint\"\n"
	_, err := session.Parse("s.toml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"image.strength", "image.sha256", "image.pipeline", "image.path"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem at %s in %v", want, err)
		}
	}
}
