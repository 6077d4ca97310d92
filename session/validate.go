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
	MaxSide        = 4096
	MaxBatch       = 64
	MaxTextBytes   = 1 << 15 // a prompt; CLIP sees 77 tokens per chunk, so this is plenty
	MaxConcepts    = 16
	MaxTokenIndex  = 75 // CLIP positions 1…75 (0 is the start token, 76 the last pad)
	MaxHistory     = 100000
	maxNameBytes   = 256
	maxPathBytes   = 4096
	maxGuidance    = 100.0
	maxScaleFactor = 1000.0
)

// ValidateOptions supplies what this package cannot know by itself.
type ValidateOptions struct {
	// TokenCount returns the number of CLIP tokens in a prompt, without the start and end
	// tokens. When set, attend-and-excite token indices are checked against it.
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
	validateModel(c.sub("model"), &p.Model)
	r := c.sub("runtime")
	r.oneOf("provider", p.Runtime.Provider, Providers())
	r.oneOf("precision", p.Runtime.Precision, Precisions())
	r.text("ort_version", p.Runtime.ORTVersion, 64, false)
	validateSampler(c.sub("sampler"), &p.Sampler)
	n := c.sub("noise")
	n.identifier("generator", p.Noise.Generator)
	if p.SEGA != nil {
		validateSEGA(c.sub("sega"), p.SEGA)
	}
	if p.AttendExcite != nil {
		validateAttendExcite(c.sub("attend_excite"), p.AttendExcite, p.Prompt, opts)
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
			o.text(k, v, maxNameBytes, false)
		case int64, bool:
		default:
			o.add(k, "has an unsupported type", "use a string, number or boolean")
		}
	}
}

func validateSEGA(c checker, s *SEGA) {
	c.number("momentum_scale", s.MomentumScale, 0, 10)
	c.number("momentum_beta", s.MomentumBeta, 0, 0.999)
	if len(s.Concepts) > MaxConcepts {
		c.add("concepts", "has "+strconv.Itoa(len(s.Concepts))+" concepts", "use at most "+strconv.Itoa(MaxConcepts))
		return
	}
	for i, con := range s.Concepts {
		cc := c.sub("concepts[" + strconv.Itoa(i) + "]")
		if con.Prompt == "" {
			cc.add("prompt", "is empty", "give the concept a prompt, e.g. \"smiling\"")
		}
		cc.text("prompt", con.Prompt, MaxTextBytes, true)
		cc.number("weight", con.Weight, -math.MaxFloat64, math.MaxFloat64)
		cc.number("guidance", con.Guidance, 0, maxGuidance)
		cc.intRange("warmup", con.Warmup, 0, MaxSteps)
		if con.Cooldown != nil {
			cc.intRange("cooldown", *con.Cooldown, 0, MaxSteps)
			if *con.Cooldown <= con.Warmup {
				cc.add("cooldown", "is not after warmup, so the concept never applies",
					"make cooldown larger than warmup, or remove it")
			}
		}
		cc.number("threshold", con.Threshold, 0, 1)
	}
}

func validateAttendExcite(c checker, a *AttendExcite, prompt string, opts ValidateOptions) {
	limit, why := MaxTokenIndex, "CLIP positions run 1…75"
	if opts.TokenCount != nil {
		limit, why = min(limit, opts.TokenCount(prompt)), "the prompt has "+strconv.Itoa(opts.TokenCount(prompt))+" tokens"
	}
	seen := map[int]bool{}
	for i, tok := range a.Tokens {
		k := "tokens[" + strconv.Itoa(i) + "]"
		switch {
		case tok < 1 || tok > limit:
			c.add(k, strconv.Itoa(tok)+" is outside the prompt ("+why+")", "count from 1 for the first word; 0 is the start token")
		case seen[tok]:
			c.add(k, strconv.Itoa(tok)+" is listed twice", "remove the duplicate")
		}
		seen[tok] = true
	}
	if len(a.TokenTexts) != 0 && len(a.TokenTexts) != len(a.Tokens) {
		c.add("token_texts", "has "+strconv.Itoa(len(a.TokenTexts))+" entries for "+strconv.Itoa(len(a.Tokens))+" tokens",
			"give one text per token, or none")
	}
	for i, t := range a.TokenTexts {
		c.text("token_texts["+strconv.Itoa(i)+"]", t, maxNameBytes, false)
	}
	th := c.sub("thresholds")
	for _, step := range sortedInts(a.Thresholds) {
		k := strconv.Itoa(step)
		if step < 0 || step > MaxSteps {
			th.add(k, "step is outside 0…1000", "use a step index")
		}
		th.number(k, a.Thresholds[step], 0, 1)
	}
	c.number("scale_factor", a.ScaleFactor, 0, maxScaleFactor)
	c.intRange("max_iter_to_alter", a.MaxIterToAlter, 0, MaxSteps)
	c.intRange("max_refinement_steps", a.MaxRefinementSteps, 0, 100)
	if a.AttentionResolution != 0 {
		c.intRange("attention_resolution", a.AttentionResolution, 1, 256)
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
