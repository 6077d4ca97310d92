package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Smallest window the studio lays out; below it a one-line notice is drawn instead.
const (
	minWidth  = 60
	minHeight = 16
	// fixed rows: header, then history strip, message line and status bar at the bottom.
	headerRows = 1
	footerRows = 3
)

// geometry is where everything goes for the current window size.
type geometry struct {
	bodyH            int // rows between header and footer
	leftW, rightW    int // preview column and editor column (one space between)
	imgCols, imgRows int // the preview picture's cell area, below the preview title
}

func (m *Model) geometry() geometry {
	g := geometry{bodyH: max(m.height-headerRows-footerRows, 1)}
	g.imgRows = max(g.bodyH-1, 1)
	// Half blocks show 1×2 pixels per cell, so a square picture is twice as wide in cells
	// as it is tall; the preview takes at most 45% of the width.
	g.leftW = max(min(2*g.imgRows, m.width*45/100), 10)
	g.imgCols = g.leftW
	g.rightW = max(m.width-g.leftW-1, 10)
	return g
}

func (m *Model) rightWidth() int { return m.geometry().rightW }

// layoutChanged re-encodes the preview for a new window size.
func (m *Model) layoutChanged() tea.Cmd {
	g := m.geometry()
	return m.preview.resize(headerRows+1, 0, g.imgCols, g.imgRows)
}

// render2D composes the screen: exactly height lines, none wider than width.
func (m *Model) render2D() string {
	if m.width < minWidth || m.height < minHeight {
		return fit("nudge: window too small — make it at least 60×16 (q quits)", m.width)
	}
	g := m.geometry()
	lines := make([]string, 0, m.height)
	lines = append(lines, fit(m.viewHeader(), m.width))
	var body []string
	if m.help {
		body = m.viewHelp(m.width, g.bodyH)
	} else {
		body = joinColumns(m.viewPreview(g), g.leftW, m.viewEditor(g), g.rightW, g.bodyH)
	}
	lines = append(lines, body...)
	lines = append(lines, fit(m.history.view(m, m.isFocused(m.history), m.width, 1)[0], m.width),
		fit(m.viewMessage(), m.width), fit(m.viewStatus(), m.width))
	return strings.Join(lines, "\n")
}

// viewRight stacks the editor panes: the prompts and parameters at their own height, the
// technique panes sharing what is left.
func (m *Model) viewRight(g geometry) []string {
	w := g.rightW
	var out []string
	for _, p := range []pane{m.prompt, m.negative, m.params} {
		out = append(out, m.paneTitle(p, w))
		out = append(out, p.view(m, m.isFocused(p), w, int(paramFieldCount))...)
	}
	rest := max(g.bodyH-len(out), 2*max(len(m.techs), 1))
	for i, t := range m.techs {
		h := rest / len(m.techs)
		if i == len(m.techs)-1 {
			h = rest - h*(len(m.techs)-1)
		}
		body := t.view(m, m.isFocused(t.pane), w, h-1)
		out = append(out, pad(append([]string{m.paneTitle(t.pane, w)}, body...), h)...)
	}
	return out
}

func (m *Model) isFocused(p pane) bool { return !m.help && m.focused() == p }

// joinColumns puts two columns side by side, each cut or padded to its width, height rows.
func joinColumns(left []string, lw int, right []string, rw, height int) []string {
	out := make([]string, height)
	for i := range out {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = fit(l, lw) + " " + fit(r, rw)
	}
	return out
}

// paneTitle is a pane's heading: a marker and bold colour when focused, then a rule.
func (m *Model) paneTitle(p pane, width int) string {
	marker, style := "  ", m.st.title
	if m.isFocused(p) {
		marker, style = "▶ ", m.st.focused
	}
	head := marker + p.title(m) + " "
	rule := strings.Repeat("─", max(width-ansi.StringWidth(head), 0))
	return style.Render(head) + m.st.dim.Render(rule)
}

// fit cuts s to width cells (with an ellipsis) or pads it with spaces, escape-aware.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", max(width-ansi.StringWidth(s), 0))
}

// truncate cuts plain text to width cells with an ellipsis.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// pad cuts or extends lines to exactly n.
func pad(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// oneLine flattens text for a single display line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
