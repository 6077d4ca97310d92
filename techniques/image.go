package techniques

import (
	"fmt"
	"image"

	"github.com/nudge-studio/nudge/imagefile"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// ImageConfig is the [image] block: the input image of img2img, instruct-pix2pix and
// depth2img (which of the three runs is the model's UNet's to say: 4, 8 or 5 input
// channels), and its settings. Paths are as written (relative ones from the working
// folder); the pixel hashes make `verify` refuse an input that changed.
type ImageConfig struct {
	Enabled bool
	Path    string // the input picture (PNG or JPEG, any size)
	SHA256  string // session.ImageHash of its pixels; empty: not checked (filled in when set from the CLI)
	// Strength is img2img's and depth2img's (diffusers' default 0.8).
	Strength float64
	// ImageGuidance is instruct-pix2pix's image_guidance_scale (diffusers' default 1.5).
	ImageGuidance float64
	// DepthPath, when set, is depth2img's depth map (brighter is nearer), used instead of the
	// folder's depth estimator; DepthSHA256 its pixel hash.
	DepthPath, DepthSHA256 string
	// Pipeline, when set ("img2img", "instruct-pix2pix", "depth2img"), is the pipeline the
	// session was made for; a model whose UNet is for another is refused.
	Pipeline string
}

// Diffusers' defaults: StableDiffusionImg2ImgPipeline.__call__ and
// StableDiffusionDepth2ImgPipeline.__call__ strength=0.8,
// StableDiffusionInstructPix2PixPipeline.__call__ image_guidance_scale=1.5.
const (
	DefaultStrength      = 0.8
	DefaultImageGuidance = 1.5
)

// DefaultImageConfig is the block with diffusers' defaults and no image.
func DefaultImageConfig() ImageConfig {
	return ImageConfig{Enabled: true, Strength: DefaultStrength, ImageGuidance: DefaultImageGuidance}
}

// ImageOf returns the session's [image] settings, nil when the block is absent.
func ImageOf(p *session.Params) *ImageConfig {
	s, _ := p.Blocks[imageBlock].(*ImageConfig)
	return s
}

// pipelines maps the block's pipeline names to the runtime's.
var pipelines = map[string]runtime.Pipeline{
	"": "", "img2img": runtime.PipelineText, "instruct-pix2pix": runtime.PipelineInstruct, "depth2img": runtime.PipelineDepth,
}

// Image is the technique: it hands the loop its input image (runtime.ImageConditioner).
type Image struct{ in runtime.ImageInput }

// Name is the block name.
func (t *Image) Name() string { return imageBlock }

// ImageInput is what the render starts from.
func (t *Image) ImageInput() *runtime.ImageInput { return &t.in }

// NewImage reads the block's pictures, checks their pixel hashes and returns the technique.
func NewImage(cfg ImageConfig) (*Image, error) {
	img, err := loadChecked(cfg.Path, cfg.SHA256, "path")
	if err != nil {
		return nil, err
	}
	t := &Image{in: runtime.ImageInput{Image: img, Strength: cfg.Strength, ImageGuidance: cfg.ImageGuidance,
		Want: pipelines[cfg.Pipeline]}}
	if cfg.DepthPath != "" {
		if t.in.Depth, err = loadChecked(cfg.DepthPath, cfg.DepthSHA256, "depth"); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// loadChecked decodes a picture (bounded by imagefile) and compares its pixel hash.
func loadChecked(path, sha, key string) (image.Image, error) {
	img, _, err := imagefile.DecodeFile(path)
	if err != nil {
		return nil, &ConfigError{Technique: imageBlock, Problems: []string{key + ": " + err.Error()}}
	}
	if sha != "" {
		if got := session.ImageHash(img); got != sha {
			return nil, &ConfigError{Technique: imageBlock, Problems: []string{fmt.Sprintf(
				"%s: %s has other pixels than the session recorded (sha256 %.12s…, now %.12s…) — restore the file, or set the image again", key, session.Sanitize(path), sha, got)}}
		}
	}
	return img, nil
}
