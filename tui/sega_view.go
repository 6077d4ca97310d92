package tui

import (
	"fmt"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// viewSEGA draws the concept list in height rows: a title, one line per concept and, under
// the selected one, its sliders. The list scrolls to keep the selection in view.
func (m *Model) viewSEGA(width, height int) []string {
	state := "off"
	if s := techniques.SEGAOf(&m.sess.Params); s != nil && s.Enabled {
		state = "on"
	}
	out := []string{m.paneTitle(paneSEGA, "SEGA concepts ("+state+")", width)}
	cs := m.concepts()
	if len(cs) == 0 {
		return append(out, m.st.dim.Render("  none — a: add a concept (e.g. \"smiling\")"))
	}
	var body []string
	selStart := 0
	for i, c := range cs {
		sign := "+"
		if c.Reverse {
			sign = "−"
		}
		text := truncate(oneLine(session.Sanitize(c.Prompt)), width-6)
		if i == m.sega.cursor {
			selStart = len(body)
			if m.editing == editConceptPrompt {
				text = m.fieldView()
			}
			body = append(body, m.row(m.focus == paneSEGA && m.sega.field == segaPrompt, sign, text))
			body = append(body, m.conceptDetail(c)...)
			continue
		}
		body = append(body, "  "+sign+" "+text)
	}
	if m.editing == editConceptNew {
		selStart = len(body)
		body = append(body, "  + "+m.fieldView())
	}
	return append(out, scrollTo(body, selStart, 3, height-1)...)
}

// conceptDetail is the selected concept's sliders, two lines.
func (m *Model) conceptDetail(c techniques.Concept) []string {
	f := func(field segaField, label, value string) string {
		if m.editing == editConceptField && m.sega.field == field {
			value = m.fieldView()
		}
		if m.focus == paneSEGA && m.sega.field == field {
			label = m.st.selected.Render(label)
		}
		return label + " " + value
	}
	rev := "no"
	if c.Reverse {
		rev = "yes"
	}
	return []string{
		"    " + f(segaWeight, "weight", fmt.Sprintf("%.1f %s", c.Weight, m.slider(c.Weight/weightMax, 6))) +
			"  " + f(segaGuidance, "guidance", fmt.Sprintf("%g %s", c.EditGuidance, m.slider(c.EditGuidance/segaGMax, 6))),
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
