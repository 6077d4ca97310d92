package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is how nudge runs on this machine (config.toml), as opposed to a Session, which is
// what it renders. config.example.toml documents every key.
type Config struct {
	Runtime  RuntimeConfig  `toml:"runtime"`
	Models   ModelsConfig   `toml:"models"`
	Defaults DefaultsConfig `toml:"defaults"`
	Preview  PreviewConfig  `toml:"preview"`
}

// RuntimeConfig selects the ONNX Runtime library and execution provider.
type RuntimeConfig struct {
	Library         string            `toml:"library"`
	Provider        string            `toml:"provider"`
	DeviceID        int               `toml:"device_id"`
	ProviderOptions map[string]string `toml:"provider_options"`
	CPUFallback     bool              `toml:"cpu_fallback"`
	Threads         int               `toml:"threads"`
	Optimization    string            `toml:"optimization"`
	LowMemory       bool              `toml:"low_memory"`
	MaxBatch        int               `toml:"max_batch"`
	AttentionSlices int               `toml:"attention_slices"`
}

// ModelsConfig names models: the default, aliases, and folders searched for a bare name.
type ModelsConfig struct {
	Default string            `toml:"default"`
	Aliases map[string]string `toml:"aliases"`
	Dirs    []string          `toml:"dirs"`
	// Embeddings is the folder of textual-inversion embeddings prompts name (A1111's
	// embeddings folder; sub-folders included).
	Embeddings string `toml:"embeddings"`
}

// DefaultsConfig are the values a new session starts from.
type DefaultsConfig struct {
	Prompt    string  `toml:"prompt"`
	Negative  string  `toml:"negative"`
	Steps     int     `toml:"steps"`
	Guidance  float64 `toml:"guidance"`
	Width     int     `toml:"width"`
	Height    int     `toml:"height"`
	Scheduler string  `toml:"scheduler"`
}

// PreviewConfig is how the studio shows steps.
type PreviewConfig struct {
	Protocol      string `toml:"protocol"`
	Decoder       string `toml:"decoder"`
	Every         int    `toml:"every"`
	LatentFactors string `toml:"latent_factors"`
	DebounceMS    int    `toml:"debounce_ms"`
}

// DefaultConfig is what nudge uses when no config file exists.
func DefaultConfig() *Config {
	return &Config{
		Runtime: RuntimeConfig{Provider: "cpu", Optimization: "all"},
		Models:  ModelsConfig{}, // no default: the front ends use the built-in shapes model
		Preview: PreviewConfig{Protocol: "auto", Decoder: "approx", Every: 1, LatentFactors: "sd15", DebounceMS: 250},
	}
}

// ConfigPath is where nudge looks when --config is not given.
func ConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "nudge", "config.toml")
}

// LoadConfig reads path; an empty path means ConfigPath, and a missing default file means
// the defaults (a missing file named explicitly is an error). Unknown keys are errors with
// their line numbers, all reported at once.
func LoadConfig(path string) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = ConfigPath()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return DefaultConfig(), nil
		}
		return nil, &InputError{Where: path, What: "cannot read the config: " + errText(err), Hint: "check the --config path"}
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes config TOML over the defaults and checks it.
func ParseConfig(name string, data []byte) (*Config, error) {
	if err := checkTOMLBounds(name, data); err != nil {
		return nil, err
	}
	cfg := DefaultConfig()
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &InputError{Where: fmt.Sprintf("%s:%d", name, pe.Position.Line), What: "TOML: " + pe.Message,
				Hint: "see config.example.toml"}
		}
		return nil, &InputError{Where: name, What: errText(err), Hint: "see config.example.toml"}
	}
	ps := &problems{}
	for _, k := range md.Undecoded() {
		ps.add(k.String(), "unknown key", "see config.example.toml for the keys nudge reads")
	}
	cfg.check(ps)
	if len(ps.list) == 0 {
		return cfg, nil
	}
	return nil, ps.locate(name, data)
}

func (c *Config) check(ps *problems) {
	oneOf := func(key, v string, allowed ...string) {
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return
			}
		}
		ps.addf(key, "use one of "+strings.Join(allowed, ", "), "%q is not a known value", v)
	}
	oneOf("runtime.provider", c.Runtime.Provider, "cpu", "cuda", "webgpu", "tensorrt")
	oneOf("runtime.optimization", c.Runtime.Optimization, "disable", "basic", "extended", "all")
	oneOf("preview.protocol", c.Preview.Protocol, PreviewProtocols()...)
	oneOf("preview.decoder", c.Preview.Decoder, PreviewDecoders()...)
	if c.Runtime.AttentionSlices < 0 || c.Runtime.AttentionSlices > 64 {
		ps.addf("runtime.attention_slices", "0 is off; 4 or 8 cut attention memory at 512²", "%d is out of range 0..64", c.Runtime.AttentionSlices)
	}
	if c.Runtime.MaxBatch < 0 {
		ps.addf("runtime.max_batch", "0 means no cap", "%d must be ≥ 0", c.Runtime.MaxBatch)
	}
	if c.Runtime.Threads < 0 || c.Runtime.Threads > 1024 {
		ps.addf("runtime.threads", "0 lets ONNX Runtime decide", "%d is out of range", c.Runtime.Threads)
	}
	if c.Preview.Every < 1 {
		ps.addf("preview.every", "1 shows every step", "%d must be ≥ 1", c.Preview.Every)
	}
	if c.Preview.DebounceMS < 0 || c.Preview.DebounceMS > 10000 {
		ps.addf("preview.debounce_ms", "250 is the default", "%d is out of range 0..10000", c.Preview.DebounceMS)
	}
	if c.Defaults.Steps < 0 || c.Defaults.Steps > MaxSteps {
		ps.addf("defaults.steps", fmt.Sprintf("use 1..%d, or 0 for the built-in default", MaxSteps), "%d is out of range", c.Defaults.Steps)
	}
	if c.Defaults.Width%8 != 0 || c.Defaults.Height%8 != 0 || c.Defaults.Width < 0 || c.Defaults.Height < 0 {
		ps.addf("defaults.width", "sizes are multiples of 8", "%dx%d is not a valid size", c.Defaults.Width, c.Defaults.Height)
	}
}

// Apply fills a new session's parameters from the config's defaults.
func (c *Config) Apply(p *Params) {
	d := c.Defaults
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.Prompt, d.Prompt)
	set(&p.Negative, d.Negative)
	set(&p.Sampler.Scheduler, d.Scheduler)
	set(&p.Model.Path, c.Models.Default)
	if d.Steps > 0 {
		p.Sampler.Steps = d.Steps
	}
	if d.Guidance > 0 {
		p.Sampler.Guidance = d.Guidance
	}
	if d.Width > 0 && d.Height > 0 {
		p.Width, p.Height = d.Width, d.Height
	}
	if c.Runtime.Provider != "" {
		p.Runtime.Provider = c.Runtime.Provider
	}
}
