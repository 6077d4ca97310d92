package shapes

import (
	"bytes"
	"flag"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var sheetPath = flag.String("sheet", "", "write the 4×4 contact sheet of samples to this PNG (../docs/shapes-world-samples.png)")

// committedSheet is the contact sheet docs/shapes-world.md shows.
const committedSheet = "../docs/shapes-world-samples.png"

// contactSheet tiles 16 samples (seeds 1–16) with a 4-pixel gutter; every fourth one includes
// the held-out shapes so a reader sees all six.
func contactSheet(t *testing.T) (*image.RGBA, []string) {
	const n, side, gutter = 4, DefaultSize, 4
	w := n*side + (n+1)*gutter
	sheet := image.NewRGBA(image.Rect(0, 0, w, w))
	draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
	var captions []string
	for i := 0; i < n*n; i++ {
		s, err := Generate(uint64(i+1), Options{IncludeHeldOut: i%4 == 3})
		if err != nil {
			t.Fatal(err)
		}
		x, y := gutter+(i%n)*(side+gutter), gutter+(i/n)*(side+gutter)
		draw.Draw(sheet, image.Rect(x, y, x+side, y+side), s.Image, image.Point{}, draw.Src)
		captions = append(captions, s.Caption)
	}
	return sheet, captions
}

func TestContactSheet(t *testing.T) {
	sheet, captions := contactSheet(t)
	var buf bytes.Buffer
	if err := png.Encode(&buf, sheet); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 200<<10 {
		t.Errorf("contact sheet is %d bytes; keep it under 200 KB", buf.Len())
	}
	if *sheetPath == "" {
		assertCommittedSheet(t, sheet)
		return
	}
	f, err := os.CreateTemp(filepath.Dir(*sheetPath), ".sheet-*.png")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), *sheetPath)
	}
	if err != nil {
		os.Remove(f.Name())
		t.Fatal(err)
	}
	for i, c := range captions {
		t.Logf("%2d %s", i+1, c)
	}
}

// assertCommittedSheet keeps the documentation honest: the committed picture must be what the
// generator draws today.
func assertCommittedSheet(t *testing.T, sheet *image.RGBA) {
	f, err := os.Open(committedSheet)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != sheet.Bounds() {
		t.Fatalf("%s is %v, the sheet %v; rerun with -sheet %s", committedSheet, img.Bounds(), sheet.Bounds(), committedSheet)
	}
	for y := 0; y < sheet.Bounds().Dy(); y++ {
		for x := 0; x < sheet.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if c := sheet.RGBAAt(x, y); uint8(r>>8) != c.R || uint8(g>>8) != c.G || uint8(b>>8) != c.B {
				t.Fatalf("%s differs from the generator at (%d, %d); rerun with -sheet %s", committedSheet, x, y, committedSheet)
			}
		}
	}
}
