package techniques

import (
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/session"
)

// The [image] block in a session file (docs/image-editing.md).

const imageBlock = "image"

// A1111's infotext keys: img2img writes "Denoising strength", its instruct-pix2pix models
// "Image CFG scale".
const (
	infotextStrength      = "Denoising strength"
	infotextImageGuidance = "Image CFG scale"
)

// maxImageGuidance bounds image guidance as the guidance scale is bounded.
const maxImageGuidance = 100.0

var _ session.Block = (*ImageConfig)(nil)

// decodeImageBlock reads [image]; absent keys keep diffusers' defaults.
func decodeImageBlock(t session.Table) session.Block {
	c := DefaultImageConfig()
	t.Bool("enabled", &c.Enabled)
	t.Str("path", &c.Path)
	t.Str("sha256", &c.SHA256)
	t.Float("strength", &c.Strength)
	t.Float("image_guidance", &c.ImageGuidance)
	t.Str("depth", &c.DepthPath)
	t.Str("depth_sha256", &c.DepthSHA256)
	t.Str("pipeline", &c.Pipeline)
	return &c
}

// CheckBlock reports values the render would refuse, each at its key.
func (c *ImageConfig) CheckBlock(ck session.Checker, _ *session.Params, _ session.ValidateOptions) {
	ck.Number("strength", c.Strength, 0, 1)
	ck.Number("image_guidance", c.ImageGuidance, 0, maxImageGuidance)
	ck.Text("path", c.Path, session.MaxTextBytes, false)
	ck.Text("depth", c.DepthPath, session.MaxTextBytes, false)
	for _, k := range []struct{ key, v string }{{"sha256", c.SHA256}, {"depth_sha256", c.DepthSHA256}} {
		if k.v != "" && !isHexSHA256(k.v) {
			ck.Add(k.key, "is not a SHA-256 in hex", "remove it (nudge fills it in when the image is set) or paste the 64 hex digits")
		}
	}
	if _, ok := pipelines[c.Pipeline]; !ok {
		ck.Add("pipeline", strconv.Quote(session.Sanitize(c.Pipeline))+" is not a pipeline", "use img2img, instruct-pix2pix or depth2img, or remove it")
	}
	if c.Enabled && c.Path == "" {
		ck.Add("path", "is empty", "give the input image's path, or set enabled = false")
	}
}

func isHexSHA256(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// WriteBlock writes [image]; empty optional keys are left out.
func (c *ImageConfig) WriteBlock(w session.BlockWriter) {
	w.KV("enabled", c.Enabled)
	w.KV("path", c.Path)
	if c.SHA256 != "" {
		w.KV("sha256", c.SHA256)
	}
	w.KV("strength", c.Strength)
	w.KV("image_guidance", c.ImageGuidance)
	if c.DepthPath != "" {
		w.KV("depth", c.DepthPath)
	}
	if c.DepthSHA256 != "" {
		w.KV("depth_sha256", c.DepthSHA256)
	}
	if c.Pipeline != "" {
		w.KV("pipeline", c.Pipeline)
	}
}

// CloneBlock copies the settings (all values).
func (c *ImageConfig) CloneBlock() session.Block {
	v := *c
	return &v
}

// Infotext writes A1111's img2img key, and its pix2pix key where the image guidance is not
// the default or the session is for instruct-pix2pix.
func (c *ImageConfig) Infotext(add func(key, value string)) {
	if !c.Enabled || c.Path == "" {
		return
	}
	add(infotextStrength, strconv.FormatFloat(c.Strength, 'g', -1, 64))
	if c.Pipeline == "instruct-pix2pix" || c.ImageGuidance != DefaultImageGuidance {
		add(infotextImageGuidance, strconv.FormatFloat(c.ImageGuidance, 'g', -1, 64))
	}
}

// imageFromInfotext reads A1111's img2img settings. Infotext never carries the input
// picture, so the block is left switched off until one is given (and A1111's txt2img
// hires fix writes the same key for its second pass, which nudge does not have).
func imageFromInfotext(p *session.Params, key, value string, note func(string, ...any)) {
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || v != v || v < 0 || (key == infotextStrength && v > 1) || v > maxImageGuidance {
		note("%s %q is not a value nudge can use; left at its default", key, session.Sanitize(value))
		return
	}
	c := ImageOf(p)
	if c == nil {
		d := DefaultImageConfig()
		d.Enabled = false
		c = &d
		note("%s: the input image is not in the infotext — give it with --init-image (the [image] block is off until then)", key)
	}
	if key == infotextStrength {
		c.Strength = v
	} else {
		c.ImageGuidance = v
	}
	p.SetBlock(imageBlock, c)
}
