package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
)

// viewHelp is the key overlay, drawn in place of the panes: the shared keys, then each
// pane's own (from the bindings Update matches, so it shows exactly what works), each group
// in as many columns as the width takes.
func (m *Model) viewHelp(width, height int) []string {
	out := []string{m.st.focused.Render("  Keys") + m.st.dim.Render("  (? or esc closes)")}
	out = append(out, m.helpGroup("everywhere", m.keys.global(), width)...)
	out = append(out, m.st.title.Render("  in each pane"))
	for _, p := range m.ring {
		if p == m.negative {
			continue // the same keys as the prompt's
		}
		out = append(out, m.helpLine(p.title(m), p.helpKeys(m), width)...)
	}
	out = append(out, "", m.st.dim.Render("  Every change re-renders after a short pause; typing never waits for the model."))
	for i := range out {
		out[i] = fit(out[i], width)
	}
	return pad(out, height)
}

// helpGroup is a heading and the bindings in columns.
func (m *Model) helpGroup(title string, bindings []key.Binding, width int) []string {
	var entries []string
	colW := 0
	for _, b := range bindings {
		h := b.Help()
		e := fmt.Sprintf("%-9s %s", h.Key, h.Desc)
		entries = append(entries, e)
		colW = max(colW, len([]rune(e))+2)
	}
	cols := max((width-4)/max(colW, 1), 2)
	colW = (width - 4) / cols
	rows := (len(entries) + cols - 1) / cols
	out := []string{m.st.title.Render("  " + title)}
	for r := range rows {
		var line strings.Builder
		line.WriteString("    ")
		for c := range cols {
			if i := c*rows + r; i < len(entries) {
				line.WriteString(fit(entries[i], colW))
			}
		}
		out = append(out, line.String())
	}
	return out
}

// helpLine is one pane's keys as flowing text, wrapped under its name.
func (m *Model) helpLine(title string, bindings []key.Binding, width int) []string {
	parts := make([]string, len(bindings))
	for i, b := range bindings {
		parts[i] = b.Help().Key + " " + b.Help().Desc
	}
	name := strings.SplitN(title, " (", 2)[0]
	name = strings.SplitN(name, " · ", 2)[0]
	var out []string
	line := "    " + m.st.focused.Render(name) + ": "
	lineW := 6 + len([]rune(name))
	for i, part := range parts {
		if i > 0 {
			part = " · " + part
		}
		if lineW+len([]rune(part)) > width-2 && lineW > 6+len([]rune(name)) {
			out = append(out, line)
			line, lineW, part = "      ", 6, strings.TrimPrefix(part, " · ")
		}
		line += part
		lineW += len([]rune(part))
	}
	return append(out, line)
}
