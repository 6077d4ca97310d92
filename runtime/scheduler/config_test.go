package scheduler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name    string
		json    string
		errKey  string // "" = must parse
		has     []string
		missing []string
	}{
		{"sd15 with unknown keys", `{"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_start": 0.00085,
			"skip_prk_steps": true, "trained_betas": null, "some_future_key": [1, {"x": 2}]}`, "",
			[]string{"beta_start", "skip_prk_steps"}, []string{"trained_betas", "some_future_key"}},
		{"python -Infinity", `{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "note": "-Infinity"}`,
			"", nil, []string{"lambda_min_clipped"}},
		{"_use_default_values drops keys", `{"timestep_spacing": "leading", "steps_offset": 1, "_use_default_values": ["timestep_spacing"]}`,
			"", []string{"steps_offset"}, []string{"timestep_spacing"}},
		{"wrong type", `{"beta_start": "0.1"}`, "beta_start", nil, nil},
		{"fractional int", `{"steps_offset": 1.5}`, "steps_offset", nil, nil},
		{"bad bool", `{"clip_sample": 1}`, "clip_sample", nil, nil},
		{"bad trained_betas", `{"trained_betas": [0.1, "x"]}`, "trained_betas", nil, nil},
		{"not an object", `[1, 2]`, "-", nil, nil},
		{"truncated", `{"beta_start": 0.1`, "-", nil, nil},
		{"empty", ``, "-", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.json), "model/scheduler/scheduler_config.json")
			if tc.errKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range tc.has {
					if !cfg.Has(k) {
						t.Errorf("key %q missing", k)
					}
				}
				for _, k := range tc.missing {
					if cfg.Has(k) {
						t.Errorf("key %q should not be set", k)
					}
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !ce.BadInput() {
				t.Fatalf("error %v is not a BadInput ConfigError", err)
			}
			if tc.errKey != "-" && ce.Key != tc.errKey {
				t.Errorf("error names key %q, want %q", ce.Key, tc.errKey)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "scheduler_config.json") {
				t.Errorf("error %q should be one line naming the file", msg)
			}
		})
	}
}

func TestLoadConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scheduler_config.json")
	if err := os.WriteFile(path, []byte(`{"_class_name": "EulerDiscreteScheduler", "prediction_type": "v_prediction"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil || cfg.ClassName != "EulerDiscreteScheduler" || !cfg.Has("prediction_type") {
		t.Fatalf("LoadConfig = %+v, %v", cfg, err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "absent.json")); err == nil {
		t.Fatal("missing file accepted")
	}
}

// Switching class follows from_config: keys the file set carry over, the rest take the new
// class's defaults (diffusers configuration_utils.py, extract_init_dict and _use_default_values).
func TestFromConfigDerivation(t *testing.T) {
	sd := SD15Config()
	dd := newScheduler(t, "ddim", sd, Options{}, 50).(*ddim)
	if dd.p.setAlphaToOne || dd.p.clipSample || dd.p.spacing != "leading" || dd.Timesteps()[0] != 981 {
		t.Errorf("ddim from SD 1.5: %+v", dd.p)
	}
	bare := newScheduler(t, "DDIMScheduler", Config{values: map[string]any{}}, Options{}, 50).(*ddim)
	if !bare.p.setAlphaToOne || !bare.p.clipSample || bare.p.betaSchedule != "linear" || bare.alphaFinal() != 1 {
		t.Errorf("ddim defaults: %+v", bare.p)
	}
	eu := newScheduler(t, "EulerDiscreteScheduler", sd, Options{}, 50).(*euler)
	if eu.p.spacing != "linspace" || eu.p.stepsOffset != 1 || eu.Timesteps()[0] != 999 {
		t.Errorf("euler from SD 1.5: %+v, first t %v", eu.p, eu.Timesteps()[0])
	}
	if got := newScheduler(t, "", sd, Options{}, 10).Name(); got != "pndm" {
		t.Errorf("empty name used %q, want the config's PNDM", got)
	}
}

func TestNewNamesAndErrors(t *testing.T) {
	for name, want := range map[string]string{
		"PNDMScheduler": "pndm", "plms": "pndm", "ddim": "ddim", "EulerDiscreteScheduler": "euler",
		"EulerAncestralDiscreteScheduler": "euler_a", "euler-a": "euler_a", "DPMSolverMultistepScheduler": "dpmpp_2m",
		"DPM++ 2M": "dpmpp_2m",
	} {
		s, err := New(name, SD15Config(), Options{})
		if err != nil || s.Name() != want {
			t.Errorf("New(%q) = %v, %v; want %s", name, s, err, want)
		}
	}
	sd := SD15Config()
	noPRK := SD15Config()
	noPRK.values["skip_prk_steps"] = false
	thresh := SD15Config()
	thresh.values["thresholding"] = true
	sample := SD15Config()
	sample.values["prediction_type"] = "sample"
	bad := []struct {
		name string
		cfg  Config
		opt  Options
	}{
		{"lms", sd, Options{}}, {"ddim", sd, Options{Karras: true}}, {"euler_a", sd, Options{Karras: true}},
		{"pndm", sd, Options{Karras: true}}, {"ddim", sd, Options{Eta: -1}}, {"pndm", noPRK, Options{}},
		{"ddim", thresh, Options{}}, {"euler", sample, Options{}},
	}
	for _, b := range bad {
		_, err := New(b.name, b.cfg, b.opt)
		var bi interface{ BadInput() bool }
		if err == nil || !errors.As(err, &bi) || !bi.BadInput() {
			t.Errorf("New(%q, %+v) error = %v, want a BadInput error", b.name, b.opt, err)
		}
	}
	_, err := New("lms", sd, Options{})
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("unknown-name error %q does not list %q", err, n)
		}
	}
}

func TestStepMisuse(t *testing.T) {
	x := []float32{1, 2}
	for _, name := range Names() {
		s, err := New(name, SD15Config(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		noise := func(n int) []float32 { return make([]float32, n) }
		if _, err := s.Step(x, x, 0, noise); err == nil {
			t.Errorf("%s: Step before SetTimesteps accepted", name)
		}
		for _, n := range []int{0, -1, 1001} {
			if err := s.SetTimesteps(n); err == nil {
				t.Errorf("%s: SetTimesteps(%d) accepted", name, n)
			}
		}
		if err := s.SetTimesteps(10); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(x[:1], x, 0, noise); err == nil {
			t.Errorf("%s: mismatched lengths accepted", name)
		}
		if _, err := s.Step(x, x, len(s.Timesteps()), noise); err == nil {
			t.Errorf("%s: index past the end accepted", name)
		}
		if _, err := s.Step(x, x, 0, noise); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(x, x, 2, noise); err == nil {
			t.Errorf("%s: skipped step accepted", name)
		}
	}
}

// FuzzConfig: any bytes give a Config or a one-line error, never a panic; a parsed config either
// builds every scheduler or says why not.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "skip_prk_steps": true, "steps_offset": 1}`))
	f.Add([]byte(`{"num_train_timesteps": 3, "trained_betas": [0.1, 0.2, 0.3], "timestep_spacing": "trailing"}`))
	f.Add([]byte(`{"lambda_min_clipped": -Infinity, "sigma_min": NaN, "s": "Infinity\"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.json")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, name := range Names() {
			s, err := New(name, cfg, Options{})
			if err != nil {
				continue
			}
			if s.SetTimesteps(3) != nil {
				continue
			}
			x := []float32{0.5, -0.5}
			for i := range s.Timesteps() {
				s.ScaleModelInput(x, i)
				if _, err := s.Step(x, x, i, func(n int) []float32 { return make([]float32, n) }); err != nil {
					break
				}
			}
		}
	})
}

// BenchmarkStep times one Step on an SD 1.5 latent (4×64×64): the cost the scheduler adds to
// each UNet call.
func BenchmarkStep(b *testing.B) {
	const n = 4 * 64 * 64
	x, m := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], m[i] = float32(i%7)-3, float32(i%5)-2
	}
	noise := func(k int) []float32 { return m[:k] }
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			s, err := New(name, SD15Config(), Options{Eta: 1})
			if err != nil {
				b.Fatal(err)
			}
			i, calls, steps := 0, 0, 999
			if name == "lcm" {
				steps = 50 // LCM takes at most original_inference_steps
			}
			for b.Loop() {
				if i == calls {
					b.StopTimer()
					if err := s.SetTimesteps(steps); err != nil {
						b.Fatal(err)
					}
					i, calls = 0, len(s.Timesteps())
					b.StartTimer()
				}
				if _, err := s.Step(m, x, i, noise); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// Session sampler options override the file's values, checked the same way.
func TestConfigWith(t *testing.T) {
	base := SD15Config()
	trailing, err := base.With(map[string]any{"timestep_spacing": "trailing"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New("ddim", base, Options{})
	b, _ := New("ddim", trailing, Options{})
	a.SetTimesteps(10)
	b.SetTimesteps(10)
	if a.Timesteps()[0] == b.Timesteps()[0] {
		t.Fatalf("timestep_spacing override had no effect: %v", b.Timesteps())
	}
	if _, err := New("ddim", base, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]any{{"warp_factor": 9}, {"timestep_spacing": 3}} {
		if _, err := base.With(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}
