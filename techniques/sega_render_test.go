package techniques_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/techniques"
)

// These tests render with the real engine on the tiny demo model in real ONNX Runtime: SEGA
// must leave plain CFG alone when it has nothing to add, and steer more the harder it is
// pushed.

func openTinyModel(t *testing.T) *runtime.Model {
	t.Helper()
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"}); err != nil {
		t.Fatalf("demo model: %v", err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// renderLatents renders the tiny request with the given SEGA settings (nil: none) and
// returns the final latents.
func renderLatents(t *testing.T, m *runtime.Model, cfg *techniques.SEGAConfig) []float32 {
	t.Helper()
	lat, err := tryRender(t, m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return lat
}

func tryRender(t *testing.T, m *runtime.Model, cfg *techniques.SEGAConfig) ([]float32, error) {
	t.Helper()
	req := runtime.Request{Prompt: "a photo of a cat", Negative: "blurry", Width: 64, Height: 64,
		Steps: 6, Batch: 1, Guidance: 7.5, Seed: 42}
	if cfg != nil {
		s, err := techniques.NewSEGA(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		req.Techniques = []runtime.Technique{s}
	}
	res, err := m.Render(context.Background(), req, nil)
	if err != nil {
		return nil, err
	}
	return res.Latents.Data, nil
}

func distance(a, b []float32) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	return math.Sqrt(sum)
}

func concept(prompt string, scale float64) techniques.Concept {
	c := techniques.DefaultConcept(prompt)
	c.EditGuidance, c.WarmUp = scale, 1
	return c
}

func TestSEGARenders(t *testing.T) {
	m := openTinyModel(t)
	plain, err := tryRender(t, m, nil)
	if err != nil {
		t.Skipf("the engine cannot render the tiny demo model even without SEGA (%v); these tests need it", err)
	}

	t.Run("no concepts is plain CFG bit for bit", func(t *testing.T) {
		cfg := techniques.DefaultSEGAConfig()
		if d := distance(renderLatents(t, m, &cfg), plain); d != 0 {
			t.Fatalf("latents moved by %g", d)
		}
	})
	t.Run("weight 0 is plain CFG", func(t *testing.T) {
		c := concept("a dog", 5)
		c.Weight = 0
		cfg := techniques.DefaultSEGAConfig(c)
		if d := distance(renderLatents(t, m, &cfg), plain); d != 0 {
			t.Fatalf("latents moved by %g", d)
		}
	})
	t.Run("distance from plain grows with edit guidance", func(t *testing.T) {
		last := 0.0
		for _, scale := range []float64{1, 4, 16} {
			cfg := techniques.DefaultSEGAConfig(concept("a dog", scale))
			d := distance(renderLatents(t, m, &cfg), plain)
			t.Logf("edit guidance %g: distance from plain %g", scale, d)
			if d <= last {
				t.Fatalf("edit guidance %g moved the latents by %g, not more than %g before", scale, d, last)
			}
			last = d
		}
	})
	t.Run("two concepts are order-independent", func(t *testing.T) {
		a, b := concept("a dog", 5), concept("snow", 3)
		b.Reverse, b.WarmUp = true, 2
		ab, ba := techniques.DefaultSEGAConfig(a, b), techniques.DefaultSEGAConfig(b, a)
		x, y := renderLatents(t, m, &ab), renderLatents(t, m, &ba)
		moved, d := distance(x, plain), distance(x, y)
		t.Logf("two concepts moved the latents by %g; swapping them by %g", moved, d)
		if moved == 0 || d > 1e-4*moved {
			t.Fatalf("swapping the concepts moved the latents by %g (SEGA moved them by %g)", d, moved)
		}
	})
}
