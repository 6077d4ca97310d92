package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
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

// segaPane edits SEGA's concepts (Brack et al. 2023): a list of concept prompts and, under
// the selected one, its sliders. It registers itself for the technique's [sega] block.
type segaPane struct {
	keys   segaKeys
	cursor int
	field  segaField
	edit   segaEdit
	in     textinput.Model
}

// segaEdit is what the pane's text field is editing, if anything.
type segaEdit int

const (
	segaEditNone   segaEdit = iota
	segaEditPrompt          // the selected concept's prompt
	segaEditNew             // the prompt of a concept being added
	segaEditNumber          // one of the selected concept's numbers, typed
)

// segaKeys are the pane's own keys, besides the shared ones (arrows, +/-, enter, space).
type segaKeys struct{ Add, Remove, Reverse, OnOff key.Binding }

func newSEGAPane() pane {
	b := func(keys []string, label, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, desc))
	}
	return &segaPane{in: newInput(""), keys: segaKeys{
		Add:     b([]string{"a"}, "a", "add a concept"),
		Remove:  b([]string{"x", "delete"}, "x", "remove the concept"),
		Reverse: b([]string{"v"}, "v", "reverse its direction"),
		OnOff:   b([]string{"e"}, "e", "switch SEGA on/off"),
	}}
}

func init() { registerTechniquePane("sega", 10, newSEGAPane) }

// Slider ranges and steps for SEGA's per-concept numbers (Brack et al. 2023; diffusers'
// defaults: weight 1, edit guidance 5, threshold 0.9, warm-up 10; diffusers
// SemanticStableDiffusionPipeline). Threshold stays below 1 because techniques.SEGA needs a
// quantile in [0,1).
const (
	weightStep, weightMax       = 0.1, 3.0
	segaGuidanceStep, segaGMax  = 0.5, 20.0
	thresholdStep, thresholdMax = 0.01, 0.99
)

func segaOf(h host) *techniques.SEGAConfig { return techniques.SEGAOf(h.current()) }

func concepts(h host) []techniques.Concept {
	if s := segaOf(h); s != nil {
		return s.Concepts
	}
	return nil
}

func (s *segaPane) title(h host) string {
	state := "off"
	if sg := segaOf(h); sg != nil && sg.Enabled {
		state = "on"
	}
	return "SEGA concepts (" + state + ")"
}

func (s *segaPane) hint(host) string {
	switch {
	case s.edit != segaEditNone:
		return "type · enter sets it · esc cancels"
	}
	return "a add · ↑/↓ concept · ←/→ field · +/- change · enter type · v reverse · x remove · e on/off"
}

func (s *segaPane) helpKeys(h host) []key.Binding {
	k := h.keyMap()
	return []key.Binding{s.keys.Add, s.keys.Remove, s.keys.Reverse, s.keys.OnOff, k.Inc, k.Dec, relabel(k.Edit, "type a value")}
}

func (s *segaPane) editing() bool { return s.edit != segaEditNone }

func (s *segaPane) update(h host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case syncMsg:
		s.clamp(h)
	case tea.KeyPressMsg:
		if s.edit != segaEditNone {
			return true, s.editKey(h, msg)
		}
		return s.key(h, msg)
	case tea.PasteMsg:
		if s.edit != segaEditNone {
			var cmd tea.Cmd
			s.in, cmd = s.in.Update(msg)
			return true, cmd
		}
	}
	return false, nil
}

func (s *segaPane) key(h host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k, n := h.keyMap(), len(concepts(h))
	switch {
	case key.Matches(msg, k.Up) && s.cursor > 0:
		s.cursor--
	case key.Matches(msg, k.Down) && s.cursor < n-1:
		s.cursor++
	case key.Matches(msg, k.Left) && n > 0:
		s.field = segaField(clampInt(int(s.field)-1, 0, int(segaFieldCount)-1))
	case key.Matches(msg, k.Right) && n > 0:
		s.field = segaField(clampInt(int(s.field)+1, 0, int(segaFieldCount)-1))
	case key.Matches(msg, k.Inc) && n > 0:
		return true, s.nudge(h, 1)
	case key.Matches(msg, k.Dec) && n > 0:
		return true, s.nudge(h, -1)
	case key.Matches(msg, s.keys.Reverse) && n > 0,
		key.Matches(msg, k.Toggle) && n > 0 && s.field == segaReverse:
		return true, s.editConcept(h, "sega.reverse", func(c *techniques.Concept) { c.Reverse = !c.Reverse })
	case key.Matches(msg, s.keys.Add):
		if n >= techniques.MaxConcepts {
			h.say(fmt.Sprintf("SEGA takes at most %d concepts", techniques.MaxConcepts), true)
			return true, nil
		}
		return true, s.begin(h, segaEditNew, "")
	case key.Matches(msg, s.keys.Remove) && n > 0:
		return true, s.remove(h)
	case key.Matches(msg, s.keys.OnOff) && segaOf(h) != nil:
		return true, h.change("sega.enabled", func(p *session.Params) { sg := techniques.SEGAOf(p); sg.Enabled = !sg.Enabled })
	case key.Matches(msg, k.Edit) && n > 0:
		c := concepts(h)[s.cursor]
		if s.field == segaPrompt {
			return true, s.begin(h, segaEditPrompt, session.Sanitize(c.Prompt))
		}
		return true, s.begin(h, segaEditNumber, conceptText(c, s.field))
	case key.Matches(msg, k.Edit):
		return true, s.begin(h, segaEditNew, "")
	default:
		return false, nil
	}
	h.breakUndo()
	return true, nil
}

func (s *segaPane) begin(h host, e segaEdit, value string) tea.Cmd {
	s.edit = e
	s.in.SetValue(value)
	s.in.CursorEnd()
	s.in.SetWidth(max(h.columnWidth()-8, 8))
	h.breakUndo()
	return s.in.Focus()
}

// editKey: Enter sets what was typed (a bad value keeps the editor open with the reason on
// the message line), Esc drops it.
func (s *segaPane) editKey(h host, msg tea.KeyPressMsg) tea.Cmd {
	return editFieldKey(h, msg, &s.in, s.stopEditing)
}

func (s *segaPane) stopEditing(h host, keep bool) tea.Cmd {
	if s.edit == segaEditNone {
		return nil
	}
	var cmd tea.Cmd
	if keep {
		var err error
		if s.edit == segaEditNumber {
			cmd, err = s.commitNumber(h, s.in.Value())
		} else {
			cmd, err = s.commitPrompt(h, s.in.Value())
		}
		if err != nil {
			h.say(oneLine(err.Error()), true)
			return nil
		}
	}
	s.edit = segaEditNone
	s.in.Blur()
	h.breakUndo()
	return cmd
}

// editConcept changes the selected concept.
func (s *segaPane) editConcept(h host, kind string, apply func(c *techniques.Concept)) tea.Cmd {
	i := s.cursor
	return h.change(fmt.Sprintf("%s.%d", kind, i), func(p *session.Params) { apply(&techniques.SEGAOf(p).Concepts[i]) })
}

// nudge moves the selected field one step in direction d; the prompt field ignores it.
func (s *segaPane) nudge(h host, d int) tea.Cmd {
	f, steps := s.field, h.current().Sampler.Steps
	if f == segaPrompt {
		return nil
	}
	return s.editConcept(h, "sega."+segaFieldNames[f], func(c *techniques.Concept) {
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

func (s *segaPane) remove(h host) tea.Cmd {
	i := s.cursor
	cmd := h.change("", func(p *session.Params) {
		sg := techniques.SEGAOf(p)
		sg.Concepts = append(sg.Concepts[:i:i], sg.Concepts[i+1:]...)
	})
	s.clamp(h)
	return cmd
}

// commitPrompt sets the edited concept's prompt, or adds a new concept.
func (s *segaPane) commitPrompt(h host, text string) (tea.Cmd, error) {
	text = strings.TrimSpace(session.Sanitize(text))
	if text == "" {
		return nil, fmt.Errorf("a SEGA concept needs a prompt, e.g. \"smiling\" (esc cancels)")
	}
	if s.edit == segaEditPrompt {
		return s.editConcept(h, "sega.prompt", func(c *techniques.Concept) { c.Prompt = text }), nil
	}
	cmd := h.change("", func(p *session.Params) {
		sg := techniques.SEGAOf(p)
		if sg == nil {
			d := techniques.DefaultSEGAConfig()
			sg = &d
			p.SetBlock("sega", sg)
		}
		sg.Concepts = append(sg.Concepts, techniques.DefaultConcept(text))
	})
	s.cursor, s.field = len(concepts(h))-1, segaWeight
	return cmd, nil
}

// commitNumber parses a typed number for the selected field; the whole session must still
// validate (the technique's own rules, e.g. the threshold's range).
func (s *segaPane) commitNumber(h host, text string) (tea.Cmd, error) {
	f := s.field
	text = strings.TrimSpace(text)
	c := concepts(h)[s.cursor]
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
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: not a valid value", segaFieldNames[f], text)
	}
	q := cloneParams(*h.current())
	techniques.SEGAOf(&q).Concepts[s.cursor] = c
	if err := (&session.Session{Version: session.Version, Params: q}).Validate(); err != nil {
		return nil, fmt.Errorf("%s %q: %s", segaFieldNames[f], text, oneLine(err.Error()))
	}
	return s.editConcept(h, "sega.typed", func(dst *techniques.Concept) { *dst = c }), nil
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
func (s *segaPane) clamp(h host) {
	s.cursor = clampInt(s.cursor, 0, max(len(concepts(h))-1, 0))
}

// view draws one line per concept and, under the selected one, its sliders; the input of a
// concept being added is drawn even when there are no concepts yet. The list scrolls to
// keep the selection in view.
func (s *segaPane) view(h host, focused bool, width, height int) []string {
	st := h.styles()
	cs := concepts(h)
	var body []string
	selStart := 0
	for i, c := range cs {
		sign := "+"
		if c.Reverse {
			sign = "−"
		}
		text := truncate(oneLine(session.Sanitize(c.Prompt)), width-6)
		if i != s.cursor {
			body = append(body, "  "+sign+" "+text)
			continue
		}
		selStart = len(body)
		if s.edit == segaEditPrompt {
			text = s.in.View()
		}
		body = append(body, st.row(focused && s.field == segaPrompt, sign, text))
		body = append(body, s.detail(st, focused, c)...)
	}
	if s.edit == segaEditNew {
		selStart = len(body)
		body = append(body, "  + "+s.in.View())
	}
	if len(body) == 0 {
		return []string{st.dim.Render("  none — a: add a concept (e.g. \"smiling\")")}
	}
	return scrollTo(body, selStart, 3, height)
}

// detail is the selected concept's sliders, two lines.
func (s *segaPane) detail(st *styles, focused bool, c techniques.Concept) []string {
	f := func(field segaField, label, value string) string {
		if s.edit == segaEditNumber && s.field == field {
			value = s.in.View()
		}
		if focused && s.field == field {
			label = st.selected.Render(label)
		}
		return label + " " + value
	}
	rev := "no"
	if c.Reverse {
		rev = "yes"
	}
	return []string{
		"    " + f(segaWeight, "weight", fmt.Sprintf("%.1f %s", c.Weight, st.slider(c.Weight/weightMax, 6))) +
			"  " + f(segaGuidance, "guidance", fmt.Sprintf("%g %s", c.EditGuidance, st.slider(c.EditGuidance/segaGMax, 6))),
		"    " + f(segaThreshold, "threshold", fmt.Sprintf("%.2f", c.Threshold)) +
			"  " + f(segaWarmup, "warm-up", fmt.Sprint(c.WarmUp)) + "  " + f(segaReverse, "reverse", rev),
	}
}

// scrollTo returns at most height lines of body, keeping lines [sel, sel+span) visible.
func scrollTo(body []string, sel, span, height int) []string {
	if height <= 0 {
		return nil
	}
	if len(body) <= height {
		return body
	}
	start := clampInt(sel+span-height, 0, len(body)-height)
	start = min(start, sel)
	return body[start : start+height]
}
