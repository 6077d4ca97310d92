package tui

import (
	"fmt"
	"strings"
)

// viewHelp is the key overlay, drawn in place of the panes: one entry per binding from
// keys.go (so it shows exactly what Update matches), in as many columns as the width takes.
func (m *Model) viewHelp(width, height int) []string {
	var entries []string
	colW := 0
	for _, b := range m.keys.helpOrder() {
		h := b.Help()
		e := fmt.Sprintf("%-9s %s", h.Key, h.Desc)
		entries = append(entries, e)
		colW = max(colW, len([]rune(e))+2)
	}
	cols := max((width-2)/colW, 1)
	rows := (len(entries) + cols - 1) / cols
	out := []string{m.st.focused.Render("  Keys") + m.st.dim.Render("  (? or esc closes)"), ""}
	for r := range rows {
		var line strings.Builder
		line.WriteString("  ")
		for c := range cols {
			if i := c*rows + r; i < len(entries) {
				line.WriteString(fit(entries[i], colW))
			}
		}
		out = append(out, line.String())
	}
	out = append(out, "", m.st.dim.Render("  Every change re-renders after a short pause; typing never waits for the model."))
	for i := range out {
		out[i] = fit(out[i], width)
	}
	return pad(out, height)
}
