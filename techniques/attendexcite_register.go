package techniques

import (
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// Attend-and-Excite's registration: the [attend_excite] block, its graph needs and its stats.
func init() {
	Register(Registration{
		Name:    "attend_excite",
		Default: func() Config { return DefaultAttendExciteConfig() },
		Block: session.BlockCodec{Decode: decodeAttendExciteBlock, InfotextKeys: []string{aeTokensKey, aeWordsKey},
			FromInfotext: attendExciteFromInfotext},
		Settings: func(p *session.Params) (Config, bool, error) {
			a := AttendExciteOf(p)
			if a == nil || !a.Enabled {
				return nil, false, nil
			}
			// With no tokens chosen the technique leaves the render as plain CFG.
			return *a, true, nil
		},
		New: func(cfg Config) (runtime.Technique, error) { return NewAttendExcite(cfg.(AttendExciteConfig)) },
		Needs: func(cfg Config, latentH, latentW int) runtime.AttentionNeeds {
			return cfg.(AttendExciteConfig).Needs(latentH, latentW)
		},
	})
}

// Stats reports the first image's chosen tokens (their CLIP positions), each token's
// smoothed attention peak and the worst token's loss, for the studio's token bars.
func (a *AttendExcite) Stats() []runtime.Stat {
	st := a.LastStats()
	if st.Step < 0 || len(st.Samples) == 0 {
		return nil
	}
	s := st.Samples[0]
	tokens := make([]float64, len(s.Tokens))
	peaks := make([]float64, len(s.Tokens))
	for i, t := range s.Tokens {
		tokens[i], peaks[i] = float64(t.Index), t.Peak
	}
	return []runtime.Stat{
		{Name: "token", Label: "token", Values: tokens},
		{Name: "peak", Label: "attention peak", Values: peaks},
		{Name: "loss", Label: "loss", Value: s.Loss},
	}
}
