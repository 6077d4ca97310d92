package techniques

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// The input image's registration: the [image] block, shared by img2img, instruct-pix2pix
// and depth2img (the model's UNet decides which runs).
func init() {
	Register(Registration{
		Name:    imageBlock,
		Default: func() Config { return DefaultImageConfig() },
		Block: session.BlockCodec{Decode: decodeImageBlock, InfotextKeys: []string{infotextStrength, infotextImageGuidance},
			FromInfotext: imageFromInfotext},
		Settings: func(p *session.Params) (Config, bool, error) {
			c := ImageOf(p)
			if c == nil || !c.Enabled || c.Path == "" {
				return nil, false, nil
			}
			return *c, true, nil
		},
		New: func(cfg Config) (runtime.Technique, error) { return NewImage(cfg.(ImageConfig)) },
	})
}
