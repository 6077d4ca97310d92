package runtime

import (
	"math"
	"testing"
)

// TestUnscale checks the latents → VAE input map against diffusers' two forms: latents /
// scaling_factor, and latents · latents_std / scaling_factor + latents_mean per channel.
func TestUnscale(t *testing.T) {
	row := make([]float32, 4*6)
	for i := range row {
		row[i] = float32(i)*0.37 - 3
	}
	plain := &Model{ScalingFactor: 0.18215}
	for i, v := range plain.unscale(row) {
		if want := row[i] * float32(1/0.18215); v != want {
			t.Fatalf("plain: z[%d] = %v, want %v", i, v, want)
		}
	}
	stats := &Model{ScalingFactor: 0.5, LatentsMean: []float64{-1, 0, 2, 0.5}, LatentsStd: []float64{0.5, 1, 2, 0.25}}
	for i, v := range stats.unscale(row) {
		c := i / 6
		want := float64(row[i])*stats.LatentsStd[c]/0.5 + stats.LatentsMean[c]
		if math.Abs(float64(v)-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("per channel: z[%d] = %v, want %v", i, v, want)
		}
	}
}
