package runtime

import (
	"context"

	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// A Technique steers a render. The denoising loop asks each technique, through the optional
// interfaces below, for what it needs; a technique implements only the hooks it uses, the way
// an io.Reader may also be an io.WriterTo. One step runs the hooks in this order, which is
// also the rule for combining several techniques (see docs/architecture.md):
//
//  1. LatentUpdater.UpdateLatents   before the UNet (attend-and-excite)
//  2. Conditioner.Conditions        extra rows in the batched UNet call (SEGA concepts)
//  3. one batched UNet call: [uncond×B, text×B, extra₁×B, …]
//  4. Guider.Guide                  add to the guidance term after CFG (SEGA)
//  5. Refiner.Refine                change the final noise estimate, with the maps of the
//     step's own UNet call and more UNet calls of its own (SAG)
//  6. scheduler step; a step event goes out.
//
// Techniques are built fresh for every job, so per-render state (SEGA's momentum) lives in
// the value and Begin resets nothing by accident.
type Technique interface {
	// Name is the technique's session-block name ("sega", "attend_excite").
	Name() string
}

// Beginner is told the render's shape and schedule once, before the first step.
type Beginner interface {
	Begin(r RenderInfo) error
}

// Conditioner adds prompts whose text-encoder rows join every step's batched UNet call.
// Their noise predictions come back to Guide in the same order. Embeddings are cached by the
// engine, so a technique whose prompts did not change costs no text-encoder call.
type Conditioner interface {
	Conditions() []string
}

// Guider changes the guidance term of one step (diffusers' `noise_guidance`).
type Guider interface {
	Guide(g *Guidance) error
}

// AttentionUser reads attention maps, and possibly their gradient with respect to the latent
// (attend-and-excite). After Begin the loop asks it once what it needs, prepares those graphs
// (from the cache of `nudge prepare` when they exist, else on the spot) and opens their
// sessions once per model; the runner then comes with every LatentUpdate. A nil result means
// the technique needs nothing this render (no tokens chosen, say).
type AttentionUser interface {
	AttentionNeeds(r RenderInfo) (*AttentionNeeds, error)
}

// LatentUpdater changes the latents before the UNet call of a step.
type LatentUpdater interface {
	UpdateLatents(ctx context.Context, u *LatentUpdate) error
}

// Refiner changes a step's final noise estimate after guidance (self-attention guidance).
// When its AttentionNeeds set KeepNoise, the step's batched UNet call itself runs the prepared
// graph that also outputs the selected maps (one call, as diffusers' SAG reads the maps its
// attention processor stored during the call), and the maps come with the Refinement. At most
// one technique of a render can ask for that.
type Refiner interface {
	Refine(ctx context.Context, r *Refinement) error
}

// Refinement is one step as a Refiner sees it. Slices hold Batch×C×H×W values in NCHW order.
type Refinement struct {
	Step     int
	Timestep float64
	Latents  []float32 // x_t before scale_model_input, as the step's UNet call saw them
	Uncond   []float32 // the unconditional prediction; nil without CFG
	Text     []float32 // the prompt's prediction
	// Eps is the noise estimate after CFG and the Guiders (uncond + Delta, or Text without
	// CFG); the Refiner changes it in place.
	Eps []float32
	// Maps are the maps its AttentionNeeds selected, from this step's batched UNet call, each
	// [rows, Lq, Lk] with the rows in batch order (uncond×B, text×B, technique rows… with
	// CFG; text×B without).
	Maps []Tensor
	// MapInfo describes Maps, in the same order.
	MapInfo []AttentionMap
	// Forward is the scheduler's noising process; nil for schedulers without one (Euler).
	Forward scheduler.Forward
	// Predict runs the UNet on latents (Batch×C×H×W, fed as given) at this step's timestep
	// with the first row group's conditioning: the negative prompt with CFG, the prompt
	// without — the rows diffusers' SAG uses for its extra call.
	Predict func(ctx context.Context, latents []float32) ([]float32, error)
}

// StatsReporter describes a technique's most recent step for a front end: a few named
// numbers or rows of numbers (SEGA: per-concept strength; A&E: per-token attention peaks).
// The loop asks after every step and sends the result with the step event. Stats must be
// safe to call while the next step runs.
type StatsReporter interface {
	Stats() []Stat
}

// Stat is one figure a technique reports. Values, when set, holds one number per item the
// technique works on (a concept, a token), in the order of its settings.
type Stat struct {
	Name   string // stable key, e.g. "peak"
	Label  string // what a person reads, e.g. "attention peak"
	Value  float64
	Values []float64
}

// TechniqueStats are one technique's stats after a step.
type TechniqueStats struct {
	Technique string // its Name
	Stats     []Stat
}

// RenderInfo describes the render a technique takes part in.
type RenderInfo struct {
	Batch, Channels, Height, Width int       // latent shape per group of rows
	Timesteps                      []float64 // one entry per UNet call (PNDM has N+1)
	GuidanceScale                  float64
	CFG                            bool // guidance_scale > 1: uncond and text rows are both present
	// PromptTokens are the prompt's tokens as the text encoder sees them at the first step,
	// one readable piece per position: A1111's syntax is removed first, so in
	// "a (red:1.3) fox" position 2 is "red</w>" (weights, brackets, escapes and BREAK take no
	// position). The start token is at 0, the end token last; padding follows up to
	// MaxLength. A prompt of several 75-token chunks lists every chunk (position 77·c + p is
	// position p of chunk c), each earlier chunk with its end token and padding.
	PromptTokens []string
	MaxLength    int // text-encoder sequence length of one chunk (77)
	// Forward is the scheduler's noising process (ᾱ table, prediction type, add_noise); nil
	// for schedulers without one (Euler).
	Forward scheduler.Forward
}

// Guidance carries one step's noise predictions to the Guiders. Slices hold Batch×C×H×W
// values in NCHW order. Delta starts as GuidanceScale·(Text−Uncond); the loop then takes
// noise_pred = Uncond + Delta, as diffusers' semantic pipeline does.
type Guidance struct {
	Step     int     // index of this UNet call in RenderInfo.Timesteps
	Timestep float64 // the timestep value
	Uncond   []float32
	Text     []float32
	Extra    [][]float32 // one per prompt of this technique's Conditions, same order
	Delta    []float32
}

// LatentUpdate gives a LatentUpdater the latents (unscaled, as diffusers' A&E uses them) and
// the step; Latents may be changed in place.
type LatentUpdate struct {
	Step     int
	Timestep float64
	Latents  []float32
	// Text is the prompt's text-encoder output [1, 77, D], the conditioning of every text row.
	Text Tensor
	// Attention runs the graphs an AttentionUser asked for; nil for other techniques.
	Attention *AttentionRunner
}
