package techniques

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// SAG's registration: the [sag] block, its graph needs and its stats.
func init() {
	Register(Registration{
		Name:    "sag",
		Default: func() Config { return DefaultSAGConfig() },
		Block: session.BlockCodec{Decode: decodeSAGBlock, InfotextKeys: []string{sagInfotextKey},
			FromInfotext: sagFromInfotext},
		Settings: func(p *session.Params) (Config, bool, error) {
			s := SAGOf(p)
			// sag_scale 0 is diffusers' "no self-attention guidance": the plain render.
			if s == nil || !s.Enabled || s.Scale == 0 {
				return nil, false, nil
			}
			return *s, true, nil
		},
		New: func(cfg Config) (runtime.Technique, error) { return NewSAG(cfg.(SAGConfig)) },
		Needs: func(cfg Config, _, _ int) runtime.AttentionNeeds {
			if n := cfg.(SAGConfig).Needs(); n != nil {
				return *n
			}
			return runtime.AttentionNeeds{}
		},
	})
}

// Stats reports the share of the first image's latent the mask blurred and the mean size of
// the guidance term, for the studio.
func (s *SAG) Stats() []runtime.Stat {
	st := s.LastStats()
	if st.Step < 0 {
		return nil
	}
	return []runtime.Stat{
		{Name: "masked", Label: "masked", Value: st.Masked},
		{Name: "mean_abs", Label: "mean |sag|", Value: st.MeanAbs},
	}
}
