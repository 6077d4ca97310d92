package techniques_test

import (
	"context"
	"image/color"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/techniques"
)

// Instruct-pix2pix combines with SEGA: SEGA's concept rows get the input image's latent like
// the prompt rows, and its term is taken against the image-conditioned unconditional row. A
// concept with no edit guidance leaves the pix2pix render bit-identical; with guidance it
// changes it. Real ORT on the tiny demo's instruct-pix2pix variant.
func TestInstructPix2PixWithSEGA(t *testing.T) {
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny", Variant: "instruct-pix2pix"}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in := filepath.Join(t.TempDir(), "in.png")
	writePNG(t, in, color.NRGBA{200, 30, 30, 255})
	render := func(sega *techniques.SEGAConfig) []float32 {
		cfg := techniques.DefaultImageConfig()
		cfg.Path = in
		img, err := techniques.NewImage(cfg)
		if err != nil {
			t.Fatal(err)
		}
		req := runtime.Request{Prompt: "make it blue", Negative: "", Width: 64, Height: 64, Steps: 4, Batch: 1,
			Guidance: 7.5, Seed: 3, Scheduler: "ddim", Techniques: []runtime.Technique{img}}
		if sega != nil {
			s, err := techniques.NewSEGA(*sega)
			if err != nil {
				t.Fatal(err)
			}
			req.Techniques = append(req.Techniques, s)
		}
		res, err := m.Render(context.Background(), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Latents.Data
	}
	plain := render(nil)
	off := techniques.DefaultSEGAConfig(techniques.DefaultConcept("blue"))
	off.Concepts[0].EditGuidance, off.Concepts[0].WarmUp = 0, 0
	if !slices.Equal(render(&off), plain) {
		t.Fatal("a SEGA concept with no edit guidance changed the pix2pix render")
	}
	on := techniques.DefaultSEGAConfig(techniques.DefaultConcept("blue"))
	on.Concepts[0].WarmUp, on.Concepts[0].Threshold = 0, 0.5
	if slices.Equal(render(&on), plain) {
		t.Fatal("SEGA had no effect on the pix2pix render")
	}
}
