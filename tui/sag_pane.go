package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// sagPane is self-attention guidance's slider (Hong et al. 2023; diffusers'
// StableDiffusionSAGPipeline, sag_scale): one scale, switched on by the first change, and the
// last step's figures. It registers itself for the technique's [sag] block.
type sagPane struct {
	onOff  key.Binding
	typing bool
	in     textinput.Model
	stats  []runtime.Stat // the last step's, nil before one arrives
}

// sagScaleStep is one +/- press; the slider's end is 2 (the paper's figures stay ≤ 1, and
// the block accepts up to techniques.MaxSAGScale when typed).
const sagScaleStep, sagSliderMax = 0.05, 2.0

func newSAGPane() pane {
	return &sagPane{in: newInput(""), onOff: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "switch SAG on/off"))}
}

func init() { registerTechniquePane("sag", 30, newSAGPane) }

func sagOf(h host) *techniques.SAGConfig { return techniques.SAGOf(h.current()) }

func (s *sagPane) title(h host) string {
	state := "off"
	if c := sagOf(h); c != nil && c.Enabled && c.Scale > 0 {
		state = "on"
	}
	return "Self-attention guidance (" + state + ")"
}

func (s *sagPane) hint(host) string {
	if s.typing {
		return "type a scale · enter sets it · esc cancels"
	}
	return "+/- scale · enter type it · e on/off · 0 renders plain"
}

func (s *sagPane) helpKeys(h host) []key.Binding {
	k := h.keyMap()
	return []key.Binding{s.onOff, k.Inc, k.Dec, relabel(k.Edit, "type the scale")}
}

func (s *sagPane) update(h host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case statsMsg:
		s.stats = nil
		for _, ts := range msg.stats {
			if ts.Technique == "sag" {
				s.stats = ts.Stats
			}
		}
	case runRestartMsg:
		s.stats = nil
	case tea.KeyPressMsg:
		if s.typing {
			return true, s.editKey(h, msg)
		}
		return s.key(h, msg)
	case tea.PasteMsg:
		if s.typing {
			var cmd tea.Cmd
			s.in, cmd = s.in.Update(msg)
			return true, cmd
		}
	}
	return false, nil
}

func (s *sagPane) key(h host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.Inc):
		return true, s.setScale(h, s.scale(h)+sagScaleStep)
	case key.Matches(msg, k.Dec):
		return true, s.setScale(h, s.scale(h)-sagScaleStep)
	case key.Matches(msg, s.onOff):
		return true, h.change("sag.enabled", func(p *session.Params) {
			c := ensureSAG(p)
			c.Enabled = !c.Enabled
		})
	case key.Matches(msg, k.Edit):
		s.typing = true
		s.in.SetValue(strconv.FormatFloat(s.scale(h), 'g', -1, 64))
		s.in.CursorEnd()
		s.in.SetWidth(max(h.columnWidth()-8, 8))
		h.breakUndo()
		return true, s.in.Focus()
	}
	return false, nil
}

// scale is the session's scale, or the default the first change starts from.
func (s *sagPane) scale(h host) float64 {
	if c := sagOf(h); c != nil {
		return c.Scale
	}
	return 0
}

// setScale writes a scale (rounded to the step, kept in range) and switches SAG on.
func (s *sagPane) setScale(h host, v float64) tea.Cmd {
	v = clampFloat(round(v, 1/sagScaleStep), 0, techniques.MaxSAGScale)
	return h.change("sag.scale", func(p *session.Params) {
		c := ensureSAG(p)
		c.Scale, c.Enabled = v, true
	})
}

// ensureSAG returns the session's [sag] block, adding one at scale 0 (the plain render).
func ensureSAG(p *session.Params) *techniques.SAGConfig {
	c := techniques.SAGOf(p)
	if c == nil {
		c = &techniques.SAGConfig{Enabled: true}
		p.SetBlock("sag", c)
	}
	return c
}

func (s *sagPane) editKey(h host, msg tea.KeyPressMsg) tea.Cmd {
	return editFieldKey(h, msg, &s.in, s.stopEditing)
}

func (s *sagPane) editing() bool { return s.typing }

func (s *sagPane) stopEditing(h host, keep bool) tea.Cmd {
	if !s.typing {
		return nil
	}
	var cmd tea.Cmd
	if keep {
		v, err := strconv.ParseFloat(strings.TrimSpace(s.in.Value()), 64)
		if err != nil || !(v >= 0 && v <= techniques.MaxSAGScale) {
			h.say(fmt.Sprintf("SAG scale: give a number from 0 to %d (diffusers' default 0.75)", techniques.MaxSAGScale), true)
			return nil
		}
		cmd = h.change("", func(p *session.Params) {
			c := ensureSAG(p)
			c.Scale, c.Enabled = v, true
		})
	}
	s.typing = false
	s.in.Blur()
	return cmd
}

func (s *sagPane) view(h host, focused bool, width, height int) []string {
	st := h.styles()
	value := fmt.Sprintf("%.2f %s", s.scale(h), st.slider(s.scale(h)/sagSliderMax, 10))
	if s.typing {
		value = s.in.View()
	}
	lines := []string{st.row(focused, "scale", value)}
	switch {
	case len(s.stats) > 0:
		var parts []string
		for _, x := range s.stats {
			v := fmt.Sprintf("%.3g", x.Value)
			if x.Name == "masked" {
				v = fmt.Sprintf("%.0f%%", 100*x.Value)
			}
			parts = append(parts, x.Label+" "+v)
		}
		lines = append(lines, "  "+truncate(strings.Join(parts, " · "), width-2))
	case s.scale(h) == 0:
		lines = append(lines, st.dim.Render(truncate("  0: plain render — + switches on (0.75 is diffusers' default)", width)))
	}
	return lines[:min(len(lines), max(height, 0))]
}
