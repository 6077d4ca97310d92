package session

import (
	"math"
	"slices"
	"strconv"
)

// Limits on values a session may hold. Ranges follow what the pipelines accept; sizes are
// generous bounds that stop hostile files, not artistic limits.
const (
	// MaxSteps is the most steps every scheduler takes with SD's steps_offset = 1: "leading"
	// spacing reaches timestep 1000, past the 1000-entry training schedule, at 1000 steps
	// (PNDM, DDIM, Euler) and at 999 (DPM-Solver++, whose spacing divides by N+1); diffusers
	// fails there too. runtime.MaxSteps is the same number (tested).
	MaxSteps = 998
	// MaxSide is the largest width or height, as runtime.MaxSide; multiples of 8 (the VAE's
	// factor) here, the UNet's own rule (runtime.SizeRule) when a model is open.
	MaxSide      = 4096
	MaxBatch     = 64
	MaxTextBytes = 1 << 15 // a prompt; CLIP sees 77 tokens per chunk, so this is plenty
	MaxHistory   = 100000
	MaxNameBytes = 256 // a short name or label (a token's text, a scheduler option)
	maxPathBytes = 4096
	maxGuidance  = 100.0
)

// ValidateOptions supplies what this package cannot know by itself.
type ValidateOptions struct {
	// TokenCount returns the number of CLIP tokens in a prompt, without the start and end
	// tokens. When set, a technique that names prompt tokens checks them against it.
	TokenCount func(prompt string) int
}

// Validate reports every problem in s at once as a *ValidationError (nil if none).
func (s *Session) Validate() error { return s.ValidateWith(ValidateOptions{}) }

// ValidateWith is Validate with options.
func (s *Session) ValidateWith(opts ValidateOptions) error {
	ps := &problems{}
	validate(s, opts, ps)
	return ps.err()
}

func validate(s *Session, opts ValidateOptions, ps *problems) {
	c := checker{ps: ps}
	if s.Version != Version {
		ps.addf("version", "write version = 1", "is %d, this build writes %d", s.Version, Version)
	}
	validateParams(c, &s.Params, opts)
	if s.Preview != nil {
		p := c.sub("preview")
		p.oneOf("protocol", s.Preview.Protocol, PreviewProtocols())
		p.oneOf("decoder", s.Preview.Decoder, PreviewDecoders())
		p.intRange("every", s.Preview.Every, 1, MaxSteps)
	}
	if len(s.History) > MaxHistory {
		ps.addf("history", "prune old entries", "has %d entries, at most %d are kept", len(s.History), MaxHistory)
		return
	}
	for i := range s.History {
		validateSnapshot(c.sub("history["+strconv.Itoa(i)+"]"), &s.History[i], opts)
	}
}

func validateSnapshot(c checker, snap *Snapshot, opts ValidateOptions) {
	if snap.Time.IsZero() || snap.Time.Year() > 9999 {
		c.add("time", "is missing", "write the render time, e.g. time = 2025-01-02T15:04:05Z")
	}
	c.relPath("output", snap.Output, false)
	c.hash("image_sha256", snap.ImageSHA256, true)
	validateParams(c, &snap.Params, opts)
}

func validateParams(c checker, p *Params, opts ValidateOptions) {
	c.text("prompt", p.Prompt, MaxTextBytes, true)
	c.text("negative", p.Negative, MaxTextBytes, true)
	c.side("width", p.Width)
	c.side("height", p.Height)
	c.intRange("batch", p.Batch, 1, MaxBatch)
	if p.ClipSkip != 0 {
		c.intRange("clip_skip", p.ClipSkip, 1, 12)
	}
	validateModel(c.sub("model"), &p.Model)
	validateEmbeddings(c, p)
	r := c.sub("runtime")
	r.oneOf("provider", p.Runtime.Provider, Providers())
	r.oneOf("precision", p.Runtime.Precision, Precisions())
	r.text("ort_version", p.Runtime.ORTVersion, 64, false)
	validateSampler(c.sub("sampler"), &p.Sampler)
	n := c.sub("noise")
	n.identifier("generator", p.Noise.Generator)
	for _, k := range p.blockNames() {
		p.Blocks[k].CheckBlock(Checker{c.sub(k)}, p, opts)
	}
	for _, k := range sortedKeys(p.Extra) {
		switch p.Extra[k].(type) {
		case map[string]any, []map[string]any:
		default:
			c.add(k, "unknown key", "remove it (see docs/session-format.md)")
		}
	}
}

func validateModel(c checker, m *Model) {
	if m.Path == "" {
		c.add("path", "is empty", `name a model: "demo:tiny", an alias, or a folder`)
	} else {
		c.modelPath("path", m.Path)
	}
	c.hash("fingerprint", m.Fingerprint, false)
	f := c.sub("files")
	for _, k := range sortedKeys(m.Files) {
		f.relPath(k, k, true)
		f.hash(k, m.Files[k], true)
	}
}

func validateSampler(c checker, s *Sampler) {
	c.oneOf("scheduler", s.Scheduler, Schedulers())
	c.intRange("steps", s.Steps, 1, MaxSteps)
	c.number("guidance", s.Guidance, 0, maxGuidance)
	c.number("eta", s.Eta, 0, 1)
	o := c.sub("options")
	for _, k := range sortedKeys(s.Options) {
		o.identifier(k, k)
		switch v := s.Options[k].(type) {
		case float64:
			o.number(k, v, -math.MaxFloat64, math.MaxFloat64)
		case string:
			o.text(k, v, MaxNameBytes, false)
		case int64, bool:
		default:
			o.add(k, "has an unsupported type", "use a string, number or boolean")
		}
	}
}

func sortedInts[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
