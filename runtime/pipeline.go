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
	// kind is the pipeline the UNet is made for; image the request's input image (nil for
	// text-to-image); offset the first UNet call of the scheduler's schedule that runs
	// (img2img strength), so timesteps[i] is the scheduler's call offset+i; extraIn the
	// channels the UNet takes after the latents (instruct-pix2pix, depth2img).
	kind      Pipeline
	image     *ImageInput
	offset    int
	extraIn   extraChannels
	attention []*AttentionRunner // per technique (same index): its prepared graphs, or nil
	mapsFrom  int                // the technique whose maps the step's UNet call outputs, or −1
	loras     []AppliedLoRA
	started   time.Time
	timings   []StepTimings
}

// extraRows ties a Guider to the row groups of its own prompts (none if it adds no rows).
type extraRows struct {
	g        Guider
	first, n int
}

func (m *Model) newRender(ctx context.Context, req Request) (*render, error) {
	in, err := imageInputOf(req.Techniques)
	if err != nil {
		return nil, err
	}
	kind, err := m.pipelineFor(in)
	if err != nil {
		return nil, err
	}
	if err := m.sliceFor(req.Height/8, req.Width/8); err != nil {
		return nil, err
	}
	if err := m.checkLoRAWith(req); err != nil {
		return nil, err
	}
	loras, err := m.applyLoRAs(req.LoRAs)
	if err != nil {
		return nil, err
	}
	sched, err := m.newScheduler(req)
	if err != nil {
		return nil, err
	}
	kernel, err := noiseKernel(req.NoiseKernel)
	if err != nil {
		return nil, err
	}
	r := &render{m: m, req: req, sched: sched, gen: noise.NewTorchCPUKernel(req.Seed, kernel),
		cfg: req.Guidance > 1, kind: kind, image: in, mapsFrom: -1, loras: loras, started: time.Now()}
	if kind == PipelineInstruct {
		// StableDiffusionInstructPix2PixPipeline.do_classifier_free_guidance
		r.cfg = req.Guidance > 1 && in.ImageGuidance >= 1
	}
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	r.timesteps = sched.Timesteps()[r.offset:]
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

// newScheduler builds the request's scheduler from the model's config and sets its steps.
func (m *Model) newScheduler(req Request) (scheduler.Scheduler, error) {
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
	return sched, sched.SetTimesteps(req.Steps)
}

// buildConditioning encodes (with the cache) the prompts of every row group:
// [negative, prompt, technique prompts…] with CFG, [prompt] without, each repeated per image.
func (r *render) buildConditioning(ctx context.Context) error {
	prompts := []string{r.req.Prompt}
	if r.cfg {
		prompts = []string{r.req.Negative, r.req.Prompt}
		if r.kind == PipelineInstruct {
			// [negative + image, prompt + image, negative + zero image]: diffusers' rows
			// [prompt, negative, negative] reordered so rows 0 and 1 stay CFG's uncond
			// and text; the guidance below reads them by role (guide).
			prompts = append(prompts, r.req.Negative)
			r.extraIn.zeroGroup = 2
		}
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
	info := RenderInfo{Batch: r.req.Batch, Channels: 4, Height: int(r.latents.Shape[2]), Width: int(r.latents.Shape[3]),
		Timesteps: r.timesteps, GuidanceScale: r.req.Guidance, CFG: r.cfg,
		PromptTokens: r.m.promptTokens(r.conds[r.promptGroup()]), MaxLength: r.m.MaxLength}
	info.Forward, _ = scheduler.ForwardOf(r.sched)
	return info
}

func (r *render) begin(info RenderInfo) error {
	for _, t := range r.req.Techniques {
		// A Refiner's extra UNet calls feed bare latents; the image channels of instruct-pix2pix
		// and depth2img UNets have no degraded counterpart in diffusers' SAG pipeline either.
		if _, ok := t.(Refiner); ok && r.kind != PipelineText {
			return fmt.Errorf("%s works on text-to-image UNets, not %s ones: turn one of them off", t.Name(), r.kind)
		}
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
