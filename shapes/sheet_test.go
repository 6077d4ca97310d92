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

var sheetPath = flag.String("sheet", "", "write a 4×4 contact sheet of samples to this PNG (e.g. ../docs/shapes-world-samples.png)")

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
		return
	}
	tmp := filepath.Join(filepath.Dir(*sheetPath), ".sheet.tmp")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, *sheetPath); err != nil {
		t.Fatal(err)
	}
	for i, c := range captions {
		t.Logf("%2d %s", i+1, c)
	}
}
