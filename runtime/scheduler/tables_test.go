package scheduler

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// refAlphasCumprod is ᾱ in float64 straight from the formulas (diffusers' scheduler __init__
// betas and betas_for_alpha_bar), with no float32 rounding anywhere: the independent
// reference the scheduler tables are checked against.
func refAlphasCumprod(schedule string, start, end float64, n int) []float64 {
	out := make([]float64, n)
	acc := 1.0
	for i := range out {
		frac := float64(i) / float64(n-1)
		var beta float64
		switch schedule {
		case "scaled_linear":
			r := math.Sqrt(start) + frac*(math.Sqrt(end)-math.Sqrt(start))
			beta = r * r
		case "squaredcos_cap_v2":
			f := func(t float64) float64 { c := math.Cos((t + 0.008) / 1.008 * math.Pi / 2); return c * c }
			beta = math.Min(1-f(float64(i+1)/float64(n))/f(float64(i)/float64(n)), 0.999)
		default:
			beta = start + frac*(end-start)
		}
		acc *= 1 - beta
		out[i] = acc
	}
	return out
}

func refSigmaTable(ac []float64) []float64 {
	out := make([]float64, len(ac))
	for i, a := range ac {
		out[i] = math.Sqrt((1 - a) / a)
	}
	return out
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-12)
}

func TestAlphasCumprod(t *testing.T) {
	cases := []struct {
		file     string
		schedule string
		start    float64
		end      float64
	}{
		{"alphas_cumprod_scaled_linear_0.00085_0.012.f32", "scaled_linear", 0.00085, 0.012},
		{"alphas_cumprod_linear_0.0001_0.02.f32", "linear", 0.0001, 0.02},
		{"alphas_cumprod_squaredcos_cap_v2.f32", "squaredcos_cap_v2", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.schedule, func(t *testing.T) {
			p := params{numTrain: 1000, betaSchedule: tc.schedule, betaStart: tc.start, betaEnd: tc.end}
			got := alphasCumprod(p)
			ref := refAlphasCumprod(tc.schedule, tc.start, tc.end, 1000)
			torch := readF32(t, "testdata/"+tc.file)
			for i := range got {
				if !relClose(got[i], ref[i], 2e-5) {
					t.Fatalf("ᾱ[%d] = %v, float64 formula %v", i, got[i], ref[i])
				}
				// PyTorch 1.13 with the DEFAULT kernel, bit for bit (see torchLinspace32).
				if float32(got[i]) != torch[i] {
					t.Fatalf("ᾱ[%d] = %v, torch %v", i, float32(got[i]), torch[i])
				}
			}
		})
	}
}

// Known values of SD 1.5's schedule (diffusers PNDMScheduler with SD 1.5's config).
func TestSD15TableKnownValues(t *testing.T) {
	p, err := resolve(SD15Config(), classPNDM, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ac := alphasCumprod(p)
	sig := sigmaTable(ac)
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"ᾱ_0", ac[0], 0.99915, 5e-6},
		{"ᾱ_999", ac[999], 0.0046601, 1e-7},
		{"σ_min", sig[0], 0.029168, 1e-6},
		{"σ_max", sig[999], 14.614655, 1e-5},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}
