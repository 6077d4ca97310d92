package app

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/nudge-studio/nudge/shapes/evaluator"
)

// A black square on white: each boundary pixel sees a step of 1 over two pixels in one
// direction (0.5), corners in both (√0.5); a blurred copy scores lower.
func TestEdgeSharpnessKnownValues(t *testing.T) {
	const n = 12
	img := image.NewGray(image.Rect(0, 0, n, n))
	m := evaluator.Mask{W: n, H: n, On: make([]bool, n*n)}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			in := x >= 3 && x < 9 && y >= 3 && y < 9
			m.On[y*n+x] = in
			img.SetGray(x, y, color.Gray{Y: map[bool]uint8{true: 0, false: 255}[in]})
		}
	}
	// 20 boundary pixels of a 6×6 square: 16 edge pixels at 0.5, 4 corners at √(0.5²+0.5²).
	want := (16*0.5 + 4*math.Sqrt(0.5)) / 20
	if got := edgeSharpness(img, m); math.Abs(got-want) > 1e-9 {
		t.Fatalf("sharp square: %v, want %v", got, want)
	}
	soft := image.NewGray(img.Bounds())
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var s int
			for d := -1; d <= 1; d++ {
				s += int(img.GrayAt(min(max(x+d, 0), n-1), y).Y)
			}
			soft.SetGray(x, y, color.Gray{Y: uint8(s / 3)})
		}
	}
	if got := edgeSharpness(soft, m); !(got < want) {
		t.Errorf("a blurred square scores %v, not below the sharp %v", got, want)
	}
	if got := edgeSharpness(img, evaluator.Mask{W: n, H: n, On: make([]bool, n*n)}); got != 0 {
		t.Errorf("empty mask: %v", got)
	}
}
