package techniques

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// SAG is Self-Attention Guidance (Hong et al. 2023, "Improving Sample Quality of Diffusion
// Models Using Self-Attention Guidance", §4, eq. 16 and 25), ported from diffusers'
// StableDiffusionSAGPipeline.__call__ and sag_masking
// (pipelines/deprecated/stable_diffusion_sag/pipeline_stable_diffusion_sag.py). Each step it
// reads the head-averaged self-attention map of the mid block's first transformer (attn1)
// from the step's own UNet call, marks the latent pixels that map attends to most, blurs the
// predicted x₀ there (Gaussian, 9 taps, σ 1), noises the result back to the step with the
// predicted ε, and runs the UNet once more on it with the unconditional embedding (the prompt's
// without CFG). The noise estimate moves away from that degraded prediction:
// ε += sag_scale·(ε_uncond − ε_degraded) (ε_text for ε_uncond without CFG).
type SAG struct {
	cfg  SAGConfig
	info runtime.RenderInfo

	statsMu sync.Mutex
	stats   SAGStats
}

// SAG plugs into the loop at Begin, AttentionNeeds and Refine.
var (
	_ runtime.Beginner      = (*SAG)(nil)
	_ runtime.AttentionUser = (*SAG)(nil)
	_ runtime.Refiner       = (*SAG)(nil)
)

// SAGConfig is diffusers' sag_scale; it is also the session's [sag] block (sag_block.go).
type SAGConfig struct {
	Enabled bool
	// Scale is sag_scale, s of eq. 16; 0 renders the plain image (diffusers'
	// do_self_attention_guidance = sag_scale > 0).
	Scale float64
}

// DefaultSAGConfig is switched on at diffusers' default sag_scale 0.75.
func DefaultSAGConfig() SAGConfig { return SAGConfig{Enabled: true, Scale: 0.75} }

// MaxSAGScale bounds sag_scale; the paper's figures use up to 1, larger values only break
// images.
const MaxSAGScale = 10

// SAGStats describe the last step: the share of latent pixels the mask blurred (first image)
// and the mean |sag_scale·(ε_uncond − ε_degraded)| the guidance added.
type SAGStats struct {
	Step    int
	Masked  float64
	MeanAbs float64
}

// NewSAG validates cfg and returns the technique for one render.
func NewSAG(cfg SAGConfig) (*SAG, error) {
	if p := cfg.problem(); p != "" {
		return nil, &ConfigError{Technique: "sag", Problems: []string{p}}
	}
	return &SAG{cfg: cfg, stats: SAGStats{Step: -1}}, nil
}

func (c SAGConfig) problem() string {
	if !(c.Scale >= 0 && c.Scale <= MaxSAGScale) {
		return fmt.Sprintf("scale %g is outside [0, %d] — diffusers' default is 0.75", c.Scale, MaxSAGScale)
	}
	return ""
}

// Name is the session block name.
func (s *SAG) Name() string { return "sag" }

// Begin checks the scheduler has an ᾱ table and the latent is large enough for the blur's
// reflect padding.
func (s *SAG) Begin(r runtime.RenderInfo) error {
	if s.cfg.Scale > 0 && r.Forward == nil {
		return &ConfigError{Problems: []string{"this scheduler has no ᾱ table to predict x₀ with — use pndm, ddim or dpmpp_2m (diffusers' SAG pipeline cannot run Euler either)"}}
	}
	if half := sagBlurSize / 2; s.cfg.Scale > 0 && (r.Height <= half || r.Width <= half) {
		return &ConfigError{Problems: []string{fmt.Sprintf(
			"the latent is %d×%d; SAG's 9-tap blur needs both sides above %d — render at least %d×%d pixels", r.Width, r.Height, half, 8*(half+1), 8*(half+1))}}
	}
	s.info = r
	return nil
}

// Needs is the mid block's self-attention maps (head-averaged) with the noise prediction in
// the same graph, so the step's own UNet call yields both; nothing at scale 0.
func (c SAGConfig) Needs() *runtime.AttentionNeeds {
	if c.Scale == 0 {
		return nil
	}
	return &runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindSelf, Block: "mid_block"}, KeepNoise: true}
}

// AttentionNeeds asks for the maps of Needs.
func (s *SAG) AttentionNeeds(runtime.RenderInfo) (*runtime.AttentionNeeds, error) {
	return s.cfg.Needs(), nil
}

// Refine applies eq. 16 to the step's noise estimate.
func (s *SAG) Refine(ctx context.Context, r *runtime.Refinement) error {
	if s.cfg.Scale == 0 {
		return nil
	}
	base := r.Uncond // eq. 25: the unconditional prediction and map with CFG
	if base == nil {
		base = r.Text
	}
	degraded, masked, err := s.degraded(r, base)
	if err != nil {
		return err
	}
	pred, err := r.Predict(ctx, degraded)
	if err != nil {
		return err
	}
	sc := float32(s.cfg.Scale)
	var sum float64
	for i := range r.Eps {
		d := sc * (base[i] - pred[i])
		r.Eps[i] += d
		sum += float64(abs32(d))
	}
	s.statsMu.Lock()
	s.stats = SAGStats{Step: r.Step, Masked: masked, MeanAbs: sum / float64(len(r.Eps))}
	s.statsMu.Unlock()
	return nil
}

// degraded is sag_masking(pred_x0, attn, map_size, t, pred_epsilon) for base's rows; masked
// is the first image's masked share.
func (s *SAG) degraded(r *runtime.Refinement, base []float32) ([]float32, float64, error) {
	k := midAttn1(r.MapInfo)
	if k < 0 {
		return nil, 0, fmt.Errorf("the step's UNet call brought no mid-block self-attention map")
	}
	info, maps := r.MapInfo[k], r.Maps[k]
	b, c, h, w := s.info.Batch, s.info.Channels, s.info.Height, s.info.Width
	ac, err := r.Forward.AlphaCumprod(r.Timestep)
	if err != nil {
		return nil, 0, err
	}
	x0, err := sagPredX0(r.Latents, base, ac, r.Forward.PredictionType())
	if err != nil {
		return nil, 0, err
	}
	eps, err := sagPredEps(r.Latents, base, ac, r.Forward.PredictionType())
	if err != nil {
		return nil, 0, err
	}
	// The first B rows are the unconditional ones with CFG, the prompt's without.
	mask := sagMask(maps.Data[:b*info.RowElems()], b, info.Height, info.Width, h, w)
	var masked float64
	for _, v := range mask[:h*w] {
		masked += float64(v)
	}
	return r.Forward.AddNoise(sagDegrade(x0, mask, b, c, h, w), eps, r.Step), masked / float64(h*w), nil
}

// midAttn1 finds mid_block.attentions[0].transformer_blocks[0].attn1, the layer diffusers'
// SAG stores (the first mid-block self-attention when the path names differ).
func midAttn1(maps []runtime.AttentionMap) int {
	for i, m := range maps {
		if strings.Contains(m.Path, "attentions.0/transformer_blocks.0/attn1") {
			return i
		}
	}
	if len(maps) > 0 {
		return 0
	}
	return -1
}

// LastStats returns the stats of the most recent step (Step −1 before the first).
func (s *SAG) LastStats() SAGStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.stats
}
