package techniques

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/nudge-studio/nudge/runtime"
)

// SEGA is semantic guidance (Brack et al. 2023, "SEGA: Instructing Text-to-Image Models using
// Semantic Guidance"), ported exactly from diffusers' SemanticStableDiffusionPipeline
// (pipelines/deprecated/semantic_stable_diffusion/pipeline_semantic_stable_diffusion.py;
// Brack et al. 2023, SEGA, §3). Each concept prompt joins the batched UNet call; its
// difference from the unconditional prediction, scaled and masked to the strongest
// (1−threshold) fraction of every latent channel, is added to the CFG term, with momentum.
//
// The one deliberate difference from diffusers is in sega_guide.go (partialWarmUp).
type SEGA struct {
	cfg   SEGAConfig
	info  runtime.RenderInfo
	begun bool

	momentum []float32          // diffusers' edit_momentum, kept across steps
	edits    [][]float32        // per concept: masked, scaled edit direction of this step
	sum      []float32          // weighted sum of the edits
	quantile *magnitudeQuantile // per-channel thresholds, buffers sized for one channel

	statsMu sync.Mutex
	stats   StepStats
}

// SEGA plugs into the loop at Begin, Conditions and Guide.
var (
	_ runtime.Beginner    = (*SEGA)(nil)
	_ runtime.Conditioner = (*SEGA)(nil)
	_ runtime.Guider      = (*SEGA)(nil)
)

// Concept is one SEGA editing prompt with its own parameters (diffusers accepts each
// parameter as a scalar or a per-concept list; nudge always stores it per concept).
type Concept struct {
	Prompt       string
	Weight       float64 // edit_weights[c]; ≤ 0 counts as 0
	EditGuidance float64 // edit_guidance_scale[c]
	WarmUp       int     // edit_warmup_steps[c]: UNet calls before the concept is applied
	CoolDown     *int    // edit_cooldown_steps[c]: first call it stops; nil = never
	Threshold    float64 // edit_threshold[c] in [0,1): quantile of |edit| below which it is dropped
	Reverse      bool    // reverse_editing_direction[c]: steer away from the concept
}

// SEGAConfig is everything SEGA needs besides the render's shape; it is also the session's
// [sega] block (sega_block.go).
type SEGAConfig struct {
	// Enabled switches the technique on; off (or no concepts) renders as without SEGA.
	Enabled       bool
	Concepts      []Concept
	MomentumScale float64 // edit_momentum_scale, in [0,1]
	MomentumBeta  float64 // edit_mom_beta, in [0,1]
	// SemGuidance, when set, is diffusers' sem_guidance: one Batch×C×H×W term per UNet call,
	// added to the guidance after the concepts (replaying a recorded edit).
	SemGuidance [][]float32
}

// Diffusers' defaults for SemanticStableDiffusionPipeline.__call__.
const (
	defaultEditGuidance  = 5
	defaultWarmUp        = 10
	defaultThreshold     = 0.9
	defaultMomentumScale = 0.1
	defaultMomentumBeta  = 0.4
	defaultWeight        = 1
)

// maxMagnitude bounds weights and scales: far beyond any useful value (diffusers' examples
// stay under 20), small enough that nothing overflows float32.
const maxMagnitude = 1000

// DefaultConcept is a concept with diffusers' defaults: weight 1, edit guidance 5, warm-up
// 10, no cool-down, threshold 0.9, towards the concept.
func DefaultConcept(prompt string) Concept {
	return Concept{Prompt: prompt, Weight: defaultWeight, EditGuidance: defaultEditGuidance,
		WarmUp: defaultWarmUp, Threshold: defaultThreshold}
}

// DefaultSEGAConfig holds the concepts, switched on, with diffusers' default momentum (scale
// 0.1, beta 0.4). A zero SEGAConfig has no momentum at all, which diffusers never uses by
// default.
func DefaultSEGAConfig(concepts ...Concept) SEGAConfig {
	return SEGAConfig{Enabled: true, Concepts: concepts, MomentumScale: defaultMomentumScale,
		MomentumBeta: defaultMomentumBeta}
}

// NewSEGA validates cfg and returns the technique for one render. It copies cfg, so the
// caller may change its own value while the render runs. Errors are *ConfigError (BadInput).
func NewSEGA(cfg SEGAConfig) (*SEGA, error) {
	var problems []string
	for i, c := range cfg.Concepts {
		for _, p := range c.problems() {
			problems = append(problems, fmt.Sprintf("concept %d (%s): %s", i+1, quotePrompt(c.Prompt), p))
		}
	}
	if !(cfg.MomentumScale >= 0 && cfg.MomentumScale <= 1) {
		problems = append(problems, fmt.Sprintf("momentum scale %g is outside [0,1] — above 1 the momentum grows without bound; use a value such as 0.1", cfg.MomentumScale))
	}
	if !(cfg.MomentumBeta >= 0 && cfg.MomentumBeta <= 1) {
		problems = append(problems, fmt.Sprintf("momentum beta %g is outside [0,1] — use a value such as 0.4", cfg.MomentumBeta))
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Technique: "sega", Problems: problems}
	}
	cfg.Concepts = append([]Concept(nil), cfg.Concepts...)
	for i, c := range cfg.Concepts {
		if c.CoolDown != nil {
			v := *c.CoolDown
			cfg.Concepts[i].CoolDown = &v
		}
	}
	cfg.SemGuidance = append([][]float32(nil), cfg.SemGuidance...)
	return &SEGA{cfg: cfg}, nil
}

// problems lists what is wrong with one concept's settings, each with what to do.
func (c Concept) problems() []string {
	var out []string
	if strings.TrimSpace(c.Prompt) == "" {
		out = append(out, "empty prompt — type the concept to steer towards, or remove it")
	}
	if p := magnitudeProblem("weight", c.Weight); p != "" {
		out = append(out, p)
	}
	if p := magnitudeProblem("edit guidance", c.EditGuidance); p != "" {
		out = append(out, p)
	}
	if what, hint, bad := thresholdProblem(c.Threshold); bad {
		out = append(out, what+" — "+hint)
	}
	if c.WarmUp < 0 {
		out = append(out, fmt.Sprintf("warm-up %d is negative — use 0 to apply from the first step", c.WarmUp))
	}
	if c.CoolDown != nil && *c.CoolDown < 0 {
		out = append(out, fmt.Sprintf("cool-down %d is negative — leave it unset to never cool down", *c.CoolDown))
	}
	return out
}

// thresholdProblem is SEGA's one threshold rule, used by NewSEGA and by session validation
// (SEGAConfig.CheckBlock): edit_threshold is the quantile of |edit| below which values are
// dropped, in [0,1); at 1 the mask would keep only the per-channel maximum.
func thresholdProblem(v float64) (what, hint string, bad bool) {
	if v >= 0 && v < 1 {
		return "", "", false
	}
	return fmt.Sprintf("threshold %g is outside [0,1)", v), "use a fraction such as 0.9", true
}

func magnitudeProblem(name string, v float64) string {
	if math.IsNaN(v) || math.Abs(v) > maxMagnitude {
		return fmt.Sprintf("%s %g is not a number within ±%d — use a value such as 1", name, v, maxMagnitude)
	}
	return ""
}

// quotePrompt quotes a prompt for an error message, shortened to keep the message one line.
func quotePrompt(p string) string {
	if r := []rune(p); len(r) > 40 {
		p = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%q", p)
}

// Name is the session-block name.
func (s *SEGA) Name() string { return "sega" }

// Concepts returns a copy of the concepts in the order Conditions and LastStats use.
func (s *SEGA) Concepts() []Concept { return append([]Concept(nil), s.cfg.Concepts...) }

// Begin checks the settings against the render and allocates the per-render buffers. Its
// errors leave out the "sega:" prefix, which the engine adds.
func (s *SEGA) Begin(r runtime.RenderInfo) error {
	if r.Batch <= 0 || r.Channels <= 0 || r.Height <= 0 || r.Width <= 0 || len(r.Timesteps) == 0 {
		return fmt.Errorf("render shape %d×%d×%d×%d with %d steps is empty",
			r.Batch, r.Channels, r.Height, r.Width, len(r.Timesteps))
	}
	if err := s.checkAgainst(r); err != nil {
		return err
	}
	size := r.Batch * r.Channels * r.Height * r.Width
	s.info = r
	s.momentum = make([]float32, size)
	s.sum = make([]float32, size)
	s.edits = make([][]float32, len(s.cfg.Concepts))
	for c := range s.edits {
		s.edits[c] = make([]float32, size)
	}
	s.quantile = newMagnitudeQuantile(r.Height * r.Width)
	s.begun = true
	return nil
}

// checkAgainst reports settings that cannot work with this render's step count or shape.
func (s *SEGA) checkAgainst(r runtime.RenderInfo) error {
	var problems []string
	steps := len(r.Timesteps)
	for i, c := range s.cfg.Concepts {
		if c.WarmUp > steps {
			problems = append(problems, fmt.Sprintf("concept %d (%s): warm-up %d is beyond the %d UNet steps — lower it or raise the steps",
				i+1, quotePrompt(c.Prompt), c.WarmUp, steps))
		}
	}
	if sem := s.cfg.SemGuidance; sem != nil {
		problems = append(problems, semGuidanceProblems(sem, steps, r.Batch*r.Channels*r.Height*r.Width)...)
	}
	if len(problems) > 0 {
		return &ConfigError{Problems: problems} // the engine prefixes the technique's name
	}
	return nil
}

func semGuidanceProblems(sem [][]float32, steps, size int) []string {
	if len(sem) < steps {
		return []string{fmt.Sprintf("sem guidance has %d steps, the render needs %d — record it with the same steps", len(sem), steps)}
	}
	for i, term := range sem[:steps] {
		if len(term) != size {
			return []string{fmt.Sprintf("sem guidance step %d has %d values, the latents have %d — record it with the same size and batch", i, len(term), size)}
		}
		for _, v := range term {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return []string{fmt.Sprintf("sem guidance step %d holds %g — record it again", i, v)}
			}
		}
	}
	return nil
}

// Conditions returns the concept prompts, in order. Without CFG (guidance ≤ 1) diffusers
// runs no concept rows, so once Begin has seen such a render it returns none.
func (s *SEGA) Conditions() []string {
	if s.begun && !s.info.CFG {
		return nil
	}
	prompts := make([]string, len(s.cfg.Concepts))
	for i, c := range s.cfg.Concepts {
		prompts[i] = c.Prompt
	}
	return prompts
}
