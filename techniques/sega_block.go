package techniques

import (
	"encoding/json"
	"strconv"

	"github.com/nudge-studio/nudge/session"
)

// SEGA's [sega] block in a session file (docs/session-format.md): SEGAConfig reads, checks
// and writes itself, so the settings exist in one type from the file to the render.

// MaxConcepts bounds the concepts of one render: each is one more row in every UNet call.
const MaxConcepts = 16

// maxEditGuidance bounds a concept's edit guidance in a session file, as the guidance scale.
const maxEditGuidance = 100.0

// segaInfotextKey is SEGA's key in A1111 infotext: the block as JSON.
const segaInfotextKey = "SEGA"

var _ session.Block = (*SEGAConfig)(nil)

// SEGAOf returns the session's SEGA settings, nil when the block is absent.
func SEGAOf(p *session.Params) *SEGAConfig {
	s, _ := p.Blocks["sega"].(*SEGAConfig)
	return s
}

// decodeSEGABlock reads [sega]; absent keys keep diffusers' defaults.
func decodeSEGABlock(t session.Table) session.Block {
	s := DefaultSEGAConfig()
	t.Bool("enabled", &s.Enabled)
	t.Float("momentum_scale", &s.MomentumScale)
	t.Float("momentum_beta", &s.MomentumBeta)
	for _, ct := range t.Array("concepts") {
		c := DefaultConcept("")
		ct.Str("prompt", &c.Prompt)
		ct.Float("weight", &c.Weight)
		ct.Float("guidance", &c.EditGuidance)
		ct.Int("warmup", &c.WarmUp)
		if ct.Has("cooldown") {
			n := 0
			ct.Int("cooldown", &n)
			c.CoolDown = &n
		}
		ct.Float("threshold", &c.Threshold)
		ct.Bool("reverse", &c.Reverse)
		s.Concepts = append(s.Concepts, c)
	}
	return &s
}

// CheckBlock reports [sega] values NewSEGA would refuse, and concepts that could never
// apply, each located at its key.
func (s *SEGAConfig) CheckBlock(c session.Checker, _ *session.Params, _ session.ValidateOptions) {
	c.Number("momentum_scale", s.MomentumScale, 0, 1)
	c.Number("momentum_beta", s.MomentumBeta, 0, 0.999)
	if len(s.Concepts) > MaxConcepts {
		c.Add("concepts", "has "+strconv.Itoa(len(s.Concepts))+" concepts", "use at most "+strconv.Itoa(MaxConcepts))
		return
	}
	for i, con := range s.Concepts {
		cc := c.Sub("concepts[" + strconv.Itoa(i) + "]")
		if con.Prompt == "" {
			cc.Add("prompt", "is empty", "give the concept a prompt, e.g. \"smiling\"")
		}
		cc.Text("prompt", con.Prompt, session.MaxTextBytes, true)
		cc.Number("weight", con.Weight, -maxMagnitude, maxMagnitude)
		cc.Number("guidance", con.EditGuidance, 0, maxEditGuidance)
		cc.IntRange("warmup", con.WarmUp, 0, session.MaxSteps)
		if con.CoolDown != nil {
			cc.IntRange("cooldown", *con.CoolDown, 0, session.MaxSteps)
			if *con.CoolDown <= con.WarmUp {
				cc.Add("cooldown", "is not after warmup, so the concept never applies",
					"make cooldown larger than warmup, or remove it")
			}
		}
		if what, hint, bad := thresholdProblem(con.Threshold); bad {
			cc.Add("threshold", what, hint)
		}
	}
}

// WriteBlock writes [sega] and one [[sega.concepts]] per concept.
func (s *SEGAConfig) WriteBlock(w session.BlockWriter) {
	w.KV("enabled", s.Enabled)
	w.KV("momentum_scale", s.MomentumScale)
	w.KV("momentum_beta", s.MomentumBeta)
	for _, c := range s.Concepts {
		cw := w.ArrayTable("concepts")
		cw.KV("prompt", c.Prompt)
		cw.KV("weight", c.Weight)
		cw.KV("guidance", c.EditGuidance)
		cw.KV("warmup", int64(c.WarmUp))
		if c.CoolDown != nil {
			cw.KV("cooldown", int64(*c.CoolDown))
		}
		cw.KV("threshold", c.Threshold)
		cw.KV("reverse", c.Reverse)
	}
}

// CloneBlock deep-copies the settings (concepts and their cool-downs).
func (s *SEGAConfig) CloneBlock() session.Block {
	c := *s
	c.Concepts = append([]Concept(nil), s.Concepts...)
	for i, con := range c.Concepts {
		if con.CoolDown != nil {
			v := *con.CoolDown
			c.Concepts[i].CoolDown = &v
		}
	}
	c.SemGuidance = append([][]float32(nil), s.SemGuidance...)
	return &c
}

// segaJSON is the SEGA value in infotext: the block as JSON.
type segaJSON struct {
	MomentumScale float64       `json:"momentum_scale"`
	MomentumBeta  float64       `json:"momentum_beta"`
	Concepts      []conceptJSON `json:"concepts"`
}

type conceptJSON struct {
	Prompt    string  `json:"prompt"`
	Weight    float64 `json:"weight"`
	Guidance  float64 `json:"guidance"`
	Warmup    int     `json:"warmup"`
	Cooldown  *int    `json:"cooldown,omitempty"`
	Threshold float64 `json:"threshold"`
	Reverse   bool    `json:"reverse,omitempty"`
}

// Infotext adds SEGA's JSON when it is on with concepts.
func (s *SEGAConfig) Infotext(add func(key, value string)) {
	if !s.Enabled || len(s.Concepts) == 0 {
		return
	}
	v := segaJSON{MomentumScale: s.MomentumScale, MomentumBeta: s.MomentumBeta}
	for _, c := range s.Concepts {
		v.Concepts = append(v.Concepts, conceptJSON{Prompt: c.Prompt, Weight: c.Weight, Guidance: c.EditGuidance,
			Warmup: c.WarmUp, Cooldown: c.CoolDown, Threshold: c.Threshold, Reverse: c.Reverse})
	}
	data, _ := json.Marshal(v)
	add(segaInfotextKey, string(data))
}

// segaFromInfotext reads SEGA's JSON back from infotext.
func segaFromInfotext(p *session.Params, _, value string, note func(string, ...any)) {
	var js segaJSON
	if err := json.Unmarshal([]byte(value), &js); err != nil {
		note("SEGA value is not nudge's JSON; SEGA left off")
		return
	}
	s := DefaultSEGAConfig()
	s.MomentumScale, s.MomentumBeta = js.MomentumScale, js.MomentumBeta
	for _, c := range js.Concepts {
		s.Concepts = append(s.Concepts, Concept{Prompt: c.Prompt, Weight: c.Weight, EditGuidance: c.Guidance,
			WarmUp: c.Warmup, CoolDown: c.Cooldown, Threshold: c.Threshold, Reverse: c.Reverse})
	}
	p.SetBlock("sega", &s)
}
