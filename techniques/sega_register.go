package techniques

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// SEGA's registration: the [sega] block, its defaults and its stats.
func init() {
	Register(Registration{
		Name:    "sega",
		Default: func() Config { return DefaultSEGAConfig() },
		Settings: func(p *session.Params) (Config, bool, error) {
			if p.SEGA == nil || !p.SEGA.Enabled || len(p.SEGA.Concepts) == 0 {
				return nil, false, nil
			}
			return segaConfigOf(p.SEGA), true, nil
		},
		New: func(cfg Config) (runtime.Technique, error) { return NewSEGA(cfg.(SEGAConfig)) },
	})
	session.RegisterRule("sega", checkSEGAThresholds)
}

// segaConfigOf maps the session's [sega] block to the technique's settings.
func segaConfigOf(s *session.SEGA) SEGAConfig {
	cfg := SEGAConfig{MomentumScale: s.MomentumScale, MomentumBeta: s.MomentumBeta}
	for _, c := range s.Concepts {
		cfg.Concepts = append(cfg.Concepts, Concept{
			Prompt: c.Prompt, Weight: c.Weight, EditGuidance: c.Guidance, WarmUp: c.Warmup,
			CoolDown: c.Cooldown, Threshold: c.Threshold, Reverse: c.Reverse,
		})
	}
	return cfg
}

// checkSEGAThresholds is the session-file side of SEGA's threshold rule (thresholdProblem),
// so a session that loads is one NewSEGA accepts.
func checkSEGAThresholds(p *session.Params, add func(key, what, hint string)) {
	if p.SEGA == nil {
		return
	}
	for i, c := range p.SEGA.Concepts {
		if what, hint, bad := thresholdProblem(c.Threshold); bad {
			add("concepts["+itoa(i)+"].threshold", what, hint)
		}
	}
}

// Stats reports, per concept in order, the fraction of the latent its mask kept and the mean
// size of its edit, and the momentum's size, for the studio's bars.
func (s *SEGA) Stats() []runtime.Stat {
	st := s.LastStats()
	if len(st.Concepts) == 0 {
		return nil
	}
	kept := make([]float64, len(st.Concepts))
	mean := make([]float64, len(st.Concepts))
	for i, c := range st.Concepts {
		kept[i], mean[i] = c.Kept, c.MeanAbs
	}
	return []runtime.Stat{
		{Name: "kept", Label: "kept", Values: kept},
		{Name: "mean_abs", Label: "mean |edit|", Values: mean},
		{Name: "momentum_rms", Label: "momentum", Value: st.MomentumRMS},
	}
}
