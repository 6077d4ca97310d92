package runtime

import (
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"
	"time"
)

// Request is one render: what diffusers' StableDiffusionPipeline.__call__ takes, plus the
// techniques that steer it.
type Request struct {
	Prompt, Negative string
	Width, Height    int
	Steps            int
	Batch            int
	Guidance         float64
	Seed             uint64
	Scheduler        string // "" uses the model's scheduler_config.json
	Karras           bool
	Eta              float64
	// SchedulerOptions override keys of the model's scheduler_config.json for this render
	// (a session's [sampler.options], e.g. timestep_spacing = "trailing").
	SchedulerOptions map[string]any
	// NoiseKernel picks which of torch's CPU randn kernels to reproduce: "torch_cpu" or
	// "scalar" (the default; PyTorch on AVX-512, ARM and Apple) or "avx2" (PyTorch's AVX2
	// build). See runtime/noise.
	NoiseKernel string
	Techniques  []Technique
	// ClipSkip ≥ 2 conditions on an earlier CLIP layer (A1111's "Clip skip"); 0 and 1 use
	// the last layer.
	ClipSkip int
	// LoRAs are merged into the UNet and text encoder for this render (lora.go); an empty
	// list renders the base model bit for bit.
	LoRAs []LoRA
	// Embeddings are textual-inversion embedding files the prompts may use besides those in
	// Options.EmbeddingDirs (a session's recorded embeddings, --embedding); read by
	// runtime/textinv.
	Embeddings []string
	// Preview asks the Engine to decode step previews: PreviewTAESD or PreviewVAE every
	// PreviewEvery steps (0 or 1: every step); PreviewNone leaves step events with latents
	// only. The final image always comes from the full VAE.
	Preview      string
	PreviewEvery int
}

// StepTimings splits one step's wall time. UNet is time inside ORT's Run only; Other is
// what remains (batch assembly, tensor conversion at the ORT boundary, copies), which with
// Guidance and Scheduler is the orchestration overhead docs/benchmarks.md reports.
type StepTimings struct {
	UNet, Guidance, Scheduler, Techniques, Other, Total time.Duration
}

// StepInfo reports a finished step. Latents is a copy the receiver may keep; Image is the
// decoded preview when the job asked the Engine for one (Request.Preview), else nil.
type StepInfo struct {
	Step, Steps int
	Timestep    float64
	Latents     Tensor
	Timings     StepTimings
	Image       *image.RGBA
	// Stats are what the request's techniques report about this step (StatsReporter), in
	// request order, so a front end can show them without knowing any technique.
	Stats []TechniqueStats
}

// Limits on a request, the same as session.MaxSide and session.MaxSteps (tested): 998
// steps because with steps_offset = 1 "leading" spacing reaches timestep 1000, past the
// 1000-entry training schedule, at 1000 steps (999 for DPM-Solver++).
const (
	MaxSide  = 4096
	MaxSteps = 998
)

// requestError is a request the user must fix.
type requestError struct{ msg string }

func (e requestError) Error() string  { return e.msg }
func (e requestError) BadInput() bool { return true }

// Validate checks the request's numbers before any model work starts.
func (r *Request) Validate() error {
	var errs []string
	if r.Width <= 0 || r.Height <= 0 || r.Width%8 != 0 || r.Height%8 != 0 {
		errs = append(errs, fmt.Sprintf("size %dx%d: width and height must be positive multiples of 8", r.Width, r.Height))
	}
	if r.Width > MaxSide || r.Height > MaxSide {
		errs = append(errs, fmt.Sprintf("size %dx%d: larger than %dx%d", r.Width, r.Height, MaxSide, MaxSide))
	}
	if r.Steps < 1 || r.Steps > MaxSteps {
		errs = append(errs, fmt.Sprintf("steps %d: must be 1..%d", r.Steps, MaxSteps))
	}
	if r.Batch < 1 || r.Batch > 64 {
		errs = append(errs, fmt.Sprintf("batch %d: must be 1..64", r.Batch))
	}
	if math.IsNaN(r.Guidance) || math.IsInf(r.Guidance, 0) || r.Guidance < 0 {
		errs = append(errs, fmt.Sprintf("guidance %v: must be a finite number ≥ 0", r.Guidance))
	}
	if math.IsNaN(r.Eta) || r.Eta < 0 || r.Eta > 1 {
		errs = append(errs, fmt.Sprintf("eta %v: must be in [0, 1]", r.Eta))
	}
	for _, l := range r.LoRAs {
		if math.IsNaN(l.Scale) || math.IsInf(l.Scale, 0) || math.Abs(l.Scale) > 100 {
			errs = append(errs, fmt.Sprintf("lora %s: scale %v must be a finite number in [-100, 100]", filepath.Base(l.Path), l.Scale))
		}
	}
	if r.ClipSkip < 0 || r.ClipSkip > 12 {
		errs = append(errs, fmt.Sprintf("clip skip %d: must be 1..12", r.ClipSkip))
	}
	if len(errs) > 0 {
		return requestError{strings.Join(errs, "; ")}
	}
	return nil
}
