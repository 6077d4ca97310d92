package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// segaField is the part of a SEGA concept the cursor is on.
type segaField int

const (
	segaPrompt segaField = iota
	segaWeight
	segaGuidance
	segaThreshold
	segaWarmup
	segaReverse
	segaFieldCount
)

var segaFieldNames = [segaFieldCount]string{"prompt", "weight", "guidance", "threshold", "warmup", "reverse"}

// segaPane is the concept list's cursor: which concept and which of its fields.
type segaPane struct {
	cursor int
	field  segaField
}

// Slider ranges and steps for SEGA's per-concept numbers (Brack et al. 2023; diffusers'
// defaults: weight 1, edit guidance 5, threshold 0.9, warm-up 10; diffusers
// SemanticStableDiffusionPipeline). Threshold stays below 1 because techniques.SEGA needs a
// quantile in [0,1).
const (
	weightStep, weightMax       = 0.1, 3.0
	segaGuidanceStep, segaGMax  = 0.5, 20.0
	thresholdStep, thresholdMax = 0.01, 0.99
)

func (m *Model) concepts() []techniques.Concept {
	if s := techniques.SEGAOf(&m.sess.Params); s != nil {
		return s.Concepts
	}
	return nil
}

func (m *Model) segaKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	s, n := &m.sega, len(m.concepts())
	switch {
	case key.Matches(msg, m.keys.Up) && s.cursor > 0:
		s.cursor--
	case key.Matches(msg, m.keys.Down) && s.cursor < n-1:
		s.cursor++
	case key.Matches(msg, m.keys.Left) && n > 0:
		s.field = segaField(clampInt(int(s.field)-1, 0, int(segaFieldCount)-1))
	case key.Matches(msg, m.keys.Right) && n > 0:
		s.field = segaField(clampInt(int(s.field)+1, 0, int(segaFieldCount)-1))
	case key.Matches(msg, m.keys.Inc) && n > 0:
		return true, m.nudgeConcept(1)
	case key.Matches(msg, m.keys.Dec) && n > 0:
		return true, m.nudgeConcept(-1)
	case key.Matches(msg, m.keys.Reverse) && n > 0,
		key.Matches(msg, m.keys.Toggle) && n > 0 && s.field == segaReverse:
		return true, m.editConcept("sega.reverse", func(c *techniques.Concept) { c.Reverse = !c.Reverse })
	case key.Matches(msg, m.keys.Add):
		if n >= techniques.MaxConcepts {
			m.say(fmt.Sprintf("SEGA takes at most %d concepts", techniques.MaxConcepts), true)
			return true, nil
		}
		m.beginEdit(editConceptNew, "")
	case key.Matches(msg, m.keys.Remove) && n > 0:
		return true, m.removeConcept()
	case key.Matches(msg, m.keys.SEGA) && techniques.SEGAOf(&m.sess.Params) != nil:
		return true, m.change("sega.enabled", func(p *session.Params) { s := techniques.SEGAOf(p); s.Enabled = !s.Enabled })
	case key.Matches(msg, m.keys.Edit) && n > 0:
		m.beginConceptEdit()
	case key.Matches(msg, m.keys.Edit):
		m.beginEdit(editConceptNew, "")
	default:
		return false, nil
	}
	m.undo.breakRun()
	return true, nil
}

func (m *Model) beginConceptEdit() {
	c := m.concepts()[m.sega.cursor]
	if m.sega.field == segaPrompt {
		m.beginEdit(editConceptPrompt, session.Sanitize(c.Prompt))
		return
	}
	m.beginEdit(editConceptField, conceptText(c, m.sega.field))
}

// editConcept changes the selected concept.
func (m *Model) editConcept(kind string, apply func(c *techniques.Concept)) tea.Cmd {
	i := m.sega.cursor
	return m.change(fmt.Sprintf("%s.%d", kind, i), func(p *session.Params) { apply(&techniques.SEGAOf(p).Concepts[i]) })
}

// nudgeConcept moves the selected field one step in direction d; the prompt field ignores it.
func (m *Model) nudgeConcept(d int) tea.Cmd {
	f, steps := m.sega.field, m.sess.Sampler.Steps
	if f == segaPrompt {
		return nil
	}
	return m.editConcept("sega."+segaFieldNames[f], func(c *techniques.Concept) {
		switch f {
		case segaWeight:
			c.Weight = clampFloat(round(c.Weight+float64(d)*weightStep, 10), 0, weightMax)
		case segaGuidance:
			c.EditGuidance = clampFloat(round(c.EditGuidance+float64(d)*segaGuidanceStep, 2), 0, segaGMax)
		case segaThreshold:
			c.Threshold = clampFloat(round(c.Threshold+float64(d)*thresholdStep, 100), 0, thresholdMax)
		case segaWarmup:
			c.WarmUp = clampInt(c.WarmUp+d, 0, max(steps, c.WarmUp))
		case segaReverse:
			c.Reverse = !c.Reverse
		}
	})
}

// round snaps v to 1/per, so repeated steps of 0.1 do not drift to 1.2000000000000002.
func round(v, per float64) float64 { return math.Round(v*per) / per }

func (m *Model) removeConcept() tea.Cmd {
	i := m.sega.cursor
	cmd := m.change("", func(p *session.Params) {
		s := techniques.SEGAOf(p)
		s.Concepts = append(s.Concepts[:i:i], s.Concepts[i+1:]...)
	})
	m.sega.clamp(m)
	return cmd
}

// commitConceptPrompt sets the edited concept's prompt, or adds a new concept.
func (m *Model) commitConceptPrompt(text string) (tea.Cmd, error) {
	text = strings.TrimSpace(session.Sanitize(text))
	if text == "" {
		return nil, fmt.Errorf("a SEGA concept needs a prompt, e.g. \"smiling\" (esc cancels)")
	}
	if m.editing == editConceptPrompt {
		return m.editConcept("sega.prompt", func(c *techniques.Concept) { c.Prompt = text }), nil
	}
	cmd := m.change("", func(p *session.Params) {
		s := techniques.SEGAOf(p)
		if s == nil {
			d := techniques.DefaultSEGAConfig()
			s = &d
			p.SetBlock("sega", s)
		}
		s.Concepts = append(s.Concepts, techniques.DefaultConcept(text))
	})
	m.sega.cursor, m.sega.field = len(m.concepts())-1, segaWeight
	return cmd, nil
}

// commitConceptField parses a typed number for the selected field.
func (m *Model) commitConceptField(text string) (tea.Cmd, error) {
	f := m.sega.field
	text = strings.TrimSpace(text)
	c := m.concepts()[m.sega.cursor]
	var err error
	switch f {
	case segaWarmup:
		c.WarmUp, err = strconv.Atoi(text)
	case segaReverse:
		c.Reverse, err = strconv.ParseBool(text)
	case segaWeight:
		c.Weight, err = strconv.ParseFloat(text, 64)
	case segaGuidance:
		c.EditGuidance, err = strconv.ParseFloat(text, 64)
	case segaThreshold:
		c.Threshold, err = strconv.ParseFloat(text, 64)
		if err == nil && (c.Threshold < 0 || c.Threshold >= 1) {
			return nil, fmt.Errorf("threshold %s: must be in [0, 1) — it is a quantile", text)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: not a valid value", segaFieldNames[f], text)
	}
	q := cloneParams(m.sess.Params)
	techniques.SEGAOf(&q).Concepts[m.sega.cursor] = c
	if err := (&session.Session{Version: session.Version, Params: q}).Validate(); err != nil {
		return nil, fmt.Errorf("%s %q: %s", segaFieldNames[f], text, oneLine(err.Error()))
	}
	return m.editConcept("sega.typed", func(dst *techniques.Concept) { *dst = c }), nil
}

func conceptText(c techniques.Concept, f segaField) string {
	switch f {
	case segaWeight:
		return strconv.FormatFloat(c.Weight, 'g', -1, 64)
	case segaGuidance:
		return strconv.FormatFloat(c.EditGuidance, 'g', -1, 64)
	case segaThreshold:
		return strconv.FormatFloat(c.Threshold, 'g', -1, 64)
	case segaWarmup:
		return strconv.Itoa(c.WarmUp)
	case segaReverse:
		return strconv.FormatBool(c.Reverse)
	}
	return c.Prompt
}

// clamp keeps the cursor on an existing concept.
func (s *segaPane) clamp(m *Model) {
	s.cursor = clampInt(s.cursor, 0, max(len(m.concepts())-1, 0))
}
