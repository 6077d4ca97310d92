package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/nudge-studio/nudge/runtime/noise"
	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// Render runs text-to-image exactly as diffusers' (Onnx)StableDiffusionPipeline does for the
// same model and seed: torch-compatible initial noise × init_noise_sigma, classifier-free
// guidance as one batched UNet call per step with the unconditional rows first, the
// scheduler step, then the VAE one image at a time. Techniques hook in at the points listed
// in technique.go. onStep, if set, is called after every step on the calling goroutine.
func (m *Model) Render(ctx context.Context, req Request, onStep func(StepInfo)) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := m.Sizes.Check(req.Width, req.Height); err != nil {
		return nil, err
	}
	r, err := m.newRender(ctx, req)
	if err != nil {
		return nil, err
	}
	for i := range r.timesteps {
		info, err := r.step(ctx, i)
		if err != nil {
			return nil, err
		}
		if onStep != nil {
			onStep(info)
		}
	}
	return m.finish(ctx, r)
}

// render is the state of one Render call.
type render struct {
	m         *Model
	req       Request
	sched     scheduler.Scheduler
	gen       *noise.Generator
	timesteps []float64
	latents   Tensor                // [B,4,h,w], unscaled
	cond      Tensor                // UNet encoder_hidden_states for every row group, in batch order
	groups    int                   // row groups per step: 1 (text) or 2+extra (uncond, text, extras)
	conds     []*PromptConditioning // per row group
	condAt    []int                 // the schedule entry per group that cond holds
	extra     []extraRows
	cfg       bool
	attention []*AttentionRunner // per technique (same index): its prepared graphs, or nil
	started   time.Time
	timings   []StepTimings
}

// extraRows ties a Guider to the row groups of its own prompts (none if it adds no rows).
type extraRows struct {
	g        Guider
	first, n int
}

func (m *Model) newRender(ctx context.Context, req Request) (*render, error) {
	if err := m.checkTxt2Img(); err != nil {
		return nil, err
	}
	if err := m.sliceFor(req.Height/8, req.Width/8); err != nil {
		return nil, err
	}
	name := req.Scheduler
	if name == "" {
		name = m.Scheduler.ClassName
	}
	if name == "" {
		name = "pndm" // SD 1.x's scheduler, for configs without _class_name
	}
	cfg, err := m.Scheduler.With(req.SchedulerOptions)
	if err != nil {
		return nil, err
	}
	sched, err := scheduler.New(name, cfg, scheduler.Options{Karras: req.Karras, Eta: req.Eta})
	if err != nil {
		return nil, err
	}
	if err := sched.SetTimesteps(req.Steps); err != nil {
		return nil, err
	}
	kernel, err := noiseKernel(req.NoiseKernel)
	if err != nil {
		return nil, err
	}
	r := &render{m: m, req: req, sched: sched, gen: noise.NewTorchCPUKernel(req.Seed, kernel),
		timesteps: sched.Timesteps(), cfg: req.Guidance > 1, started: time.Now()}
	h, w := int64(req.Height/8), int64(req.Width/8)
	r.latents = Tensor{Shape: []int64{int64(req.Batch), 4, h, w}, Data: r.gen.Randn(req.Batch * 4 * int(h*w))}
	sigma := float32(sched.InitNoiseSigma())
	for i := range r.latents.Data {
		r.latents.Data[i] *= sigma
	}
	if err := m.useEmbeddings(req.Embeddings); err != nil {
		return nil, err
	}
	if err := r.buildConditioning(ctx); err != nil {
		return nil, err
	}
	info := r.renderInfo()
	if err := r.begin(info); err != nil {
		return nil, err
	}
	return r, r.prepareAttention(ctx, info)
}

// buildConditioning encodes (with the cache) the prompts of every row group:
// [negative, prompt, technique prompts…] with CFG, [prompt] without, each repeated per image.
func (r *render) buildConditioning(ctx context.Context) error {
	prompts := []string{r.req.Prompt}
	if r.cfg {
		prompts = []string{r.req.Negative, r.req.Prompt}
		for _, t := range r.req.Techniques {
			g, guides := t.(Guider)
			c, conditions := t.(Conditioner)
			var ps []string
			if conditions {
				ps = c.Conditions()
			}
			if guides {
				r.extra = append(r.extra, extraRows{g: g, first: len(prompts), n: len(ps)})
			}
			prompts = append(prompts, ps...)
		}
	}
	r.conds = make([]*PromptConditioning, len(prompts))
	for i, p := range prompts {
		c, err := r.m.Conditioning(ctx, p, r.req.Steps, TextSpec{ClipSkip: r.req.ClipSkip})
		if err != nil {
			return err
		}
		r.conds[i] = c
	}
	r.groups = len(prompts)
	return r.conditionFor(ctx, 0)
}

func (r *render) renderInfo() RenderInfo {
	return RenderInfo{Batch: r.req.Batch, Channels: 4, Height: int(r.latents.Shape[2]), Width: int(r.latents.Shape[3]),
		Timesteps: r.timesteps, GuidanceScale: r.req.Guidance, CFG: r.cfg,
		PromptTokens: r.m.promptTokens(r.conds[r.promptGroup()]), MaxLength: r.m.MaxLength}
}

func (r *render) begin(info RenderInfo) error {
	for _, t := range r.req.Techniques {
		if b, ok := t.(Beginner); ok {
			if err := b.Begin(info); err != nil {
				return fmt.Errorf("%s: %w", t.Name(), err)
			}
		}
	}
	return nil
}

// noiseKernel maps the session's generator name to a torch randn kernel.
func noiseKernel(name string) (noise.Kernel, error) {
	if name == "" || name == "torch_cpu" {
		return noise.KernelScalar, nil
	}
	return noise.ParseKernel(name)
}
