package scheduler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/nudge-studio/nudge/runtime/modelfile"
)

// Config is a diffusers scheduler_config.json: the values of the keys the file sets. Keys the file
// does not set (or lists in `_use_default_values`, which diffusers writes for keys it filled from
// defaults) take the default of whichever scheduler class uses the config — exactly what diffusers'
// `SchedulerClass.from_config(config)` does (configuration_utils.py, extract_init_dict;
// diffusers configuration_utils.py, extract_init_dict). Unknown keys are ignored, as diffusers
// ignores them.
type Config struct {
	// ClassName is `_class_name`, e.g. "PNDMScheduler" for SD 1.5.
	ClassName string
	values    map[string]any // known keys the file set, decoded to float64, bool, string or []float64
}

// ConfigError reports a scheduler_config.json the user must fix.
type ConfigError struct {
	Source string // file name or "scheduler config"
	Key    string // offending key, "" when the document itself is bad
	Msg    string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", e.Source, e.Msg)
	}
	return fmt.Sprintf("%s: key %q: %s", e.Source, e.Key, e.Msg)
}

// BadInput marks the error as the user's (exit code 2).
func (e *ConfigError) BadInput() bool { return true }

// keyKind says how a known key's JSON value is checked.
type keyKind int

const (
	kindNumber keyKind = iota
	kindInt
	kindBool
	kindString
	kindNumbers // trained_betas: null or an array of numbers
	kindNullableNumber
)

// keyKindOf says whether nudge's schedulers read a diffusers config key, and how to check it.
func keyKindOf(key string) (keyKind, bool) {
	switch key {
	case "num_train_timesteps", "steps_offset", "solver_order", "original_inference_steps":
		return kindInt, true
	case "beta_start", "beta_end", "clip_sample_range", "lambda_min_clipped", "timestep_scaling":
		return kindNumber, true
	case "sigma_min", "sigma_max":
		return kindNullableNumber, true
	case "trained_betas":
		return kindNumbers, true
	case "set_alpha_to_one", "clip_sample", "skip_prk_steps", "thresholding", "rescale_betas_zero_snr",
		"use_karras_sigmas", "lower_order_final", "euler_at_final", "use_exponential_sigmas",
		"use_beta_sigmas", "use_lu_lambdas":
		return kindBool, true
	case "beta_schedule", "prediction_type", "timestep_spacing", "final_sigmas_type", "algorithm_type",
		"solver_type", "interpolation_type", "timestep_type", "variance_type":
		return kindString, true
	}
	return 0, false
}

// maxConfigBytes bounds scheduler_config.json; diffusers writes well under a kilobyte.
const maxConfigBytes = 1 << 20

// unwrapPath drops the path an *fs.PathError repeats, since ConfigError names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// LoadConfig reads and parses a scheduler/scheduler_config.json file.
func LoadConfig(path string) (Config, error) {
	data, err := modelfile.ReadFile(path, maxConfigBytes)
	if err != nil {
		return Config{}, &ConfigError{Source: path, Msg: "cannot read the scheduler config: " + errText(unwrapPath(err)) +
			" — a Stable Diffusion ONNX export has scheduler/scheduler_config.json"}
	}
	return ParseConfig(data, path)
}

// ParseConfig parses the JSON of a scheduler_config.json; source names it in errors.
func ParseConfig(data []byte, source string) (Config, error) {
	if source == "" {
		source = "scheduler config"
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(nullNonFinite(data)))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return Config{}, &ConfigError{Source: source, Msg: "not a JSON object (" + errText(err) + "); expected diffusers' scheduler_config.json"}
	}
	cfg := Config{values: map[string]any{}}
	if v, ok := raw["_class_name"]; ok {
		if err := json.Unmarshal(v, &cfg.ClassName); err != nil {
			return Config{}, &ConfigError{Source: source, Key: "_class_name", Msg: "want a string"}
		}
	}
	defaulted, err := defaultedKeys(raw, source)
	if err != nil {
		return Config{}, err
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the first bad key deterministically
	for _, k := range keys {
		kind, known := keyKindOf(k)
		if !known || defaulted[k] {
			continue
		}
		v, err := decodeValue(raw[k], kind)
		if err != nil {
			return Config{}, &ConfigError{Source: source, Key: k, Msg: err.Error()}
		}
		if v != nil {
			cfg.values[k] = v
		}
	}
	return cfg, nil
}

func errText(err error) string {
	if err == nil {
		return "null"
	}
	return err.Error()
}

// defaultedKeys reads `_use_default_values`: keys whose values diffusers filled from defaults and
// that therefore do not carry over to another class.
func defaultedKeys(raw map[string]json.RawMessage, source string) (map[string]bool, error) {
	out := map[string]bool{}
	v, ok := raw["_use_default_values"]
	if !ok {
		return out, nil
	}
	var names []string
	if err := json.Unmarshal(v, &names); err != nil {
		return nil, &ConfigError{Source: source, Key: "_use_default_values", Msg: "want a list of key names"}
	}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// decodeValue checks one known key's JSON value; nil means JSON null (the class default applies).
func decodeValue(msg json.RawMessage, kind keyKind) (any, error) {
	if string(bytes.TrimSpace(msg)) == "null" {
		return nil, nil
	}
	switch kind {
	case kindBool:
		var b bool
		if json.Unmarshal(msg, &b) != nil {
			return nil, fmt.Errorf("want true or false, got %s", clip(msg))
		}
		return b, nil
	case kindString:
		var s string
		if json.Unmarshal(msg, &s) != nil {
			return nil, fmt.Errorf("want a string, got %s", clip(msg))
		}
		return s, nil
	case kindNumbers:
		var xs []float64
		if json.Unmarshal(msg, &xs) != nil {
			return nil, fmt.Errorf("want null or a list of numbers, got %s", clip(msg))
		}
		return xs, nil
	}
	var x float64
	if json.Unmarshal(msg, &x) != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, fmt.Errorf("want a number, got %s", clip(msg))
	}
	if kind == kindInt && (x != math.Trunc(x) || math.Abs(x) > 1<<31) {
		return nil, fmt.Errorf("want a whole number, got %s", clip(msg))
	}
	return x, nil
}

// clip shortens a JSON value for an error message.
func clip(msg json.RawMessage) string {
	s := string(bytes.TrimSpace(msg))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// Has reports whether the file set key (not null, not listed in _use_default_values).
func (c Config) Has(key string) bool {
	_, ok := c.values[key]
	return ok
}

// SD15Config is Stable Diffusion 1.5's scheduler/scheduler_config.json
// (runwayml/stable-diffusion-v1-5), for tests, demos and models that ship without one.
func SD15Config() Config {
	return Config{ClassName: "PNDMScheduler", values: map[string]any{
		"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
		"num_train_timesteps": 1000.0, "set_alpha_to_one": false, "skip_prk_steps": true,
		"steps_offset": 1.0, "clip_sample": false,
	}}
}

// With returns a copy of the config with some keys overridden (a session's
// [sampler.options], e.g. timestep_spacing = "trailing"), each checked like a value read from
// scheduler_config.json. Keys a scheduler does not know are errors here: the user typed them.
func (c Config) With(overrides map[string]any) (Config, error) {
	if len(overrides) == 0 {
		return c, nil
	}
	out := Config{ClassName: c.ClassName, values: maps.Clone(c.values)}
	if out.values == nil {
		out.values = map[string]any{}
	}
	keys := slices.Sorted(maps.Keys(overrides))
	for _, k := range keys {
		kind, known := keyKindOf(k)
		if !known {
			return Config{}, &ConfigError{Source: "sampler options", Key: k, Msg: "not a scheduler setting nudge knows (e.g. timestep_spacing, steps_offset, prediction_type)"}
		}
		raw, err := json.Marshal(overrides[k])
		if err != nil {
			return Config{}, &ConfigError{Source: "sampler options", Key: k, Msg: errText(err)}
		}
		v, err := decodeValue(raw, kind)
		if err != nil {
			return Config{}, &ConfigError{Source: "sampler options", Key: k, Msg: err.Error()}
		}
		out.values[k] = v
	}
	return out, nil
}
