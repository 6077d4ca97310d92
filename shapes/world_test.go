package shapes

import (
	"image/color"
	"math"
	"testing"
)

func TestPaletteSeparated(t *testing.T) {
	minD := math.Inf(1)
	for i, a := range AllColours {
		for _, b := range AllColours[:i] {
			if d := DeltaE(LabOf(a.RGB()), LabOf(b.RGB())); d < minD {
				minD = d
			}
		}
	}
	if minD < 40 {
		t.Errorf("closest two palette colours are ΔE %.1f apart; want ≥ 40", minD)
	}
	for _, b := range AllBgColours {
		if n := len(visibleColours(b)); n < 6 {
			t.Errorf("%s background shows only %d colours; want ≥ 6", b, n)
		}
	}
}

// TestLabKnownValues checks the conversion against published CIELAB values of sRGB primaries.
func TestLabKnownValues(t *testing.T) {
	cases := []struct {
		r, g, b uint8
		want    Lab
	}{
		{255, 255, 255, Lab{100, 0, 0}},
		{0, 0, 0, Lab{0, 0, 0}},
		{255, 0, 0, Lab{53.24, 80.09, 67.20}},
		{0, 255, 0, Lab{87.73, -86.18, 83.18}},
		{0, 0, 255, Lab{32.30, 79.19, -107.86}},
	}
	for _, c := range cases {
		got := LabOf(rgba(c.r, c.g, c.b))
		if DeltaE(got, c.want) > 0.1 {
			t.Errorf("Lab(%d,%d,%d) = %.2f, want %.2f", c.r, c.g, c.b, got, c.want)
		}
	}
}

// TestAreaFactors recomputes each shape's area and extent on a fine grid of the local square.
func TestAreaFactors(t *testing.T) {
	const n = 2000
	for _, s := range AllShapes {
		l := s.outline()
		inside, maxR := 0, 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				u, v := -1+2*(float64(i)+0.5)/n, -1+2*(float64(j)+0.5)/n
				if l.inside(u, v) {
					inside++
					maxR = math.Max(maxR, math.Hypot(u, v))
				}
			}
		}
		area := float64(inside) * 4 / (n * n)
		if math.Abs(area-s.AreaFactor()) > 0.003*s.AreaFactor() {
			t.Errorf("%s: grid area %.4f, AreaFactor %.4f", s, area, s.AreaFactor())
		}
		if maxR > s.Extent()+2.0/n || maxR < s.Extent()-0.05 {
			t.Errorf("%s: farthest inside point %.3f, Extent %.3f", s, maxR, s.Extent())
		}
	}
}

func TestNearestPosition(t *testing.T) {
	for _, p := range AllPositions {
		x, y := p.Anchor()
		for _, d := range [][2]float64{{0, 0}, {positionJitter, positionJitter}, {-positionJitter, positionJitter}} {
			if got := NearestPosition(x+d[0], y+d[1]); got != p {
				t.Errorf("NearestPosition(anchor of %s + %v) = %s", p, d, got)
			}
		}
	}
}

func TestRNGUniform(t *testing.T) {
	r := newRNG(7)
	var counts [10]int
	for i := 0; i < 100000; i++ {
		counts[r.intn(10)]++
	}
	for d, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("intn(10) gave %d %d times in 100000 draws", d, c)
		}
	}
}

func rgba(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }

// TestSRGBTables checks the table encoder against the direct formula on a fine grid.
func TestSRGBTables(t *testing.T) {
	tab := newSRGBTables()
	for i := 0; i <= 100000; i++ {
		v := float64(i) / 100000
		want := v * 12.92
		if v > 0.0031308 {
			want = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		w := uint8(math.Round(want * 255))
		if got := tab.encode(v); got != w && math.Abs(want*255-math.Floor(want*255)-0.5) > 1e-6 {
			t.Fatalf("encode(%g) = %d, want %d", v, got, w)
		}
	}
	for c := 0; c < 256; c++ {
		if got := tab.encode(tab.toLinear[c]); int(got) != c {
			t.Errorf("round trip of %d gives %d", c, got)
		}
	}
}
