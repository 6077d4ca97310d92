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
	ClipSkip         int // A1111's "Clip skip": 2+ conditions on an earlier CLIP layer; 0 or 1 the last
	// Embeddings are the textual-inversion embeddings the last render used ([[embeddings]]).
	Embeddings []Embedding
	// Blocks holds the technique blocks whose technique registered them (RegisterBlock):
	// "sega", "attend_excite". An absent block is a technique that is off.
	Blocks map[string]Block
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
