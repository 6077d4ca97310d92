package scheduler

import (
	"fmt"
	"math"
)

// params are the settings one scheduler class runs with: the config's values where it set them,
// else that class's own defaults (diffusers' from_config).
type params struct {
	numTrain        int
	betaStart       float64
	betaEnd         float64
	betaSchedule    string
	trainedBetas    []float64
	prediction      string
	spacing         string
	stepsOffset     int
	setAlphaToOne   bool
	clipSample      bool
	clipSampleRange float64
	skipPRK         bool
	karras          bool
	sigmaMin        float64 // NaN: the schedule's own end
	sigmaMax        float64 // NaN: the schedule's own start
	finalSigmaZero  bool    // final_sigmas_type "zero" (else "sigma_min")
	solverType      string
	lowerOrderFinal bool
	eulerAtFinal    bool
	lcmOrigin       int     // LCM's original_inference_steps
	lcmScaling      float64 // LCM's timestep_scaling
}

// classDefaults are the __init__ defaults of each diffusers class (diffusers' scheduling_*.py).
func classDefaults(c class) map[string]any {
	d := map[string]any{
		"num_train_timesteps": 1000.0, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
		"prediction_type": "epsilon", "steps_offset": 0.0, "timestep_spacing": "linspace",
		"final_sigmas_type": "zero",
	}
	switch c {
	case classPNDM:
		d["skip_prk_steps"], d["set_alpha_to_one"], d["timestep_spacing"] = false, false, "leading"
	case classDDIM:
		d["clip_sample"], d["set_alpha_to_one"], d["clip_sample_range"], d["timestep_spacing"] = true, true, 1.0, "leading"
	case classDPMSolver:
		d["solver_order"], d["algorithm_type"], d["solver_type"] = 2.0, "dpmsolver++", "midpoint"
		d["lower_order_final"], d["euler_at_final"] = true, false
	case classLCM: // scheduling_lcm.py, LCMScheduler.__init__
		d["beta_start"], d["beta_end"], d["beta_schedule"] = 0.00085, 0.012, "scaled_linear"
		d["set_alpha_to_one"], d["clip_sample"], d["clip_sample_range"], d["timestep_spacing"] = true, false, 1.0, "leading"
		d["original_inference_steps"], d["timestep_scaling"] = 50.0, 10.0
	}
	return d
}

// resolve merges cfg over class c's defaults and rejects settings nudge does not implement.
func resolve(cfg Config, c class, opt Options) (params, error) {
	r := resolver{cfg: cfg, defaults: classDefaults(c)}
	p := params{
		numTrain: int(r.num("num_train_timesteps")), betaStart: r.num("beta_start"), betaEnd: r.num("beta_end"),
		betaSchedule: r.str("beta_schedule"), prediction: r.str("prediction_type"),
		spacing: r.str("timestep_spacing"), stepsOffset: int(r.num("steps_offset")),
		setAlphaToOne: r.flag("set_alpha_to_one"), clipSample: r.flag("clip_sample"),
		clipSampleRange: r.num("clip_sample_range"), skipPRK: r.flag("skip_prk_steps"),
		karras: r.flag("use_karras_sigmas") || opt.Karras, sigmaMin: r.numOr("sigma_min", math.NaN()),
		sigmaMax: r.numOr("sigma_max", math.NaN()), finalSigmaZero: r.str("final_sigmas_type") != "sigma_min",
		solverType: r.str("solver_type"), lowerOrderFinal: r.flag("lower_order_final"),
		eulerAtFinal: r.flag("euler_at_final"),
		lcmOrigin:    int(r.num("original_inference_steps")), lcmScaling: r.num("timestep_scaling"),
	}
	if tb, ok := cfg.values["trained_betas"].([]float64); ok {
		p.trainedBetas = tb
	}
	if err := checkSupported(cfg, c, p, opt); err != nil {
		return params{}, err
	}
	return p, nil
}

// resolver reads a key from the config, falling back to the class default.
type resolver struct {
	cfg      Config
	defaults map[string]any
}

func (r resolver) get(key string) any {
	if v, ok := r.cfg.values[key]; ok {
		return v
	}
	return r.defaults[key]
}

func (r resolver) num(key string) float64 { return r.numOr(key, 0) }

func (r resolver) numOr(key string, fallback float64) float64 {
	if v, ok := r.get(key).(float64); ok {
		return v
	}
	return fallback
}

func (r resolver) str(key string) string { s, _ := r.get(key).(string); return s }

func (r resolver) flag(key string) bool { b, _ := r.get(key).(bool); return b }

// OptionError reports a scheduler choice or option nudge cannot honour; it is the user's to fix.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return "scheduler: " + e.Msg }

// BadInput marks the error as the user's (exit code 2).
func (e *OptionError) BadInput() bool { return true }

func optErr(format string, a ...any) error { return &OptionError{Msg: fmt.Sprintf(format, a...)} }

// checkSupported rejects values outside what nudge implements, each with what to do instead.
func checkSupported(cfg Config, c class, p params, opt Options) error {
	switch {
	case p.numTrain < 2 || p.numTrain > 100000:
		return optErr("num_train_timesteps %d is out of range (2…100000)", p.numTrain)
	case p.prediction == "sample" && c != classLCM:
		return optErr("prediction_type \"sample\" is supported by lcm only (the others take epsilon or v_prediction)")
	case p.prediction != "epsilon" && p.prediction != "v_prediction" && p.prediction != "sample":
		return optErr("prediction_type %q is not supported (epsilon, v_prediction, or sample with lcm)", p.prediction)
	case c == classLCM && (p.lcmScaling <= 0 || math.IsInf(p.lcmScaling, 0)):
		return optErr("timestep_scaling %v must be a positive number (diffusers' default is 10)", p.lcmScaling)
	case p.spacing != "leading" && p.spacing != "trailing" && p.spacing != "linspace":
		return optErr("timestep_spacing %q is not supported (leading, trailing or linspace)", p.spacing)
	case p.trainedBetas == nil && !validSchedule(p.betaSchedule):
		return optErr("beta_schedule %q is not supported (linear, scaled_linear or squaredcos_cap_v2)", p.betaSchedule)
	case p.trainedBetas != nil && len(p.trainedBetas) != p.numTrain:
		return optErr("trained_betas has %d values for num_train_timesteps %d", len(p.trainedBetas), p.numTrain)
	case opt.Eta < 0 || math.IsNaN(opt.Eta):
		return optErr("eta %v must be ≥ 0", opt.Eta)
	case p.karras && c != classEuler && c != classDPMSolver:
		return optErr("Karras sigmas are offered for euler and dpmpp_2m only (diffusers has none for %s)", c.info().short)
	case c == classPNDM && !p.skipPRK:
		return optErr("PNDM's Runge–Kutta warm-up (skip_prk_steps=false) is not implemented: set skip_prk_steps true, as SD checkpoints do, or pick ddim/euler/dpmpp_2m")
	}
	for _, key := range []string{"thresholding", "rescale_betas_zero_snr", "use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas"} {
		if b, _ := cfg.values[key].(bool); b {
			return optErr("%s=true is not supported; set it false or pick the model's default scheduler", key)
		}
	}
	return checkClassKeys(cfg, c)
}

// checkClassKeys rejects variants of a class nudge does not implement.
func checkClassKeys(cfg Config, c class) error {
	r := resolver{cfg: cfg, defaults: classDefaults(c)}
	if c == classEuler {
		if it, ok := cfg.values["interpolation_type"].(string); ok && it != "linear" {
			return optErr("interpolation_type %q is not supported (linear)", it)
		}
		if tt, ok := cfg.values["timestep_type"].(string); ok && tt != "discrete" {
			return optErr("timestep_type %q is not supported (discrete)", tt)
		}
	}
	if c == classDPMSolver {
		if r.num("solver_order") != 2 || r.str("algorithm_type") != "dpmsolver++" {
			return optErr("DPMSolverMultistep is implemented as DPM++ 2M only (solver_order 2, algorithm_type dpmsolver++)")
		}
		if st := r.str("solver_type"); st != "midpoint" && st != "heun" {
			return optErr("solver_type %q is not supported (midpoint or heun)", st)
		}
		if lm, ok := cfg.values["lambda_min_clipped"].(float64); ok && !math.IsInf(lm, -1) {
			return optErr("lambda_min_clipped is not supported; remove it")
		}
	}
	if fs := r.str("final_sigmas_type"); fs != "zero" && fs != "sigma_min" {
		return optErr("final_sigmas_type %q is not supported (zero or sigma_min)", fs)
	}
	return nil
}

func validSchedule(s string) bool {
	return s == "linear" || s == "scaled_linear" || s == "squaredcos_cap_v2"
}
