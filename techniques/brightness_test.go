package techniques_test

// Adding a technique through the registry alone: "brightness", a toy Guider that adds a
// constant to the guidance term, lives only in this file. A session names it in its own
// [brightness] block (kept verbatim by package session, which does not know it), and the
// application layer builds, renders and reports it without a line changed elsewhere.

import (
	"context"
	"io"
	"testing"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// brightnessConfig is the toy's one settings type: the [brightness] block, with defaults.
type brightnessConfig struct {
	Enabled bool    `toml:"enabled"`
	Amount  float64 `toml:"amount"`
}

// brightness adds Amount to every value of Delta = g·(text − uncond) in every step.
type brightness struct {
	cfg   brightnessConfig
	steps int
}

func (b *brightness) Name() string { return "brightness" }

func (b *brightness) Guide(g *runtime.Guidance) error {
	for i := range g.Delta {
		g.Delta[i] += float32(b.cfg.Amount)
	}
	b.steps++
	return nil
}

func (b *brightness) Stats() []runtime.Stat {
	return []runtime.Stat{{Name: "steps", Label: "steps brightened", Value: float64(b.steps)}}
}

func init() {
	techniques.Register(techniques.Registration{
		Name:    "brightness",
		Default: func() techniques.Config { return brightnessConfig{Enabled: true, Amount: 0.1} },
		Settings: func(p *session.Params) (techniques.Config, bool, error) {
			cfg := brightnessConfig{Enabled: true, Amount: 0.1}
			ok, err := techniques.DecodeBlock(p, "brightness", &cfg)
			return cfg, ok && cfg.Enabled, err
		},
		New: func(cfg techniques.Config) (runtime.Technique, error) {
			return &brightness{cfg: cfg.(brightnessConfig)}, nil
		},
	})
}

func TestToyTechniqueThroughTheRegistry(t *testing.T) {
	const base = "version = 1\nprompt = \"a lighthouse\"\nwidth = 64\nheight = 64\n[model]\npath = \"demo:tiny\"\n[sampler]\nscheduler = \"ddim\"\nsteps = 4\nguidance = 7.5\n"
	ctx := context.Background()
	m, err := app.OpenModel(ctx, &session.Config{}, "demo:tiny", "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	render := func(extra string) (string, []runtime.TechniqueStats) {
		t.Helper()
		s, err := session.Parse("s.toml", []byte(base+extra))
		if err != nil {
			t.Fatal(err)
		}
		req, err := app.BuildRequest(s.Params)
		if err != nil {
			t.Fatal(err)
		}
		var last []runtime.TechniqueStats
		res, err := m.Render(ctx, req, func(st runtime.StepInfo) { last = st.Stats })
		if err != nil {
			t.Fatal(err)
		}
		if back, err := session.Parse("s.toml", session.Marshal(s)); err != nil || back.Extra["brightness"] == nil && extra != "" {
			t.Fatalf("the [brightness] block did not round-trip: %v", err)
		}
		return session.ImageHash(res.Images[0]), last
	}
	plain, _ := render("")
	zero, _ := render("[brightness]\namount = 0.0\n")
	off, _ := render("[brightness]\nenabled = false\namount = 0.5\n")
	bright, stats := render("[brightness]\namount = 0.5\n")
	if zero != plain || off != plain {
		t.Fatal("amount 0 or enabled = false changed the image")
	}
	if bright == plain {
		t.Fatal("amount 0.5 changed no pixel")
	}
	if len(stats) != 1 || stats[0].Technique != "brightness" || stats[0].Stats[0].Value != 4 {
		t.Fatalf("last step's stats %+v, want brightness with 4 steps", stats)
	}
	if _, err := session.Parse("s.toml", []byte(base+"[brightness]\namount = 0.5\nglow = 1\n")); err != nil {
		t.Fatal(err) // session keeps the block verbatim; the registry reports the key
	}
	s, _ := session.Parse("s.toml", []byte(base+"[brightness]\namount = 0.5\nglow = 1\n"))
	if _, err := app.BuildRequest(s.Params); err == nil || !runtime.IsBadInput(err) {
		t.Fatalf("unknown key: err = %v, want a bad-input error", err)
	}
}
