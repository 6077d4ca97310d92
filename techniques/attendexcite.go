package techniques

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// AttendExcite is Attend-and-Excite (Chefer et al. 2023, "Attend-and-Excite: Attention-Based
// Semantic Guidance for Text-to-Image Diffusion Models"), ported from diffusers'
// StableDiffusionAttendAndExcitePipeline (pipelines/deprecated/
// stable_diffusion_attend_and_excite; Chefer et al. 2023, §3). Before each of the first
// MaxIterToAlter steps it nudges every sample's latent so that the weakest chosen token's
// smoothed cross-attention peak rises: the loss is computed in Go from the head-averaged
// maps, and the runtime's VJP graph turns its gradient into a gradient on the latent. At the
// threshold steps it refines iteratively until the loss is low enough. The normal CFG step
// follows with the updated latents.
//
// Differences from diffusers, none of which change the result: the A&E forward is skipped in
// steps where diffusers discards it (past MaxIterToAlter, not a threshold step), and a forward
// at a latent that has not changed since the last one is reused instead of recomputed.
type AttendExcite struct {
	cfg   AttendExciteConfig
	info  runtime.RenderInfo
	steps []float64 // step size α_i per UNet call

	statsMu sync.Mutex
	stats   AttendExciteStats
}

// AttendExcite plugs into the loop at Begin, AttentionNeeds and UpdateLatents.
var (
	_ runtime.Beginner      = (*AttendExcite)(nil)
	_ runtime.AttentionUser = (*AttendExcite)(nil)
	_ runtime.LatentUpdater = (*AttendExcite)(nil)
)

// AttendExciteConfig holds diffusers' __call__ arguments for A&E; it is also the session's
// [attend_excite] block (attendexcite_block.go).
type AttendExciteConfig struct {
	// Enabled switches the technique on; off renders as without it.
	Enabled bool
	// Tokens are CLIP positions counting the start token as 0 ("a cat and a frog": cat = 2,
	// frog = 5). None chosen makes the technique do nothing: the render is plain CFG.
	Tokens []int
	// TokenTexts holds the text of each token in Tokens, so an edited prompt can re-map the
	// indices; empty or the same length as Tokens. The technique itself does not read it.
	TokenTexts []string
	// Thresholds maps a step index to the threshold that triggers iterative refinement there:
	// refine while the loss is above 1 − threshold.
	Thresholds         map[int]float64
	ScaleFactor        float64 // step size α_i = ScaleFactor·√(linspace(1, 0.5, T)[i])
	MaxIterToAlter     int     // latents are updated in steps i < MaxIterToAlter
	MaxRefinementSteps int     // cap on the iterations of one refinement
	// AttentionResolution is the side of the cross-attention maps used (16 for SD 1.x at
	// 512²); 0 picks ceil(H/32)×ceil(W/32) as diffusers does for attn_res=None.
	AttentionResolution int
	// MeasureEffect evaluates the loss once more after each step's update (one more UNet
	// forward) and reports it in the stats, to show whether the update helped.
	MeasureEffect bool
}

// DefaultAttendExciteConfig is switched on, with diffusers' defaults: thresholds {0: 0.05, 10: 0.5, 20: 0.8},
// scale factor 20, 25 steps altered, 20 refinement iterations, 16×16 maps.
func DefaultAttendExciteConfig(tokens ...int) AttendExciteConfig {
	return AttendExciteConfig{Enabled: true, Tokens: tokens, Thresholds: map[int]float64{0: 0.05, 10: 0.5, 20: 0.8},
		ScaleFactor: 20, MaxIterToAlter: 25, MaxRefinementSteps: 20, AttentionResolution: 16}
}

// maxTokenPosition is the last CLIP position a prompt token can have (77 − 2: the start
// token and the final position are dropped before the softmax).
const maxTokenPosition = 75

// NewAttendExcite validates cfg and returns the technique for one render. Token positions are
// checked against the prompt in Begin. Errors are *ConfigError (BadInput).
func NewAttendExcite(cfg AttendExciteConfig) (*AttendExcite, error) {
	if problems := cfg.problems(); len(problems) > 0 {
		return nil, &ConfigError{Technique: "attend_excite", Problems: problems}
	}
	cfg.Tokens = append([]int(nil), cfg.Tokens...)
	th := make(map[int]float64, len(cfg.Thresholds))
	for k, v := range cfg.Thresholds {
		th[k] = v
	}
	cfg.Thresholds = th
	return &AttendExcite{cfg: cfg}, nil
}

func (c AttendExciteConfig) problems() []string {
	var out []string
	seen := map[int]bool{}
	for _, t := range c.Tokens {
		switch {
		case t == 0:
			out = append(out, "token 0 is the start token — count from 1 for the prompt's first token")
		case t < 0 || t > maxTokenPosition:
			out = append(out, fmt.Sprintf("token %d is outside the prompt positions 1…%d — pick a token of the prompt (`nudge tokens` lists them)", t, maxTokenPosition))
		case seen[t]:
			out = append(out, fmt.Sprintf("token %d is chosen twice — remove the duplicate", t))
		}
		seen[t] = true
	}
	for _, step := range sortedKeys(c.Thresholds) {
		if v := c.Thresholds[step]; step < 0 || !(v >= 0 && v <= 1) {
			out = append(out, fmt.Sprintf("threshold %g at step %d: steps count from 0 and thresholds lie in [0,1] — use e.g. {0: 0.05, 10: 0.5, 20: 0.8}", v, step))
		}
	}
	if !(c.ScaleFactor >= 0 && c.ScaleFactor <= maxMagnitude) {
		out = append(out, fmt.Sprintf("scale factor %g is outside [0, %d] — diffusers uses 20", c.ScaleFactor, maxMagnitude))
	}
	if c.MaxIterToAlter < 0 || c.MaxRefinementSteps < 0 || c.AttentionResolution < 0 {
		out = append(out, fmt.Sprintf("max_iter_to_alter %d, max_refinement_steps %d and attention_resolution %d must not be negative",
			c.MaxIterToAlter, c.MaxRefinementSteps, c.AttentionResolution))
	}
	return out
}

func sortedKeys(m map[int]float64) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// Name is the session-block name.
func (a *AttendExcite) Name() string { return "attend_excite" }

// Tokens returns the chosen token positions.
func (a *AttendExcite) Tokens() []int { return append([]int(nil), a.cfg.Tokens...) }

// Begin checks the tokens against the prompt and computes the step sizes.
func (a *AttendExcite) Begin(r runtime.RenderInfo) error {
	if problems := tokenProblems(a.cfg.Tokens, r.PromptTokens); len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	a.info = r
	a.steps = stepSizes(a.cfg.ScaleFactor, len(r.Timesteps))
	a.setStats(AttendExciteStats{Step: -1})
	return nil
}

// tokenProblems rejects positions that point at the start token, the end token or padding.
func tokenProblems(tokens []int, prompt []string) []string {
	var out []string
	last := len(prompt) - 1 // the end token's position
	for _, t := range tokens {
		switch {
		case t == last:
			out = append(out, fmt.Sprintf("token %d is the end token — the prompt's tokens are %s", t, listTokens(prompt)))
		case t > last:
			out = append(out, fmt.Sprintf("token %d is padding past the prompt's end — the prompt's tokens are %s", t, listTokens(prompt)))
		}
	}
	return out
}

// listTokens shows a prompt's positions as "1 a, 2 cat, …" (at most 12, for one line).
func listTokens(prompt []string) string {
	if len(prompt) <= 2 {
		return "none (the prompt is empty)"
	}
	s := ""
	for i := 1; i < len(prompt)-1 && i <= 12; i++ {
		if i > 1 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", i, strings.TrimSuffix(prompt[i], "</w>"))
	}
	if len(prompt)-2 > 12 {
		s += ", …"
	}
	return s
}

// stepSizes is scale_factor·√(np.linspace(1.0, 0.5, T)).
func stepSizes(scale float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		v := 1.0
		if n > 1 {
			v = 1 - 0.5*float64(i)/float64(n-1)
		}
		out[i] = scale * math.Sqrt(v)
	}
	return out
}

// AttentionNeeds asks for the head-averaged cross-attention maps at the chosen resolution
// (0: diffusers' attn_res=None, ceil(W/32)×ceil(H/32) of the image) and their gradient;
// nothing when no token is chosen.
func (a *AttendExcite) AttentionNeeds(r runtime.RenderInfo) (*runtime.AttentionNeeds, error) {
	if len(a.cfg.Tokens) == 0 {
		return nil, nil
	}
	needs := a.cfg.Needs(r.Height, r.Width)
	return &needs, nil
}

// Needs is what A&E asks of the model at a latent size: the head-averaged cross-attention
// maps at one resolution plus their gradient with respect to the latent (diffusers StableDiffusionAttendAndExcitePipeline).
// `nudge prepare` builds the same graphs from it, so a render finds them in the cache.
func (c AttendExciteConfig) Needs(latentH, latentW int) runtime.AttentionNeeds {
	h, w := c.AttentionResolution, c.AttentionResolution
	if h == 0 { // diffusers' attn_res=None: ceil(H/32) over the image, ceil(h/4) over the latent
		h, w = (latentH+3)/4, (latentW+3)/4
	}
	return runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindCross, Height: h, Width: w}, Gradient: true}
}
