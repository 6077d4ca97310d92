package techniques

import (
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/session"
)

// SAG's [sag] block in a session file (docs/session-format.md): SAGConfig reads, checks and
// writes itself.

// sagInfotextKey is SAG's key in A1111 infotext: the scale.
const sagInfotextKey = "SAG scale"

var _ session.Block = (*SAGConfig)(nil)

// SAGOf returns the session's SAG settings, nil when the block is absent.
func SAGOf(p *session.Params) *SAGConfig {
	s, _ := p.Blocks["sag"].(*SAGConfig)
	return s
}

// decodeSAGBlock reads [sag]; absent keys keep diffusers' defaults.
func decodeSAGBlock(t session.Table) session.Block {
	s := DefaultSAGConfig()
	t.Bool("enabled", &s.Enabled)
	t.Float("scale", &s.Scale)
	return &s
}

// CheckBlock reports a scale NewSAG would refuse.
func (s *SAGConfig) CheckBlock(c session.Checker, _ *session.Params, _ session.ValidateOptions) {
	c.Number("scale", s.Scale, 0, MaxSAGScale)
}

// WriteBlock writes [sag].
func (s *SAGConfig) WriteBlock(w session.BlockWriter) {
	w.KV("enabled", s.Enabled)
	w.KV("scale", s.Scale)
}

// CloneBlock copies the settings.
func (s *SAGConfig) CloneBlock() session.Block {
	c := *s
	return &c
}

// Infotext adds the scale when SAG changes the image.
func (s *SAGConfig) Infotext(add func(key, value string)) {
	if s.Enabled && s.Scale > 0 {
		add(sagInfotextKey, strconv.FormatFloat(s.Scale, 'g', -1, 64))
	}
}

// sagFromInfotext reads the scale back from infotext.
func sagFromInfotext(p *session.Params, key, value string, note func(string, ...any)) {
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || !(v >= 0 && v <= MaxSAGScale) {
		note("%s %q is not a number in 0…%d; SAG left off", key, truncateNote(value, 30), MaxSAGScale)
		return
	}
	s := DefaultSAGConfig()
	s.Scale = v
	p.SetBlock("sag", &s)
}
