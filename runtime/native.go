package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// NativeSize is the image side the UNet was trained at: unet/config.json's sample_size × 8
// (diffusers' StableDiffusionPipeline default height and width), or 512 when the config
// does not say.
func (m *Model) NativeSize() int {
	var cfg struct {
		SampleSize int `json:"sample_size"`
	}
	raw, err := os.ReadFile(filepath.Join(m.Dir, "unet", "config.json"))
	if err == nil && json.Unmarshal(raw, &cfg) == nil && cfg.SampleSize > 0 && cfg.SampleSize <= 1024 {
		return 8 * cfg.SampleSize
	}
	return 512
}
