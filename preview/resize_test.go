package preview

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// TestResizeBoxAverage compares against a float64 box filter over the same source spans.
func TestResizeBoxAverage(t *testing.T) {
	src := noiseImage(37, 23, 8)
	for _, size := range [][2]int{{10, 7}, {37, 23}, {1, 1}, {36, 5}} {
		got := Resize(src, size[0], size[1])
		for y := range size[1] {
			for x := range size[0] {
				x0, x1 := float64(x*37/size[0]), float64(max((x+1)*37/size[0], x*37/size[0]+1))
				y0, y1 := float64(y*23/size[1]), float64(max((y+1)*23/size[1], y*23/size[1]+1))
				for ch := range 4 {
					var sum float64
					for sy := int(y0); sy < int(y1); sy++ {
						for sx := int(x0); sx < int(x1); sx++ {
							sum += float64(src.Pix[src.PixOffset(sx, sy)+ch])
						}
					}
					want := sum / ((x1 - x0) * (y1 - y0))
					if d := math.Abs(float64(got.Pix[got.PixOffset(x, y)+ch]) - want); d > 0.5001 {
						t.Fatalf("%v (%d,%d) ch %d: %d vs %.2f", size, x, y, ch, got.Pix[got.PixOffset(x, y)+ch], want)
					}
				}
			}
		}
	}
}

func TestResizeNearestUpscale(t *testing.T) {
	src := noiseImage(3, 2, 1)
	got := Resize(src, 9, 4)
	for y := range 4 {
		for x := range 9 {
			if got.RGBAAt(x, y) != src.RGBAAt(x/3, y/2) {
				t.Fatalf("(%d,%d) is not source pixel (%d,%d)", x, y, x/3, y/2)
			}
		}
	}
}

func TestResizeOtherImageTypes(t *testing.T) {
	src := image.NewNRGBA(image.Rect(5, 5, 9, 7)) // offset bounds, non-premultiplied
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	got := Resize(src, 2, 1)
	want := color.RGBAModel.Convert(color.NRGBA{200, 200, 200, 200}).(color.RGBA)
	if got.RGBAAt(0, 0) != want || got.RGBAAt(1, 0) != want {
		t.Errorf("got %v, want %v", got.RGBAAt(0, 0), want)
	}
}

func TestFitLayout(t *testing.T) {
	tests := []struct {
		name                   string
		imgW, imgH, cols, rows int
		cellW, cellH           int
		g                      grid
		want                   layout
		fails                  bool
	}{
		{"square into wide pane, pixels", 512, 512, 80, 20, 10, 20, grid{10, 20}, layout{400, 400, 40, 20}, false},
		{"square, half blocks", 512, 512, 80, 20, 10, 20, grid{1, 2}, layout{40, 40, 40, 20}, false},
		{"wide image, tall pane", 200, 100, 10, 50, 10, 20, grid{10, 20}, layout{100, 50, 10, 3}, false},
		{"quadrants", 100, 100, 10, 10, 8, 16, grid{2, 2}, layout{20, 10, 10, 5}, false}, // 80×80 px of 4×8-px quadrants
		{"zero cells", 10, 10, 0, 0, 10, 20, grid{1, 2}, layout{}, true},
		{"empty image", 0, 10, 5, 5, 10, 20, grid{1, 2}, layout{}, true},
		{"huge pane is capped", 10, 10, 100000, 100000, 256, 512, grid{256, 512}, layout{4096, 4096, 16, 8}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fitLayout(tc.imgW, tc.imgH, tc.cols, tc.rows, tc.cellW, tc.cellH, tc.g)
			if (err != nil) != tc.fails || (!tc.fails && got != tc.want) {
				t.Errorf("got %+v, %v; want %+v (fails %v)", got, err, tc.want, tc.fails)
			}
		})
	}
}
