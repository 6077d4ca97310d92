package app

import (
	"strings"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/shapes/recipe"
)

// DefaultModel is the model a bare `nudge` opens: the built-in trained shapes family when
// this binary carries one, else the tiny random demo.
func DefaultModel() string {
	if _, err := recipe.Committed(); err == nil {
		return DemoPrefix + ShapesPreset
	}
	return DemoPrefix + "tiny"
}

// ModelBanner is what the studio says about a built-in model in its header: the trained
// shapes family and what it knows, or a warning that a demo's weights are random; "" for
// any other model.
func ModelBanner(ref string) string {
	preset, ok := strings.CutPrefix(ref, DemoPrefix)
	switch {
	case ok && preset == ShapesPreset, strings.HasSuffix(ref, ".safetensors"):
		return `SHAPES WORLD model, trained by nudge — try "a red circle on a white background"`
	case ok:
		return "DEMO MODEL: random weights, images are noise"
	}
	return ""
}

// DemoDefaults are the size and step count a new session gets on a built-in model: the
// model's native size and few enough steps to watch every edit re-render (25 on the shapes
// family, as its quality table is measured; 20 on the random demos).
func DemoDefaults(ref string) (side, steps int, ok bool) {
	preset, ok := strings.CutPrefix(ref, DemoPrefix)
	if preset == ShapesPreset || strings.HasSuffix(ref, ".safetensors") {
		return recipe.ImageSize, 25, true
	}
	if !ok {
		return 0, 0, false
	}
	for _, p := range demomodel.Presets() {
		if p.Name == preset {
			return int(p.ImageSize), 20, true
		}
	}
	return 0, 0, false
}

// FitNewSession gives a new session (no file) on a built-in model that model's size and step
// count, unless the config's [defaults] chose them: `nudge render --prompt …` and the studio
// then start alike.
func FitNewSession(p *session.Params, ref string, d session.DefaultsConfig) {
	side, steps, ok := DemoDefaults(ref)
	if !ok {
		return
	}
	if d.Width == 0 || d.Height == 0 {
		p.Width, p.Height = side, side
	}
	if d.Steps == 0 {
		p.Sampler.Steps = steps
	}
}
