package preview

import (
	"fmt"
	"image"
	"math"
	"sort"
	"strings"
)

// LatentFactors is a linear latent→RGB approximation: rgb = Σ_c latent[c]·Weights[c] + Bias,
// clamped to [−1, 1] and mapped to 0..255. It costs 12 multiply-adds per latent pixel, so it
// can run on every step; the picture is at latent resolution (64×64 for 512²) and blurry,
// but shows composition and colour (ComfyUI comfy/latent_formats.py, latent_rgb_factors).
type LatentFactors struct {
	Name    string
	Source  string // where the numbers come from
	Weights [][3]float32
	Bias    [3]float32
}

// latentFactorTable lists the known factor sets. ComfyUI's are fitted on the sampler's
// denoised prediction x0 in the UNet's (scaled) latent space.
func latentFactorTable() []LatentFactors {
	sd15 := LatentFactors{
		Name:   "sd15",
		Source: "ComfyUI comfy/latent_formats.py SD15",
		Weights: [][3]float32{
			{0.3512, 0.2297, 0.3227}, {0.3250, 0.4974, 0.2350},
			{-0.2829, 0.1762, 0.2721}, {-0.2120, -0.2616, -0.7177},
		},
	}
	sd15a1111 := LatentFactors{
		Name:   "sd15-a1111",
		Source: "A1111 modules/sd_vae_approx.py, \"Approx cheap\"",
		Weights: [][3]float32{
			{0.298, 0.207, 0.208}, {0.187, 0.286, 0.173},
			{-0.158, 0.189, 0.264}, {-0.184, -0.271, -0.473},
		},
	}
	sdxl := LatentFactors{
		Name:   "sdxl",
		Source: "ComfyUI comfy/latent_formats.py SDXL",
		Weights: [][3]float32{
			{0.3651, 0.4232, 0.4341}, {-0.2533, -0.0042, 0.1068},
			{0.1076, 0.1111, -0.0362}, {-0.3165, -0.2492, -0.2188},
		},
		Bias: [3]float32{0.1084, -0.0175, -0.0011},
	}
	return []LatentFactors{sd15, sd15a1111, sdxl}
}

// latentAliases maps config spellings to factor names; SD2 shares SD1's VAE.
func latentAliases() map[string]string {
	return map[string]string{"sd1": "sd15", "sd1.5": "sd15", "sd2": "sd15", "sd21": "sd15", "sd-xl": "sdxl"}
}

// LatentFactorNames lists the accepted names, for help text and config validation.
func LatentFactorNames() []string {
	var names []string
	for _, f := range latentFactorTable() {
		names = append(names, f.Name)
	}
	for a := range latentAliases() {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// FactorsFor returns the factor set for a model family name from the config ("sd15",
// "sdxl", …); unknown names are a bad-input error naming the choices.
func FactorsFor(family string) (LatentFactors, error) {
	name := strings.ToLower(strings.TrimSpace(family))
	if a, ok := latentAliases()[name]; ok {
		name = a
	}
	for _, f := range latentFactorTable() {
		if f.Name == name {
			return f, nil
		}
	}
	return LatentFactors{}, badInputf("latent preview family %q is unknown: use one of %s", family, strings.Join(LatentFactorNames(), ", "))
}

// LatentToRGB renders one latent in C×H×W (NCHW without the batch) order with the given
// factors. The picture is H×W; scale it with Resize or let the encoder do it.
func LatentToRGB(latent []float32, channels, h, w int, f LatentFactors) (*image.RGBA, error) {
	if channels != len(f.Weights) {
		return nil, fmt.Errorf("preview: latent has %d channels but the %s factors expect %d; pick the factors for this model family", channels, f.Name, len(f.Weights))
	}
	if h <= 0 || w <= 0 || len(latent) != channels*h*w {
		return nil, fmt.Errorf("preview: latent of %d values does not match %d×%d×%d", len(latent), channels, h, w)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for i := range plane {
		acc := f.Bias
		for c, wt := range f.Weights {
			v := latent[c*plane+i]
			acc[0] += v * wt[0]
			acc[1] += v * wt[1]
			acc[2] += v * wt[2]
		}
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = unitToByte(acc[0]), unitToByte(acc[1]), unitToByte(acc[2]), 255
	}
	return img, nil
}

// unitToByte maps [−1, 1] to 0..255 as ComfyUI's latent_preview.py does: clamp, (v+1)·127.5,
// round. NaN maps to 0 so a diverged step shows black instead of garbage.
func unitToByte(v float32) uint8 {
	if !(v > -1) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(math.Round(float64((v + 1) * 127.5)))
}
