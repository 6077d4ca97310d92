package techniques

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
)

// requireBadInput checks that err is one line, BadInput, and mentions want.
func requireBadInput(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	var bi interface{ BadInput() bool }
	if !errors.As(err, &bi) || !bi.BadInput() {
		t.Errorf("error %q is not BadInput", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
		t.Errorf("error %q: want one line mentioning %q", msg, want)
	}
}

func TestNewSEGARejectsBadSettings(t *testing.T) {
	with := func(edit func(*Concept)) SEGAConfig {
		c := DefaultConcept("snow")
		edit(&c)
		return DefaultSEGAConfig(DefaultConcept("night"), c)
	}
	tests := []struct {
		name string
		cfg  SEGAConfig
		want string
	}{
		{"empty prompt", with(func(c *Concept) { c.Prompt = "  " }), `concept 2 ("  "): empty prompt`},
		{"NaN weight", with(func(c *Concept) { c.Weight = math.NaN() }), "weight NaN"},
		{"infinite weight", with(func(c *Concept) { c.Weight = math.Inf(-1) }), "weight -Inf"},
		{"huge weight", with(func(c *Concept) { c.Weight = 1e6 }), "weight 1e+06"},
		{"NaN edit guidance", with(func(c *Concept) { c.EditGuidance = math.NaN() }), "edit guidance NaN"},
		{"threshold 1", with(func(c *Concept) { c.Threshold = 1 }), "threshold 1 is outside [0,1)"},
		{"negative threshold", with(func(c *Concept) { c.Threshold = -0.1 }), "threshold -0.1"},
		{"NaN threshold", with(func(c *Concept) { c.Threshold = math.NaN() }), "threshold NaN"},
		{"negative warm-up", with(func(c *Concept) { c.WarmUp = -1 }), "warm-up -1"},
		{"negative cool-down", with(func(c *Concept) { c.CoolDown = intp(-3) }), "cool-down -3"},
		{"beta above 1", SEGAConfig{MomentumBeta: 1.5}, "momentum beta 1.5"},
		{"NaN momentum scale", SEGAConfig{MomentumScale: math.NaN()}, "momentum scale NaN"},
		{"momentum scale above 1", SEGAConfig{MomentumScale: 1.5}, "momentum scale 1.5 is outside [0,1]"},
		{"long prompt shortened", with(func(c *Concept) { c.Prompt = strings.Repeat("x", 100); c.Threshold = 2 }), "xxx…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSEGA(tt.cfg)
			requireBadInput(t, err, tt.want)
			if s != nil {
				t.Error("NewSEGA returned a technique with its error")
			}
		})
	}
}

func TestNewSEGAAcceptsEdgeSettings(t *testing.T) {
	c := DefaultConcept("snow")
	c.Threshold, c.WarmUp, c.CoolDown, c.Weight, c.EditGuidance = 0, 0, intp(0), -maxMagnitude, maxMagnitude
	for _, cfg := range []SEGAConfig{{}, DefaultSEGAConfig(c), {Concepts: []Concept{c}, MomentumScale: 1, MomentumBeta: 1}} {
		if _, err := NewSEGA(cfg); err != nil {
			t.Errorf("NewSEGA(%+v): %v", cfg, err)
		}
	}
}

func TestNewSEGACopiesConfig(t *testing.T) {
	cfg := DefaultSEGAConfig(DefaultConcept("snow"))
	cfg.Concepts[0].CoolDown = intp(5)
	s, err := NewSEGA(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Concepts[0].Prompt, *cfg.Concepts[0].CoolDown = "rain", 1
	if got := s.Concepts()[0]; got.Prompt != "snow" || *got.CoolDown != 5 {
		t.Errorf("changing the caller's config changed the technique: %+v", got)
	}
}

func TestSEGABeginRejectsSettingsThatDoNotFitTheRender(t *testing.T) {
	long := DefaultConcept("snow")
	long.WarmUp = 11
	nan := [][]float32{make([]float32, 4), {0, float32(math.NaN()), 0, 0}}
	tests := []struct {
		name string
		cfg  SEGAConfig
		want string
	}{
		{"warm-up beyond steps", DefaultSEGAConfig(long), "warm-up 11 is beyond the 10 UNet steps"},
		{"sem guidance too short", SEGAConfig{SemGuidance: make([][]float32, 9)}, "sem guidance has 9 steps"},
		{"sem guidance wrong size", SEGAConfig{SemGuidance: repeatSem(10, 3)}, "sem guidance step 0 has 3 values"},
		{"sem guidance NaN", SEGAConfig{SemGuidance: append(nan, repeatSem(8, 4)...)}, "sem guidance step 1 holds NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSEGA(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Begin(renderInfo(1, 1, 2, 2, 10))
			requireBadInput(t, err, tt.want)
			if strings.HasPrefix(err.Error(), "sega:") {
				t.Errorf("Begin error %q repeats the prefix the engine adds", err)
			}
		})
	}
	exact := DefaultConcept("snow")
	exact.WarmUp = 10
	if err := mustNew(t, DefaultSEGAConfig(exact)).Begin(renderInfo(1, 1, 2, 2, 10)); err != nil {
		t.Errorf("warm-up equal to the step count: %v", err)
	}
}

func mustNew(t *testing.T, cfg SEGAConfig) *SEGA {
	t.Helper()
	s, err := NewSEGA(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func repeatSem(steps, size int) [][]float32 {
	out := make([][]float32, steps)
	for i := range out {
		out[i] = make([]float32, size)
	}
	return out
}

func TestSEGAGuideRejectsEngineMistakes(t *testing.T) {
	cfg := DefaultSEGAConfig(DefaultConcept("snow"))
	d := constStep(4, make([]float32, 4))
	tests := []struct {
		name  string
		begin bool
		g     runtime.Guidance
		want  string
	}{
		{"before Begin", false, runtime.Guidance{Uncond: d.uncond, Extra: d.extra, Delta: make([]float32, 4)}, "before Begin"},
		{"step out of range", true, runtime.Guidance{Step: 10, Uncond: d.uncond, Extra: d.extra, Delta: make([]float32, 4)}, "step 10"},
		{"missing concept rows", true, runtime.Guidance{Uncond: d.uncond, Delta: make([]float32, 4)}, "0 concept predictions"},
		{"short delta", true, runtime.Guidance{Uncond: d.uncond, Extra: d.extra, Delta: make([]float32, 3)}, "4/3 values"},
		{"short concept row", true, runtime.Guidance{Uncond: d.uncond, Extra: [][]float32{{1}}, Delta: make([]float32, 4)}, "concept 1 prediction holds 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, cfg)
			if tt.begin {
				if err := s.Begin(renderInfo(1, 1, 2, 2, 10)); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Guide(&tt.g)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Guide error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzSEGA drives NewSEGA, Begin and a few Guide steps with arbitrary settings: every
// setting is either rejected with a one-line BadInput error or renders finite guidance.
func FuzzSEGA(f *testing.F) {
	f.Add(1.0, 5.0, 0.9, 0.1, 0.4, 2, -1, false, int64(1))
	f.Add(0.0, 5.0, 0.0, 0.1, 0.4, 0, 1, true, int64(2))
	f.Add(-3.0, 1000.0, 0.999, 1.0, 0.0, 3, 0, false, int64(3))
	f.Add(math.NaN(), math.Inf(1), 1.0, -1.0, 2.0, -1, -2, true, int64(4))
	f.Fuzz(func(t *testing.T, weight, scale, threshold, momentum, beta float64, warmUp, coolDown int, reverse bool, seed int64) {
		c := Concept{Prompt: "a", Weight: weight, EditGuidance: scale, WarmUp: warmUp, Threshold: threshold, Reverse: reverse}
		if coolDown >= -1 {
			c.CoolDown = &coolDown
		}
		cfg := SEGAConfig{Concepts: []Concept{c, DefaultConcept("b")}, MomentumScale: momentum, MomentumBeta: beta}
		cfg.Concepts[1].WarmUp = 1
		s, err := NewSEGA(cfg)
		if err != nil {
			requireBadInput(t, err, "")
			return
		}
		const steps = 50
		if err := s.Begin(renderInfo(1, 2, 2, 2, steps)); err != nil {
			requireBadInput(t, err, "")
			return
		}
		rng := rand.New(rand.NewPCG(uint64(seed), 0))
		for i := range steps {
			d := randomStep(rng, 8, 2)
			for k, v := range guide(t, s, i, d, cfgDelta(d, 7.5)) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("step %d value %d: %g", i, k, v)
				}
			}
		}
	})
}
