package contactsheet

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

// inkIn counts black pixels in r.
func inkIn(img *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == ink {
				n++
			}
		}
	}
	return n
}

func TestComposePlacesCellsAndLabels(t *testing.T) {
	colours := []color.RGBA{{200, 0, 0, 255}, {0, 200, 0, 255}, {0, 0, 200, 255}, {200, 200, 0, 255}, {0, 200, 200, 255}, {90, 90, 90, 255}}
	var cells []image.Image
	for _, c := range colours {
		cells = append(cells, solid(32, 24, c))
	}
	s := Sheet{Caption: "x: guidance  y: seed", ColLabels: []string{"3", "5", "7.5"}, RowLabels: []string{"1", "2"}, Cells: cells}
	img, err := s.Compose()
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.Plan()
	if want := image.Pt(max(l.Left+3*32, TextWidth(s.Caption)+2*margin), l.Top+2*24); img.Bounds().Size() != want {
		t.Fatalf("size %v, want %v", img.Bounds().Size(), want)
	}
	for i, c := range colours {
		r := l.CellRect(i%3, i/3)
		if got := img.RGBAAt(r.Min.X, r.Min.Y); got != c {
			t.Errorf("cell %d top-left %v, want %v", i, got, c)
		}
		if got := img.RGBAAt(r.Max.X-1, r.Max.Y-1); got != c {
			t.Errorf("cell %d bottom-right %v, want %v", i, got, c)
		}
	}
	labelBand := image.Rect(0, 0, img.Bounds().Dx(), l.Top)
	if inkIn(img, labelBand) == 0 {
		t.Error("no label ink above the cells")
	}
	if inkIn(img, image.Rect(0, l.Top, l.Left, img.Bounds().Dy())) == 0 {
		t.Error("no row-label ink left of the cells")
	}
}

func TestPlanRejects(t *testing.T) {
	a, b := solid(8, 8, color.RGBA{A: 255}), solid(8, 9, color.RGBA{A: 255})
	for _, tc := range []struct {
		name string
		s    Sheet
		want string
	}{
		{"no columns", Sheet{}, "no columns"},
		{"count", Sheet{ColLabels: []string{"a", "b"}, Cells: []image.Image{a}}, "1 pictures for 2×1"},
		{"sizes", Sheet{ColLabels: []string{"a", "b"}, Cells: []image.Image{a, b}}, "picture 1 is 8x9"},
	} {
		if _, err := tc.s.Compose(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The glyph for 'A' is the misc-fixed one: an apex, two legs and a bar on row 7.
func TestGlyphA(t *testing.T) {
	img := solid(GlyphW, GlyphH, background)
	DrawText(img, 0, 0, "A", GlyphW)
	var rows []string
	for y := range GlyphH {
		var b strings.Builder
		for x := range GlyphW {
			if img.RGBAAt(x, y) == ink {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		rows = append(rows, b.String())
	}
	want := []string{"......", "......", "..##..", ".#..#.", "#....#", "#....#", "#....#", "######", "#....#", "#....#", "#....#", "......", "......"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("glyph A:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestDrawTextCutsAtLimit(t *testing.T) {
	img := solid(100, GlyphH, background)
	DrawText(img, 0, 0, "guidance=7.5", 4*GlyphW)
	if inkIn(img, image.Rect(4*GlyphW, 0, 100, GlyphH)) != 0 {
		t.Error("text drawn past its limit")
	}
	cut := solid(GlyphW, GlyphH, background)
	DrawText(cut, 0, 0, "~", GlyphW)
	if inkIn(img, image.Rect(3*GlyphW, 0, 4*GlyphW, GlyphH)) != inkIn(cut, cut.Bounds()) {
		t.Error("the last glyph of cut text is not '~'")
	}
}
