package preview

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLatentToRGBMatchesFloat64 recomputes every pixel in float64 from the published
// ComfyUI formula (x·F + bias, clamp to [−1,1], (v+1)·127.5, round).
func TestLatentToRGBMatchesFloat64(t *testing.T) {
	const c, h, w = 4, 7, 5
	rng := rand.New(rand.NewPCG(3, 4))
	lat := make([]float32, c*h*w)
	for i := range lat {
		lat[i] = float32(rng.NormFloat64() * 1.5)
	}
	for _, family := range []string{"sd15", "sdxl", "sd15-a1111"} {
		f, err := FactorsFor(family)
		if err != nil {
			t.Fatal(err)
		}
		img, err := LatentToRGB(lat, c, h, w, f)
		if err != nil {
			t.Fatal(err)
		}
		for y := range h {
			for x := range w {
				for ch := range 3 {
					v := float64(f.Bias[ch])
					for k := range c {
						v += float64(lat[k*h*w+y*w+x]) * float64(f.Weights[k][ch])
					}
					want := math.Round((math.Max(-1, math.Min(1, v)) + 1) * 127.5)
					got := float64(img.Pix[img.PixOffset(x, y)+ch])
					if math.Abs(got-want) > 1 { // float32 accumulation may round across .5
						t.Fatalf("%s (%d,%d) ch %d = %v, float64 gives %v", family, x, y, ch, got, want)
					}
				}
			}
		}
	}
}

// TestLatentKnownValues uses one-hot latents: each channel alone shows its factor row.
func TestLatentKnownValues(t *testing.T) {
	f, _ := FactorsFor("sd15")
	lat := make([]float32, 4*1*4) // 1×4 picture, pixel k has latent channel k = 1
	for k := range 4 {
		lat[k*4+k] = 1
	}
	img, err := LatentToRGB(lat, 4, 1, 4, f)
	if err != nil {
		t.Fatal(err)
	}
	// Channel 0 → (0.3512, 0.2297, 0.3227) → (v+1)·127.5 = 172.28, 156.79, 168.64.
	want := [][3]uint8{{172, 157, 169}, {169, 191, 157}, {91, 150, 162}, {100, 94, 36}}
	for k, wv := range want {
		got := [3]uint8(img.Pix[4*k : 4*k+3])
		if got != wv || img.Pix[4*k+3] != 255 {
			t.Errorf("channel %d one-hot → %v, want %v", k, got, wv)
		}
	}
}

func TestLatentBadInput(t *testing.T) {
	f, _ := FactorsFor("sdxl")
	if _, err := LatentToRGB(make([]float32, 16*4), 16, 2, 2, f); err == nil || !strings.Contains(err.Error(), "16 channels") {
		t.Errorf("16-channel latent with SDXL factors: %v", err)
	}
	if _, err := LatentToRGB(make([]float32, 15), 4, 2, 2, f); err == nil {
		t.Error("short latent accepted")
	}
	nan := []float32{float32(math.NaN()), 0, 0, 0}
	img, err := LatentToRGB(nan, 4, 1, 1, f)
	if err != nil || img.Pix[0] != 0 {
		t.Errorf("NaN latent → %v, %v; want black", img.Pix[:3], err)
	}
}

func TestFactorsFor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sd15", "sd15"}, {"SD1.5", "sd15"}, {" sd2 ", "sd15"}, {"sdxl", "sdxl"}, {"sd-xl", "sdxl"}, {"sd15-a1111", "sd15-a1111"},
	}
	for _, tc := range tests {
		if f, err := FactorsFor(tc.in); err != nil || f.Name != tc.want || len(f.Weights) != 4 {
			t.Errorf("FactorsFor(%q) = %s, %v", tc.in, f.Name, err)
		}
	}
	_, err := FactorsFor("flux")
	var bad interface{ BadInput() bool }
	if err == nil || !errorsAs(err, &bad) || !strings.Contains(err.Error(), "sdxl") {
		t.Errorf("unknown family: %v", err)
	}
}

func TestPlanarToRGBA(t *testing.T) {
	data := []float32{0, 0.5, 1, 2 /* G */, -1, 0.25, float32(math.NaN()), 0.75 /* B */, 0, 0, 0, 0}
	taesd, err := PlanarToRGBA(data, 2, 2, RangeTAESD)
	if err != nil {
		t.Fatal(err)
	}
	vae, _ := PlanarToRGBA(data, 2, 2, RangeVAE)
	tests := []struct {
		img   []uint8
		i, ch int
		want  uint8
		why   string
	}{
		{taesd.Pix, 1, 0, 128, "0.5 in [0,1] → 127.5 → 128"},
		{taesd.Pix, 3, 0, 255, "2 clamps to 255"},
		{taesd.Pix, 0, 1, 0, "-1 clamps to 0"},
		{taesd.Pix, 2, 1, 0, "NaN → 0"},
		{vae.Pix, 0, 0, 128, "0 in [-1,1] → 127.5 → 128"},
		{vae.Pix, 0, 1, 0, "-1 → 0"},
		{vae.Pix, 3, 1, 223, "0.75 → 223.125 → 223"},
	}
	for _, tc := range tests {
		if got := tc.img[4*tc.i+tc.ch]; got != tc.want {
			t.Errorf("%s: got %d", tc.why, got)
		}
	}
	if _, err := PlanarToRGBA(data, 3, 3, RangeVAE); err == nil {
		t.Error("size mismatch accepted")
	}
}

func TestSourcePlan(t *testing.T) {
	tests := []struct {
		plan        SourcePlan
		step, total int
		want        Source
	}{
		{SourcePlan{}, 0, 20, SourceLinear},
		{SourcePlan{}, 19, 20, SourceVAE},
		{SourcePlan{HaveTAESD: true}, 3, 20, SourceTAESD},
		{SourcePlan{HaveTAESD: true, VAEEvery: 5}, 4, 20, SourceVAE},
		{SourcePlan{HaveTAESD: true, VAEEvery: 5}, 5, 20, SourceTAESD},
		{SourcePlan{VAEEvery: 5}, 6, 20, SourceLinear},
	}
	for _, tc := range tests {
		if got := tc.plan.For(tc.step, tc.total); got != tc.want {
			t.Errorf("%+v step %d/%d = %s, want %s", tc.plan, tc.step, tc.total, got, tc.want)
		}
	}
}
