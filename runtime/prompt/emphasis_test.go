package prompt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEmphasizeFloat64 recomputes EmphasisOriginal in float64 over a two-prompt batch: each
// value is z·w·(mean(z)/mean(z·w)), the mean taken over both rows.
func TestEmphasizeFloat64(t *testing.T) {
	const positions, width = 77, 8
	rng := rand.New(rand.NewPCG(1, 2))
	z := make([][]float32, 2)
	w := make([][]float64, 2)
	orig := make([][]float64, 2)
	for r := range z {
		z[r] = make([]float32, positions*width)
		orig[r] = make([]float64, positions*width)
		w[r] = make([]float64, positions)
		for i := range z[r] {
			z[r][i] = float32(rng.NormFloat64() + 0.3)
			orig[r][i] = float64(z[r][i])
		}
		for p := range w[r] {
			w[r][p] = 1
		}
	}
	w[0][3], w[0][4], w[1][10] = 1.5730000000000004, 1/1.1, 0.55
	Emphasize(z, w, width)
	var before, after float64
	for r := range orig {
		for i, v := range orig[r] {
			before += v
			after += v * w[r][i/width]
		}
	}
	ratio := before / after
	for r := range z {
		for i, got := range z[r] {
			want := orig[r][i] * w[r][i/width] * ratio
			if math.Abs(float64(got)-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Fatalf("row %d value %d: %g, float64 says %g", r, i, got, want)
			}
		}
	}
}

func TestEmphasizeOnesIsIdentity(t *testing.T) {
	z := [][]float32{{1.5, -2, 3.25, 0.1}}
	Emphasize(z, [][]float64{{1, 1}}, 2)
	for i, want := range []float32{1.5, -2, 3.25, 0.1} {
		if math.Float32bits(z[0][i]) != math.Float32bits(want) {
			t.Fatalf("value %d changed: %g", i, z[0][i])
		}
	}
}
