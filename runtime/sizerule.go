package runtime

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// vaeFactor is how much smaller than the image the latent is (SD's VAE: three stride-2
// downsamplers).
const vaeFactor = 8

// SizeRule is which image sizes a model's UNet can take. A UNet with n down blocks halves
// the latent n−1 times and upsamples back with scale 2, concatenating each level with its
// skip connection, so the latent side must be a multiple of 2^(n−1); ONNX exports are traced
// without diffusers' forward_upsample_size fallback (UNet2DConditionModel.forward), so other
// sizes fail inside ORT at a Concat. A static export takes one latent size only.
type SizeRule struct {
	Levels   int // down blocks
	Multiple int // pixels: vaeFactor·2^(Levels−1)
	// FixedWidth and FixedHeight are the only sizes a static export takes, in pixels; 0 when
	// the dimension is dynamic.
	FixedWidth, FixedHeight int
}

// Check refuses a size the UNet cannot take, in one line that says which sizes it can.
func (r SizeRule) Check(w, h int) error {
	if (r.FixedWidth > 0 && w != r.FixedWidth) || (r.FixedHeight > 0 && h != r.FixedHeight) {
		return requestError{fmt.Sprintf("size %dx%d: this UNet was exported for %dx%d only", w, h, r.FixedWidth, r.FixedHeight)}
	}
	if w%r.Multiple != 0 || h%r.Multiple != 0 {
		return requestError{fmt.Sprintf("size %dx%d: this UNet's %d downsampling levels need width and height in multiples of %d (e.g. %dx%d)",
			w, h, r.Levels, r.Multiple, roundTo(w, r.Multiple), roundTo(h, r.Multiple))}
	}
	return nil
}

func roundTo(v, m int) int { return max(m, (v+m/2)/m*m) }

// sizeRuleOf reads the UNet's levels from unet/config.json (block_out_channels, as diffusers
// writes it), else from the graph's module paths, else assumes SD's four; and fixed sample
// dims from the declared input.
func sizeRuleOf(dir string, unet *Component) SizeRule {
	levels := levelsFromConfig(filepath.Join(dir, "unet", "config.json"))
	if levels == 0 {
		if g, err := onnxgraph.Load(unet.Path); err == nil {
			levels = onnxgraph.DownBlocks(g)
		}
	}
	if levels <= 0 {
		levels = 4
	}
	r := SizeRule{Levels: levels, Multiple: vaeFactor << (levels - 1)}
	if spec, ok := unet.Input("sample"); ok && len(spec.Dims) == 4 {
		r.FixedHeight, r.FixedWidth = fixedPixels(spec.Dims[2]), fixedPixels(spec.Dims[3])
	}
	return r
}

func fixedPixels(latent int64) int {
	if latent <= 0 {
		return 0
	}
	return int(latent) * vaeFactor
}

func levelsFromConfig(path string) int {
	raw, err := modelfile.ReadFile(path, 1<<20)
	if err != nil {
		return 0
	}
	var cfg struct {
		BlockOutChannels []int `json:"block_out_channels"`
	}
	if json.Unmarshal(raw, &cfg) != nil || len(cfg.BlockOutChannels) > 8 {
		return 0
	}
	return len(cfg.BlockOutChannels)
}
