package session

import "time"

// Version is the session schema version this package reads and writes. Files with a larger
// version are refused (see migrate.go); smaller ones are migrated forward.
const Version = 1

// Session is one studio session: the parameters of the current render, preview settings,
// the history of renders, and any technique blocks from a later minor schema this build does
// not know (kept in Params.Extra and written back unchanged).
type Session struct {
	Version int
	Params
	Preview *Preview // nil: the studio's defaults
	History []Snapshot
}

// Params is everything that determines a rendered image. A history Snapshot stores a full
// copy, so every entry can be re-rendered on its own (`nudge verify`).
type Params struct {
	Model            Model
	Runtime          Runtime
	Sampler          Sampler
	Noise            Noise
	Width, Height    int
	Batch            int
	Prompt, Negative string
	ClipSkip         int           // A1111's "Clip skip": 2+ conditions on an earlier CLIP layer; 0 or 1 the last
	SEGA             *SEGA         // nil: technique off
	AttendExcite     *AttendExcite // nil: technique off
	// Extra holds top-level tables this build does not know (a technique added by a later
	// version, e.g. [sag]), as decoded by the TOML library. They are validated only for
	// being tables and written back as read, so a v1 reader never drops them.
	Extra map[string]any
}

// Model names the model and records what it was when the session was rendered.
type Model struct {
	// Path is "demo:tiny", "demo:small" or "demo:sd15" (built-in demo models), an alias the
	// config resolves, or a folder; a relative folder is relative to the session file.
	Path string
	// Fingerprint is the combined SHA-256 (hex) of the model's files (see FingerprintDir);
	// empty when unknown.
	Fingerprint string
	// Files maps each hashed file (slash path relative to the model folder) to its SHA-256,
	// so `nudge verify` can say which file changed.
	Files map[string]string
}

// Runtime records how ONNX Runtime ran the model. The studio fills ORTVersion just before
// saving; this package cannot ask ORT itself.
type Runtime struct {
	Provider   string // "cpu", "cuda", …
	Precision  string // "fp32" or "fp16"
	ORTVersion string // e.g. "1.30.0"
}

// Sampler is the scheduler and guidance settings.
type Sampler struct {
	Scheduler string // see Schedulers
	Steps     int
	Guidance  float64 // classifier-free guidance scale
	Eta       float64 // DDIM η; 0 is deterministic
	Karras    bool    // Karras σ spacing
	// Options are scheduler-specific settings (e.g. timestep_spacing = "leading"); values
	// are string, int64, float64 or bool.
	Options map[string]any
}

// Noise chooses the initial latent noise.
type Noise struct {
	// Seed is any uint64. TOML integers are int64, so seeds above 2^63−1 are written as a
	// decimal string; both forms are read.
	Seed uint64
	// Generator names the random generator; "torch_cpu" reproduces torch.randn on a CPU
	// torch.Generator bit for bit (PyTorch DistributionTemplates.h normal_fill).
	Generator string
}

// SEGA is semantic guidance (Brack et al. 2023, "SEGA: Instructing Text-to-Image Models
// using Semantic Guidance"), with diffusers' SemanticStableDiffusionPipeline defaults.
type SEGA struct {
	Enabled       bool
	MomentumScale float64 // edit_momentum_scale
	MomentumBeta  float64 // edit_mom_beta
	Concepts      []Concept
}

// Concept is one SEGA editing prompt.
type Concept struct {
	Prompt    string
	Weight    float64 // edit_weights[c]
	Guidance  float64 // edit_guidance_scale[c]
	Warmup    int     // edit_warmup_steps[c]
	Cooldown  *int    // edit_cooldown_steps[c]; nil never cools down
	Threshold float64 // edit_threshold[c], a quantile in [0,1]
	Reverse   bool    // reverse_editing_direction[c]: steer away from the concept
}

// AttendExcite is Attend-and-Excite (Chefer et al. 2023), with diffusers'
// StableDiffusionAttendAndExcitePipeline defaults.
type AttendExcite struct {
	Enabled bool
	// Tokens are CLIP token positions counting the start token as 0 ("a cat and a frog":
	// cat = 2, frog = 5).
	Tokens []int
	// TokenTexts holds the text of each token in Tokens, so an edited prompt can re-map the
	// indices; empty or the same length as Tokens.
	TokenTexts []string
	// Thresholds maps a step index to the loss threshold that triggers iterative refinement.
	Thresholds          map[int]float64
	ScaleFactor         float64 // step size α_i = ScaleFactor·sqrt(linspace(1, 0.5)[i])
	MaxIterToAlter      int     // latents are updated for steps < MaxIterToAlter
	MaxRefinementSteps  int
	AttentionResolution int // side of the cross-attention maps used; 0: ceil(W/32)
}

// Preview is how the studio shows steps while rendering.
type Preview struct {
	Protocol string // "auto", "kitty", "sixel", "iterm", "blocks" or "none"
	Decoder  string // "approx" (linear latent→RGB), "taesd" or "vae"
	Every    int    // show every Nth step
}

// Snapshot is one history entry: the parameters of a finished render and what it produced.
type Snapshot struct {
	Time   time.Time // stored in UTC
	Output string    // image path, relative to the session file
	// ImageSHA256 is ImageHash of the rendered pixels (hex); see ImageHash for why pixels
	// and not PNG bytes are hashed.
	ImageSHA256 string
	Params      Params
}
