package preview

import (
	"errors"
	"flag"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// sceneImage is a deterministic photo-like picture: smooth gradients, a few discs with soft
// edges and a little grain, standing in for a late diffusion step.
func sceneImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 40 + 180*fy
			g := 90 + 100*math.Sin(3*fx+1)
			b := 200 - 150*fx*fy
			for _, d := range [][4]float64{{0.3, 0.4, 0.15, 1}, {0.7, 0.6, 0.2, -1}} {
				dist := math.Hypot(fx-d[0], fy-d[1]) / d[2]
				k := 1 / (1 + math.Exp(12*(dist-1)))
				r, g, b = r+d[3]*70*k, g+d[3]*50*k, b-d[3]*60*k
			}
			n := rng.NormFloat64()
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = clampByte(r+n), clampByte(g+n), clampByte(b+n), 255
		}
	}
	return m
}

// noiseImage is uniform random colour, the worst case: early diffusion steps look like it.
func noiseImage(w, h int, seed uint64) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < len(m.Pix); i += 4 {
		v := rng.Uint32()
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = byte(v), byte(v>>8), byte(v>>16), 255
	}
	return m
}

func clampByte(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s missing (run go test -run %s -update): %v", path, t.Name(), err)
	}
	if string(got) != string(want) {
		t.Errorf("%s: output differs from golden file (%d vs %d bytes); if the change is intended, rerun with -update and review the diff", name, len(got), len(want))
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
