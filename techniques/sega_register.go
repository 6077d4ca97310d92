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
		Block: session.BlockCodec{Decode: decodeSEGABlock, InfotextKeys: []string{segaInfotextKey},
			FromInfotext: segaFromInfotext},
		Settings: func(p *session.Params) (Config, bool, error) {
			s := SEGAOf(p)
			if s == nil || !s.Enabled || len(s.Concepts) == 0 {
				return nil, false, nil
			}
			return *s, true, nil
		},
		New: func(cfg Config) (runtime.Technique, error) { return NewSEGA(cfg.(SEGAConfig)) },
	})
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
